/**
 * The tenant kill switch as the whole admin sees it: one shared state (`GET /api/tenants/:id/pause`,
 * refreshed every 20 s and when the tab comes back), the indicator the shell shows on every page while
 * sending is paused, and `setPauseState` for the budget page's switch (so the indicator follows a click
 * at once, and goes back if the server refuses it).
 */
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { ago, exactTime } from '../format';
import { Link } from '../router';

export type PauseState = { paused: boolean; since: string | null; reason: string | null };

let current: PauseState | undefined;
/** Whose state `current` is: after signing in to another tenant, the old one must not show. */
let currentTenant: string | undefined;
const listeners = new Set<(state: PauseState | undefined) => void>();

export function setPauseState(state: PauseState): void {
  current = state;
  for (const listener of listeners) listener(state);
}

export async function refreshPauseState(tenantId: string): Promise<void> {
  const state = await api<PauseState>('GET', `/api/tenants/${tenantId}/pause`);
  currentTenant = tenantId;
  setPauseState(state);
}

/** One poll for the whole page, however many components watch the state. */
let stopPolling: (() => void) | undefined;

function startPolling(tenantId: string): () => void {
  const refresh = () => {
    if (!document.hidden) refreshPauseState(tenantId).catch(() => undefined);
  };
  refresh();
  const timer = setInterval(refresh, 20_000);
  document.addEventListener('visibilitychange', refresh);
  return () => {
    clearInterval(timer);
    document.removeEventListener('visibilitychange', refresh);
  };
}

export function usePauseState(tenantId: string): PauseState | undefined {
  const [state, setState] = useState(currentTenant === tenantId ? current : undefined);
  useEffect(() => {
    listeners.add(setState);
    stopPolling ??= startPolling(tenantId);
    return () => {
      listeners.delete(setState);
      if (listeners.size === 0) {
        stopPolling?.();
        stopPolling = undefined;
      }
    };
  }, [tenantId]);
  return state;
}

/** In the top bar of every page while the tenant is paused: nothing is sent until an admin resumes. */
export function PauseIndicator(props: { tenantId: string }) {
  const state = usePauseState(props.tenantId);
  if (!state?.paused) return null;
  return (
    <Link href="/budget" class="pause-indicator">
      <span class="pause-dot" aria-hidden="true" />
      <span data-testid="pause-indicator" title={`${state.reason ?? 'Paused'}${state.since ? ` · since ${exactTime(state.since)}` : ''}`}>
        All sending paused{state.since ? ` · ${ago(state.since)}` : ''}
      </span>
    </Link>
  );
}
