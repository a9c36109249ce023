/**
 * Test scaffolding: signs in to a running local stack (`npm start`, e.g. from `spawnStack`) the way a
 * person does, through the dev mailbox: magic-link start → newest link for the address → finish. Gives
 * back the headers a state-changing API call needs (session cookie and CSRF token). Local mode only.
 */
export type SignedIn = {
  cookie: string;
  csrfToken: string;
  /** Headers for `fetch`: the cookie, and the CSRF token (harmless on reads, required on writes). */
  headers(extra?: Record<string, string>): Record<string, string>;
};

export async function signIn(baseUrl: string, email: string): Promise<SignedIn> {
  const started = await fetch(`${baseUrl}/api/auth/magic-link/start`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email }),
  });
  if (started.status !== 202) throw new Error(`magic-link start answered ${started.status}: ${await started.text()}`);
  const mailbox = await fetch(`${baseUrl}/api/dev/mailbox`);
  if (!mailbox.ok) throw new Error(`the dev mailbox answered ${mailbox.status} (is the stack in local mode?)`);
  const { messages } = (await mailbox.json()) as { messages: { to: string; link: string | null }[] };
  const link = messages.find((m) => m.to === email.trim().toLowerCase())?.link;
  if (!link) throw new Error(`no sign-in link for ${email} in the dev mailbox (does the user exist?)`);
  const finished = await fetch(link.replace(/^https?:\/\/[^/]+/, baseUrl), { redirect: 'manual' });
  if (finished.status !== 303) throw new Error(`magic-link finish answered ${finished.status}`);
  const jar = new Map<string, string>();
  for (const line of finished.headers.getSetCookie()) {
    const pair = line.split(';')[0] ?? '';
    const at = pair.indexOf('=');
    if (at > 0) jar.set(pair.slice(0, at), pair.slice(at + 1));
  }
  const csrfToken = jar.get('reactor_csrf');
  if (!jar.get('reactor_session') || !csrfToken) throw new Error('magic-link finish set no session cookies');
  const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  return { cookie, csrfToken, headers: (extra = {}) => ({ cookie, 'x-csrf-token': csrfToken, ...extra }) };
}
