/**
 * Campaigns: the list (status, live progress, the main counts), and the routes under `/campaigns`:
 * `/campaigns/new`, `/campaigns/:id` (detail), `/campaigns/:id/edit`. The list refreshes every 3 s
 * while a campaign on it is live, every 30 s otherwise.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type Me } from '../api';
import { ago, exactTime } from '../format';
import { Link } from '../router';
import { isLive, statusLabels, usePolling, type Campaign, type CampaignStatus } from './campaigns-data';
import { CampaignDetailPage } from './campaigns-detail';
import { CampaignFormPage } from './campaigns-form';
import { StackedProgress } from './campaigns-progress';

export function CampaignsRoute(props: { path: string; me: Me }) {
  const parts = props.path.split('/').filter(Boolean);
  if (parts.length === 1) return <CampaignsPage me={props.me} />;
  if (parts[1] === 'new' && parts.length === 2) return <CampaignFormPage me={props.me} />;
  if (parts.length === 2 && parts[1]) return <CampaignDetailPage key={parts[1]} id={parts[1]} me={props.me} />;
  if (parts.length === 3 && parts[1] && parts[2] === 'edit') return <CampaignFormPage key={parts[1]} id={parts[1]} me={props.me} />;
  return (
    <section>
      <h1>Nothing here</h1>
      <p class="muted">
        <Link href="/campaigns">Back to campaigns</Link>
      </p>
    </section>
  );
}

export function StatusBadge(props: { status: CampaignStatus }) {
  return (
    <span class={`badge badge-${props.status}`} data-testid="campaign-status">
      {statusLabels[props.status]}
    </span>
  );
}

const filters: { value: '' | CampaignStatus; label: string }[] = [
  { value: '', label: 'All statuses' },
  { value: 'draft', label: 'Drafts' },
  { value: 'queued', label: 'Queued' },
  { value: 'sending', label: 'Sending' },
  { value: 'paused', label: 'Paused' },
  { value: 'done', label: 'Done' },
];

type Page = { campaigns: Campaign[]; nextCursor: string | null };

export function CampaignsPage(props: { me: Me }) {
  const [rows, setRows] = useState<Campaign[] | undefined>();
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [status, setStatus] = useState<'' | CampaignStatus>('');
  const [loadError, setLoadError] = useState<string | undefined>();
  const canOperate = props.me.user.role !== 'viewer';

  const load = async (cursor?: string) => {
    const query = new URLSearchParams({ limit: '50' });
    if (status) query.set('status', status);
    if (cursor) query.set('cursor', cursor);
    try {
      const page = await api<Page>('GET', `/api/campaigns?${query.toString()}`);
      setRows((all) => (cursor ? [...(all ?? []), ...page.campaigns] : page.campaigns));
      setNextCursor(page.nextCursor);
      setLoadError(undefined);
    } catch (e) {
      setLoadError(e instanceof ApiError ? e.message : 'The campaigns could not be loaded.');
    }
  };

  useEffect(() => {
    setRows(undefined);
    void load();
    // Reload when the filter changes; `load` reads it.
  }, [status]);

  // Refresh the first page only: a long list paged further stays as it is until the filter changes.
  const live = rows?.some(isLive) ?? false;
  usePolling(async () => {
    if (nextCursor === null) await load();
  }, live ? 3_000 : 30_000);

  return (
    <section>
      <header class="page-head">
        <h1>Campaigns</h1>
        {rows && <span class="count">{rows.length}{nextCursor ? '+' : ''}</span>}
        <span class="spacer" />
        <select aria-label="Filter by status" value={status} onChange={(e) => setStatus(e.currentTarget.value as '' | CampaignStatus)}>
          {filters.map((f) => (
            <option key={f.value} value={f.value}>
              {f.label}
            </option>
          ))}
        </select>
        {canOperate && (
          <Link href="/campaigns/new" class="button primary">
            New campaign
          </Link>
        )}
      </header>
      {loadError && <p class="form-error">{loadError}</p>}
      <table class="grid" data-testid="campaigns-table">
        <thead>
          <tr>
            <th>Name</th>
            <th class="w-status">Status</th>
            <th class="w-progress">Progress</th>
            <th class="w-num num">Sent</th>
            <th class="w-num num">Delivered</th>
            <th class="w-num num">Failed</th>
            <th class="w-num num">Skipped</th>
            <th class="w-time">Created</th>
          </tr>
        </thead>
        <tbody>
          {rows === undefined && !loadError
            ? [0, 1, 2].map((i) => (
                <tr key={i} class="skeleton">
                  <td colSpan={8}>&nbsp;</td>
                </tr>
              ))
            : rows?.length === 0 && (
                <tr>
                  <td colSpan={8} class="muted">
                    {status ? 'No campaigns with this status.' : 'No campaigns yet.'} {canOperate && !status && <Link href="/campaigns/new">Create the first one</Link>}
                  </td>
                </tr>
              )}
          {rows?.map((c) => (
            <tr key={c.id} data-testid="campaign-row">
              <td>
                <Link href={`/campaigns/${c.id}`}>{c.name}</Link>
              </td>
              <td>
                <StatusBadge status={c.status} />
              </td>
              <td>
                <StackedProgress counts={c.counts} compact />
              </td>
              <td class="num">{(c.counts.sent + c.counts.delivered).toLocaleString()}</td>
              <td class="num">{c.counts.delivered.toLocaleString()}</td>
              <td class={`num${c.counts.failed > 0 ? ' bad' : ''}`}>{c.counts.failed.toLocaleString()}</td>
              <td class="num">{c.counts.skipped.toLocaleString()}</td>
              <td title={exactTime(c.createdAt)}>{ago(c.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {nextCursor && (
        <div class="more">
          <button type="button" onClick={() => void load(nextCursor)}>
            Show more
          </button>
        </div>
      )}
    </section>
  );
}
