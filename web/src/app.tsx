/**
 * The admin's entry. Until staff access lands it shows the system's status: whether the API answers,
 * checked live, so a person who ran `npm start` sees at once that the stack is up.
 */
import { useEffect, useState } from 'preact/hooks';

type Health = { state: 'checking' } | { state: 'ok'; ts: string } | { state: 'down'; reason: string };

async function checkHealth(): Promise<Health> {
  try {
    const res = await fetch('/api/health', { headers: { accept: 'application/json' } });
    if (!res.ok) return { state: 'down', reason: `API answered ${res.status}` };
    const body = (await res.json()) as { ok?: unknown; ts?: unknown };
    return body.ok === true && typeof body.ts === 'string' ? { state: 'ok', ts: body.ts } : { state: 'down', reason: 'unexpected answer' };
  } catch {
    return { state: 'down', reason: 'API unreachable' };
  }
}

export function App() {
  const [health, setHealth] = useState<Health>({ state: 'checking' });
  useEffect(() => {
    let alive = true;
    const tick = () => void checkHealth().then((h) => alive && setHealth(h));
    tick();
    const timer = setInterval(tick, 10_000);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, []);

  return (
    <div class="frame">
      <header class="bar">
        <span class="brand">Revenue Reactor</span>
        <span class={`status status-${health.state}`} data-testid="api-status">
          {health.state === 'ok' ? 'API online' : health.state === 'down' ? `API down: ${health.reason}` : 'Checking API…'}
        </span>
      </header>
      <main class="content">
        <h1>Terminal</h1>
        <p class="muted">
          Ingestor, Refinery and Broadcaster run behind this admin. Sign-in and the working pages arrive with staff access.
        </p>
        {health.state === 'ok' && <p class="muted small">Last heartbeat {new Date(health.ts).toLocaleTimeString()}</p>}
      </main>
    </div>
  );
}
