import { createConnection, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a real Redis that plays a Redis dying between running a command and answering it:
 * once armed, the first connection to send a command `matches` accepts gets that command through to Redis,
 * but its reply is swallowed and the connection is cut as soon as the reply comes back. Redis did the work;
 * the client never hears of it, and ioredis resends the command on a new connection.
 */
export interface CutReplyProxy {
  port: number;
  /** From now on, the next matching command's reply is lost (once). */
  arm(): void;
  /** The replies swallowed so far (latin1), one per cut. */
  swallowed(): string[];
  close(): Promise<void>;
}

export async function startCutReplyProxy(
  targetPort: number,
  matches: (command: string) => boolean,
): Promise<CutReplyProxy> {
  let armed = false;
  const swallowed: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const s of [client, upstream]) {
      s.on('close', end);
      s.on('error', end);
    }
    let cutting = false;
    client.on('data', (chunk) => {
      upstream.write(chunk);
      if (armed && matches(chunk.toString('latin1'))) {
        armed = false;
        cutting = true;
      }
    });
    upstream.on('data', (chunk) => {
      if (!cutting) {
        client.write(chunk);
        return;
      }
      // The reply came back: Redis ran the command. Drop it and the connection, as a crash would.
      swallowed.push(chunk.toString('latin1'));
      end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    port: address.port,
    arm() {
      armed = true;
    },
    swallowed: () => [...swallowed],
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
