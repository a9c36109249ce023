/**
 * Sign in: enter an email, get a link. In local mode the mail never leaves the machine, so the page
 * shows the dev mailbox's newest messages for that address (the route exists only in local mode).
 */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type MailboxMessage } from '../api';
import { ago } from '../format';

type State = { step: 'ask' } | { step: 'sent'; email: string };

async function devMailbox(): Promise<MailboxMessage[] | undefined> {
  try {
    const res = await fetch('/api/dev/mailbox', { headers: { accept: 'application/json' } });
    if (!res.ok) return undefined;
    return ((await res.json()) as { messages: MailboxMessage[] }).messages;
  } catch {
    return undefined;
  }
}

export function LoginPage() {
  const [state, setState] = useState<State>({ step: 'ask' });
  const [email, setEmail] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [mailbox, setMailbox] = useState<MailboxMessage[] | undefined>();

  useEffect(() => {
    if (state.step !== 'sent') return;
    let alive = true;
    const load = () => void devMailbox().then((m) => alive && setMailbox(m?.filter((x) => x.to === state.email.trim().toLowerCase()).slice(0, 3)));
    load();
    const timer = setInterval(load, 3000);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, [state]);

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      await api('POST', '/api/auth/magic-link/start', { email });
      setState({ step: 'sent', email });
    } catch (e) {
      setError(e instanceof ApiError && e.code === 'validation_failed' ? 'That does not look like an email address.' : e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="login">
      <div class="login-card">
        <div class="login-brand">Revenue Reactor</div>
        {state.step === 'ask' ? (
          <form onSubmit={submit} noValidate>
            <h1>Sign in</h1>
            <p class="muted">We email you a link that signs you in. No password.</p>
            <label class="field">
              <span>Work email</span>
              <input
                type="email"
                name="email"
                autoComplete="email"
                autoFocus
                required
                value={email}
                onInput={(e) => setEmail(e.currentTarget.value)}
                aria-invalid={error ? 'true' : undefined}
              />
            </label>
            {error && (
              <p class="form-error" role="alert">
                {error}
              </p>
            )}
            <button class="primary wide" type="submit" disabled={busy || email.trim() === ''}>
              Email me a sign-in link
            </button>
          </form>
        ) : (
          <div data-testid="check-inbox">
            <h1>Check your inbox</h1>
            <p class="muted">
              If <strong>{state.email.trim()}</strong> has an account, a sign-in link is on its way. It works once and expires in 15 minutes.
            </p>
            {mailbox !== undefined && (
              <div class="dev-mailbox" data-testid="dev-mailbox">
                <div class="dev-mailbox-title">Local mode: mail stays on this machine</div>
                {mailbox.length === 0 ? (
                  <p class="muted small">No mail for this address. Check the spelling, or look at the terminal running npm start.</p>
                ) : (
                  <ul>
                    {mailbox.map((m) => (
                      <li key={m.sentAt + m.subject}>
                        <span class="small muted">{ago(m.sentAt)}</span> {m.subject}
                        {m.link && (
                          <div>
                            <a href={m.link} data-testid="dev-mailbox-link">
                              Open sign-in link
                            </a>
                          </div>
                        )}
                      </li>
                    ))}
                  </ul>
                )}
              </div>
            )}
            <button type="button" class="link-button" onClick={() => setState({ step: 'ask' })}>
              Use a different address
            </button>
          </div>
        )}
      </div>
    </div>
  );
}
