/**
 * A local webhook receiver for alert tests: records every POST (path, headers, parsed JSON) and answers
 * with the status the test sets (`respond`; a 3xx points at `/redirected` here), or never answers (`hang`) to exercise the timeout.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReceivedAlert = { method: string; path: string; headers: IncomingHttpHeaders; body: unknown };

export type AlertReceiver = {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  received: ReceivedAlert[];
  /** The status of the next answers (default 200); `hang` leaves requests unanswered. */
  respond(status: number | 'hang'): void;
  close(): Promise<void>;
};

export async function startAlertReceiver(): Promise<AlertReceiver> {
  const received: ReceivedAlert[] = [];
  let status: number | 'hang' = 200;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {
        // Recorded as text: the test then fails on the shape, with the text to look at.
      }
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      if (status === 'hang') return;
      // A redirect points back at this receiver, so a client that follows it is seen here.
      res.writeHead(status, { 'content-type': 'text/plain', ...(status >= 300 && status < 400 ? { location: '/redirected' } : {}) });
      res.end(status < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    respond: (next) => void (status = next),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
