/** Audit log (admin): who changed what, when, newest first, with older pages on demand. */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type AuditItem } from '../api';
import { ago, exactTime } from '../format';
import { useToast } from '../toasts';

const labels: Record<string, string> = {
  'session.login': 'Signed in',
  'session.logout': 'Signed out',
  'user.invite': 'Invited a user',
  'user.role_change': 'Changed a role',
  'user.remove': 'Removed a user',
};

function describeTarget(item: AuditItem): string {
  if (!item.target) return '';
  const name = item.target.label ?? `${item.target.type} ${item.target.id ?? ''}`;
  if (item.action === 'user.role_change') return `${name}: ${String(item.details.from)} → ${String(item.details.to)}`;
  if (item.action === 'user.invite') return `${name} as ${String(item.details.role)}`;
  return name;
}

type Page = { items: AuditItem[]; nextCursor: string | null };

export function AuditPage() {
  const toast = useToast();
  const [items, setItems] = useState<AuditItem[] | undefined>();
  const [cursor, setCursor] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);

  const load = async (from: string | null) => {
    const page = await api<Page>('GET', `/api/audit?limit=50${from ? `&cursor=${encodeURIComponent(from)}` : ''}`);
    setItems((all) => [...(from ? (all ?? []) : []), ...page.items]);
    setCursor(page.nextCursor);
  };

  useEffect(() => {
    load(null).catch((e: unknown) => toast(e instanceof ApiError ? e.message : 'Could not load the audit log.', 'error'));
  }, []);

  const more = () => {
    setLoadingMore(true);
    load(cursor)
      .catch((e: unknown) => toast(e instanceof ApiError ? e.message : 'Could not load older entries.', 'error'))
      .finally(() => setLoadingMore(false));
  };

  return (
    <section>
      <header class="page-head">
        <h1>Audit log</h1>
        <span class="muted small">Every change made by a person, newest first.</span>
      </header>
      <table class="grid" data-testid="audit-table">
        <thead>
          <tr>
            <th class="w-time">When</th>
            <th>Who</th>
            <th>What</th>
            <th>Target</th>
            <th class="w-req">Request</th>
          </tr>
        </thead>
        <tbody>
          {items === undefined
            ? [0, 1, 2, 3].map((i) => (
                <tr key={i} class="skeleton">
                  <td colSpan={5}>&nbsp;</td>
                </tr>
              ))
            : items.map((item) => (
                <tr key={item.id}>
                  <td title={exactTime(item.at)}>{ago(item.at)}</td>
                  <td>{item.actor ? (item.actor.email ?? item.actor.id) : <span class="muted">system</span>}</td>
                  <td>
                    {labels[item.action] ?? item.action} <span class="muted mono small">{item.action}</span>
                  </td>
                  <td>{describeTarget(item)}</td>
                  <td class="mono small muted clip" title={item.requestId ?? undefined}>
                    {item.requestId ?? ''}
                  </td>
                </tr>
              ))}
          {items?.length === 0 && (
            <tr>
              <td colSpan={5} class="muted">
                Nothing yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {cursor && (
        <div class="more">
          <button type="button" onClick={more} disabled={loadingMore}>
            Show older entries
          </button>
        </div>
      )}
    </section>
  );
}
