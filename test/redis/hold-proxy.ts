import { createConnection, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a real server (a sentinel) that can hold back new connections: while holding,
 * connections are accepted but nothing is forwarded until `release()`, so a client's request on a new
 * connection is under way for as long as a test needs. Connections made before `hold()` keep flowing.
 */
export interface HoldProxy {
  port: number;
  hold(): void;
  /** Forwards the held connections (and every later one). */
  release(): void;
  /** Connections accepted while holding, not yet forwarded. */
  held(): number;
  /** Forwarded connections still open. */
  open(): number;
  close(): Promise<void>;
}

export async function startHoldProxy(targetPort: number): Promise<HoldProxy> {
  let holding = false;
  const waiting: Socket[] = [];
  const sockets = new Set<Socket>();
  let open = 0;
  const forward = (client: Socket) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    sockets.add(upstream);
    open++;
    let closed = false;
    const end = () => {
      if (closed) return;
      closed = true;
      open--;
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
    client.pipe(upstream);
    upstream.pipe(client);
  };
  const server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    if (holding) {
      client.pause();
      client.on('error', () => undefined);
      waiting.push(client);
    } else forward(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    port: address.port,
    hold() {
      holding = true;
    },
    release() {
      holding = false;
      for (const c of waiting.splice(0)) if (!c.destroyed) forward(c);
    },
    held: () => waiting.filter((c) => !c.destroyed).length,
    open: () => open,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
