/**
 * The DigitalOcean Functions wrapper: turns an OpenWhisk web action event into a standard `Request` for
 * the function's Hono app, and the app's `Response` back into what the platform expects.
 *
 * Functions are deployed with `web: raw` (project.yml): otherwise the platform parses JSON and form
 * bodies and merges them into the event, and a signature over the raw body (QStash, Twilio,
 * SignalHouse, the edge callback) can no longer be checked. With `raw`, the body arrives untouched in
 * `__ow_body` (base64 when `__ow_isBase64Encoded`), the query string unparsed in `__ow_query`, and
 * the path after the function's own URL in `__ow_path`.
 *
 * The request URL is rebuilt from PUBLIC_URL and the path, never from the Host header: inside DO the
 * host is an internal one, and signatures were computed by the caller over the public URL. The public
 * ingress (docs/deploy.md) either keeps the whole public path (`__ow_path = /fn/send/…`, the
 * recommended way: it keeps secondary mounts such as `/fn/webhook` distinct from `/api/webhooks`) or
 * strips the function's mount (`__ow_path = /…`), in which case the primary mount is put back.
 */
import { z } from 'zod';
import { mountsOf, type FunctionName } from './app';
import { errorBody } from './errors';
import { createLogger, type Logger } from './log';

/** What an app must offer the wrapper: the fetch handler every Hono app has. */
export type FetchApp = { fetch(request: Request): Response | Promise<Response> };

export type DoResponse = {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body?: string;
};

/**
 * An invocation without `__ow_method` did not come through the web endpoint: the platform always sets
 * the `__ow_*` fields on web requests and rejects requests that try to set them, and a non-web
 * invocation needs the namespace's API key. So it is a scheduled trigger (or an operator's
 * `doctl serverless functions invoke`), and it becomes `POST <mount>/scheduled` with this header.
 * The header is removed from every web request, so a route can trust it.
 */
export const scheduledInvocation = { path: '/scheduled', header: 'x-reactor-scheduled' } as const;

const webEventSchema = z.object({
  __ow_method: z.string().min(1),
  __ow_headers: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
  __ow_path: z.string().default(''),
  __ow_query: z.string().default(''),
  __ow_body: z.string().default(''),
  __ow_isBase64Encoded: z.boolean().default(false),
});

export type DoWebEvent = z.input<typeof webEventSchema>;

export type DoMainOptions = {
  /** Where the wrapper logs its own failures (the app logs the rest). Default: JSON lines on stdout. */
  log?: Logger;
};

/**
 * The `main` a DO function exports. `getApp` is the composition root's memoized `appFor`; `publicUrl`
 * gives PUBLIC_URL (without a trailing slash) once the config is parsed.
 */
export function createDoMain(
  getApp: (name: FunctionName) => Promise<FetchApp>,
  name: FunctionName,
  publicUrl: () => string | Promise<string>,
  options: DoMainOptions = {},
): (event: unknown) => Promise<DoResponse> {
  const mounts = mountsOf[name];
  return async function main(event: unknown): Promise<DoResponse> {
    let request: Request;
    try {
      request = toRequest(event, { publicUrl: await publicUrl(), mounts });
    } catch (error) {
      if (error instanceof z.ZodError) {
        return jsonResponse(400, errorBody('bad_request', 'The platform event is not a web request this function understands.'));
      }
      return failure(options.log, name, 'could not build the request', error);
    }
    let app: FetchApp;
    try {
      app = await getApp(name);
    } catch (error) {
      return failure(options.log, name, 'could not start the function', error);
    }
    // The app maps its own errors to JSON; a throw here is a bug in the host, not in a handler.
    try {
      return await toDoResponse(await app.fetch(request));
    } catch (error) {
      return failure(options.log, name, 'request failed outside the app', error);
    }
  };
}

/**
 * The public path of a request: `__ow_path` itself when it already starts with one of the function's
 * mounts (a path-preserving ingress), else the primary mount followed by `__ow_path` (an ingress that
 * strips the mount, or a call to the function's own DO URL).
 */
export function publicPath(owPath: string, mounts: readonly string[]): string {
  const path = owPath === '' || owPath.startsWith('/') ? owPath : `/${owPath}`;
  if (mounts.some((mount) => path === mount || path.startsWith(`${mount}/`))) return path;
  const primary = mounts[0];
  if (primary === undefined) throw new Error('a function needs at least one public mount');
  return `${primary}${path}`;
}

// Hop-by-hop and framing headers describe the platform's connection, not the caller's request; the
// Request recomputes content-length from the body it is given.
const droppedRequestHeaders = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'host',
  scheduledInvocation.header,
]);

/** Builds the standard Request the app sees from a DO event (web or scheduled). */
export function toRequest(event: unknown, target: { publicUrl: string; mounts: readonly string[] }): Request {
  const base = target.publicUrl.replace(/\/+$/, '');
  const publicHost = new URL(base).host;
  if (isNonWebInvocation(event)) {
    const params = Object.fromEntries(Object.entries(event).filter(([key]) => !key.startsWith('__ow_')));
    return new Request(`${base}${publicPath(scheduledInvocation.path, target.mounts)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', host: publicHost, [scheduledInvocation.header]: '1' },
      body: JSON.stringify(params),
    });
  }

  const web = webEventSchema.parse(event);
  const method = web.__ow_method.toUpperCase();
  const query = web.__ow_query.replace(/^\?/, '');
  const url = `${base}${publicPath(web.__ow_path, target.mounts)}${query ? `?${query}` : ''}`;

  const headers = new Headers();
  for (const [key, value] of Object.entries(web.__ow_headers)) {
    if (!droppedRequestHeaders.has(key.toLowerCase())) headers.set(key, value);
  }
  headers.set('host', publicHost);

  const hasBody = method !== 'GET' && method !== 'HEAD';
  // Bytes, not a re-encoded string: a signature covers the bytes the caller sent.
  const body = hasBody ? decodeBody(web.__ow_body, web.__ow_isBase64Encoded) : undefined;
  return new Request(url, { method, headers, body });
}

function isNonWebInvocation(event: unknown): event is Record<string, unknown> {
  return typeof event === 'object' && event !== null && !Array.isArray(event) && !('__ow_method' in event);
}

function decodeBody(body: string, isBase64Encoded: boolean): Uint8Array<ArrayBuffer> {
  const bytes = Buffer.from(body, isBase64Encoded ? 'base64' : 'utf8');
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy;
}

/**
 * The platform's response shape. Its controller passes a string body through for textual content
 * types and base64-decodes it for binary ones (OpenWhisk web actions), so binary bodies go out base64.
 * Several Set-Cookie headers go out as an array, which the platform expands into separate headers.
 */
export async function toDoResponse(response: Response): Promise<DoResponse> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, key) => {
    if (key === 'set-cookie' || key === 'content-length' || key === 'transfer-encoding' || key === 'connection') return;
    headers[key] = value;
  });
  const cookies = setCookies(response.headers);
  if (cookies.length === 1) headers['set-cookie'] = cookies[0] as string;
  else if (cookies.length > 1) headers['set-cookie'] = cookies;

  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length === 0) return { statusCode: response.status, headers };
  const contentType = response.headers.get('content-type');
  if (!isTextual(contentType)) return { statusCode: response.status, headers, body: Buffer.from(bytes).toString('base64') };
  const text = new TextDecoder().decode(bytes);
  // The controller treats a JSON-family string that looks like base64 as base64 (a legacy rule): a
  // bare JSON number or word such as `1234` would be decoded. Sending those as base64 keeps them intact.
  if (isJsonFamily(contentType) && looksLikeBase64(text)) {
    return { statusCode: response.status, headers, body: Buffer.from(bytes).toString('base64') };
  }
  return { statusCode: response.status, headers, body: text };
}

function setCookies(headers: Headers): string[] {
  if (typeof headers.getSetCookie === 'function') return headers.getSetCookie();
  const joined = headers.get('set-cookie');
  return joined === null ? [] : [joined];
}

function mediaType(contentType: string | null): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function isJsonFamily(contentType: string | null): boolean {
  const type = mediaType(contentType);
  return type === 'application/json' || type.endsWith('+json');
}

/** Which bodies the platform takes as text; everything else must be base64. No content type means text/html there. */
export function isTextual(contentType: string | null): boolean {
  const type = mediaType(contentType);
  if (type === '' || type.startsWith('text/')) return true;
  if (isJsonFamily(contentType) || type.endsWith('+xml')) return true;
  return type === 'application/xml' || type === 'application/javascript' || type === 'application/x-www-form-urlencoded';
}

function looksLikeBase64(text: string): boolean {
  const trimmed = text.trim();
  return trimmed.length > 0 && trimmed.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(trimmed);
}

function jsonResponse(statusCode: number, body: unknown): DoResponse {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

let fallbackLog: Logger | undefined;

function failure(log: Logger | undefined, fn: FunctionName, msg: string, error: unknown): DoResponse {
  (log ?? (fallbackLog ??= createLogger())).error(msg, { fn, err: error });
  return jsonResponse(500, errorBody('internal_error', 'Something went wrong on our side. It has been logged.'));
}
