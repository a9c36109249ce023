/**
 * A local HTTP server for SMS adapter tests. Each test file gives it a handler that answers in one
 * provider's wire format (status, JSON or text body); the server records every request it received
 * (method, path, headers, raw body). A handler can also misbehave the way networks do: hang until the
 * client gives up, or drop the connection after reading the request.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type RecordedRequest = { method: string; path: string; headers: IncomingHttpHeaders; body: string };

export type ProviderReply = { status: number; json?: unknown; text?: string } | 'hang' | 'drop';

export type ProviderServer = {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
};

export async function startProviderServer(handler: (request: RecordedRequest) => ProviderReply | Promise<ProviderReply>): Promise<ProviderServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(recorded);
      void Promise.resolve(handler(recorded)).then((reply) => {
        if (reply === 'hang') return;
        if (reply === 'drop') {
          req.socket.destroy();
          return;
        }
        const isJson = reply.json !== undefined;
        res.writeHead(reply.status, { 'content-type': isJson ? 'application/json' : 'text/html' });
        res.end(isJson ? JSON.stringify(reply.json) : (reply.text ?? ''));
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 with nothing listening (connection refused). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
