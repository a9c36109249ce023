/**
 * The admin's API client. Every call goes through `api()`, which:
 * - sends and reads JSON, and turns error bodies (`{error:{code,message}}`) into `ApiError`;
 * - echoes the session's CSRF token (the `reactor_csrf` cookie) in `x-csrf-token` on state changes,
 *   and on a `csrf_failed` answer fetches a fresh token once and retries;
 * - on 401 tells the app (it shows the login page) before throwing.
 */
import type { Role } from '../../core/auth/roles';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let unauthenticatedHandler: () => void = () => undefined;

/** Called on any 401: the session is gone (expired, revoked, signed out elsewhere). */
export function onUnauthenticated(handler: () => void): void {
  unauthenticatedHandler = handler;
}

function readCookie(name: string): string | undefined {
  for (const part of document.cookie.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

async function refreshCsrf(): Promise<string | undefined> {
  const res = await fetch('/api/auth/csrf', { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  if (!res.ok) return undefined;
  const body = (await res.json()) as { csrfToken?: string };
  return body.csrfToken;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

async function send(method: Method, path: string, body: unknown, csrf: string | undefined, extra: Record<string, string> = {}): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json', ...extra };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  return fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
}

async function errorOf(res: Response): Promise<ApiError> {
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    return new ApiError(res.status, body.error?.code ?? 'unknown', body.error?.message ?? `The server answered ${res.status}.`);
  } catch {
    return new ApiError(res.status, 'unknown', `The server answered ${res.status}.`);
  }
}

/** `headers`: extra request headers, e.g. an import commit's `Idempotency-Key`. */
export async function api<T>(method: Method, path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
  let res: Response;
  try {
    res = await send(method, path, body, readCookie('reactor_csrf'), headers);
    if (res.status === 403 && method !== 'GET') {
      const error = await errorOf(res.clone());
      if (error.code === 'csrf_failed') {
        const token = await refreshCsrf();
        if (token) res = await send(method, path, body, token, headers);
      }
    }
  } catch {
    throw new ApiError(0, 'network', 'The server could not be reached. Check your connection.');
  }
  if (res.status === 401) {
    unauthenticatedHandler();
    throw await errorOf(res);
  }
  if (!res.ok) throw await errorOf(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export type { Role };
export type Me = { user: { id: string; email: string; role: Role; name?: string | null }; tenant: { id: string; name: string } };
export type User = { id: string; email: string; name: string | null; role: Role; invitedBy: string | null; createdAt: string; lastLoginAt: string | null };
export type AuditItem = {
  id: string;
  at: string;
  actor: { id: string; email: string | null } | null;
  action: string;
  target: { type: string; id: string | null; label?: string | null } | null;
  requestId: string | null;
  details: Record<string, unknown>;
};
export type MailboxMessage = { to: string; subject: string; link: string | null; sentAt: string };
