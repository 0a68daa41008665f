import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OpsRoute } from './ops-routes.ts';

/** A running ops server and the port it got (useful with port 0). */
export interface OpsServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves ops routes on a plain HTTP server, for processes without a Bolt app (`worker` mode): the
 * image's HEALTHCHECK and Prometheus then reach every container the same way.
 */
export async function serveOpsRoutes(routes: OpsRoute[], port: number, host = '0.0.0.0'): Promise<OpsServer> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = routes.find((r) => r.path === path);
    if (route === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).map((m) => m.toUpperCase());
    if (!methods.includes(req.method ?? 'GET')) {
      res.writeHead(405, { Allow: methods.join(', '), 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('method not allowed\n');
      return;
    }
    route.handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
