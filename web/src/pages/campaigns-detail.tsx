/**
 * One campaign: live progress (refreshed every 2 s while it is live), its setup (templates in rotation
 * order with their figures, numbers, segment, link target) and its controls.
 *
 * Queue, pause and resume change the status at once (optimistic) and go back with a toast if the
 * server refuses; nothing waits behind a spinner. A poll that lands while an action is on its way is
 * ignored, so it cannot undo the optimistic state. Queueing sends real messages, so it asks once more,
 * inline, with who and what it will send to.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, type Me } from '../api';
import { ago, exactTime } from '../format';
import { Link } from '../router';
import { useToast } from '../toasts';
import { usePauseState } from './budget-pause';
import { isLive, remainingOf, usePolling, type Campaign, type QueueAnswer, type SendingNumber } from './campaigns-data';
import { CountTiles, StackedProgress } from './campaigns-progress';
import { StatusBadge } from './campaigns';
import { Figures, money, previewWith, usePricing } from './templates-meter';
import type { Template } from './templates';

function message(error: unknown): string {
  return error instanceof ApiError ? error.message : 'Something went wrong. Try again.';
}

function skippedSummary(answer: QueueAnswer): string {
  const s = answer.skipped;
  const parts = [
    s.dnc > 0 ? `${s.dnc} do not contact` : '',
    s.optedOut > 0 ? `${s.optedOut} opted out` : '',
    s.suppressed > 0 ? `${s.suppressed} in cooldown` : '',
    s.invalid > 0 ? `${s.invalid} invalid` : '',
  ].filter(Boolean);
  const skipped = s.dnc + s.optedOut + s.suppressed + s.invalid;
  const already = answer.alreadyQueued > 0 ? ` ${answer.alreadyQueued.toLocaleString()} were already queued.` : '';
  return `Queued ${answer.queued.toLocaleString()} message${answer.queued === 1 ? '' : 's'}${skipped > 0 ? `; skipped ${skipped} (${parts.join(', ')})` : ''}.${already}`;
}

export function CampaignDetailPage(props: { id: string; me: Me }) {
  const toast = useToast();
  const canOperate = props.me.user.role !== 'viewer';
  const [campaign, setCampaign] = useState<Campaign | undefined>();
  const [loadError, setLoadError] = useState<string | undefined>();
  const [templates, setTemplates] = useState<Template[]>([]);
  const [numbers, setNumbers] = useState<SendingNumber[]>([]);
  const [confirming, setConfirming] = useState(false);
  const inFlight = useRef(0);
  const actions = useRef(0);
  const pricing = usePricing();
  const tenantPause = usePauseState(props.me.tenant.id);

  const refresh = async () => {
    const startedAt = actions.current;
    try {
      const fresh = await api<Campaign>('GET', `/api/campaigns/${props.id}`);
      // An action started meanwhile owns the state: this answer may predate it.
      if (inFlight.current === 0 && actions.current === startedAt) setCampaign(fresh);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) setLoadError('This campaign does not exist (or belongs to another organisation).');
    }
  };

  useEffect(() => {
    api<Campaign>('GET', `/api/campaigns/${props.id}`).then(setCampaign, (e: unknown) => setLoadError(message(e)));
    // Archived templates too: a campaign keeps the templates it was made with.
    Promise.all([api<{ templates: Template[] }>('GET', '/api/templates'), api<{ templates: Template[] }>('GET', '/api/templates?archived=true')]).then(
      ([active, archived]) => setTemplates([...active.templates, ...archived.templates]),
      () => undefined,
    );
    api<{ sendingNumbers: SendingNumber[] }>('GET', '/api/sending-numbers').then(
      (answer) => setNumbers(answer.sendingNumbers),
      () => undefined,
    );
  }, [props.id]);

  const live = campaign !== undefined && (isLive(campaign) || remainingOf(campaign.counts) > 0 && campaign.status !== 'paused');
  usePolling(refresh, campaign === undefined ? null : live ? 2_000 : 15_000);

  /** Shows `optimistic` at once, then the server's answer; the state before on error. */
  async function act<T>(optimistic: Campaign, request: () => Promise<T>, settled: (answer: T) => Campaign, done: (answer: T) => string) {
    if (!campaign) return;
    const before = campaign;
    inFlight.current += 1;
    actions.current += 1;
    setCampaign(optimistic);
    try {
      const answer = await request();
      setCampaign(settled(answer));
      toast(done(answer));
    } catch (e) {
      setCampaign(before);
      toast(message(e), 'error');
    } finally {
      inFlight.current -= 1;
    }
  }

  const queue = () => {
    if (!campaign) return;
    setConfirming(false);
    void act<QueueAnswer>(
      { ...campaign, status: campaign.status === 'paused' ? 'paused' : 'queued', queuedAt: campaign.queuedAt ?? new Date().toISOString() },
      () => api<QueueAnswer>('POST', `/api/campaigns/${campaign.id}/queue`),
      (answer) => answer.campaign,
      skippedSummary,
    );
  };
  const pause = () => {
    if (!campaign) return;
    void act<Campaign>(
      { ...campaign, status: 'paused', pausedAt: new Date().toISOString(), pausedReason: 'paused by staff' },
      () => api<Campaign>('POST', `/api/campaigns/${campaign.id}/pause`),
      (answer) => answer,
      () => 'Paused. Nothing more goes out until you resume.',
    );
  };
  const resume = () => {
    if (!campaign) return;
    void act<Campaign>(
      { ...campaign, status: 'queued', pausedAt: null, pausedReason: null },
      () => api<Campaign>('POST', `/api/campaigns/${campaign.id}/resume`),
      (answer) => answer,
      () => 'Resumed. Sending picks up where it stopped.',
    );
  };

  if (loadError) {
    return (
      <section>
        <p class="crumbs">
          <Link href="/campaigns">Campaigns</Link>
        </p>
        <p class="form-error">{loadError}</p>
      </section>
    );
  }
  if (!campaign) {
    return (
      <section aria-busy="true">
        <p class="crumbs">
          <Link href="/campaigns">Campaigns</Link>
        </p>
        <div class="panel skeleton-block" />
      </section>
    );
  }

  const c = campaign;
  const chosenTemplates = c.templateIds.map((id) => templates.find((t) => t.id === id) ?? { id, name: id, body: '' });
  const chosenNumbers = c.sendingNumberIds.map((id) => numbers.find((n) => n.id === id));
  const previews = chosenTemplates.map((t) => previewWith(pricing, t.body));
  const costs = previews.map((p) => p.costMicros).filter((m): m is number => m !== undefined);

  return (
    <section data-testid="campaign-detail">
      <p class="crumbs">
        <Link href="/campaigns">Campaigns</Link>
      </p>
      <header class="page-head">
        <h1 data-testid="campaign-name">{c.name}</h1>
        <StatusBadge status={c.status} />
        <span class="spacer" />
        {canOperate && (
          <div class="controls" data-testid="campaign-controls">
            {c.status === 'draft' && (
              <Link href={`/campaigns/${c.id}/edit`} class="button">
                Edit
              </Link>
            )}
            {(c.status === 'queued' || c.status === 'sending') && (
              <button type="button" onClick={pause} data-testid="pause">
                Pause
              </button>
            )}
            {c.status === 'paused' && (
              <button type="button" class="primary" onClick={resume} data-testid="resume">
                Resume
              </button>
            )}
            {c.status === 'draft' && (
              <button type="button" class="primary" onClick={() => setConfirming(true)} data-testid="queue">
                Queue…
              </button>
            )}
            {c.status !== 'draft' && (
              <button type="button" class="quiet" onClick={() => setConfirming(true)} title="Adds contacts who joined the segment since; nobody gets a campaign twice" data-testid="queue">
                Queue new contacts…
              </button>
            )}
          </div>
        )}
      </header>

      {confirming && (
        <div class="panel confirm" data-testid="queue-confirm">
          <p>
            <b>Queue “{c.name}”?</b> Messages go to {c.segment.tags?.length ? <>contacts tagged <b>{c.segment.tags.join(c.segment.tagsMatch === 'all' ? ' and ' : ' or ')}</b></> : <b>every contact</b>} who is not on the do-not-contact list or in a cooldown,
            {' '}from {c.sendingNumberIds.length > 0 ? `${c.sendingNumberIds.length} chosen number${c.sendingNumberIds.length === 1 ? '' : 's'}` : 'every active bulk number'}, rotating {c.templateIds.length} template{c.templateIds.length === 1 ? '' : 's'}
            {costs.length > 0 && <> at about {previewCostRange(costs)} a message</>}. Quiet hours, rate limits, warm-up and the budget still apply.
          </p>
          <div class="form-actions">
            <button type="button" class="primary" onClick={queue} data-testid="queue-confirm-button">
              Queue now
            </button>
            <button type="button" class="quiet" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}

      {tenantPause?.paused && c.status !== 'draft' && c.status !== 'done' && (
        <p class="banner banner-bad">
          All sending is paused for your organisation: nothing goes out, whatever this campaign’s status. <Link href="/budget">Budget and kill switch</Link>
        </p>
      )}
      {c.status === 'paused' && (
        <p class="banner banner-warn" data-testid="paused-banner">
          Paused {c.pausedAt ? <span title={exactTime(c.pausedAt)}>{ago(c.pausedAt)}</span> : null}
          {c.pausedReason ? ` · ${c.pausedReason}` : ''}. Jobs wait; resume to send the rest.
        </p>
      )}

      <div class="panel">
        <div class="panel-head">
          <h2 class="h2">Progress</h2>
          <span class="spacer" />
          <span class="muted small">
            {c.queuedAt ? <span title={exactTime(c.queuedAt)}>Queued {ago(c.queuedAt)}</span> : 'Not queued yet'}
            {c.doneAt && <span title={exactTime(c.doneAt)}> · finished {ago(c.doneAt)}</span>}
            {live && <span class="live"> · live</span>}
          </span>
        </div>
        <StackedProgress counts={c.counts} testId="campaign-progress" />
        <CountTiles counts={c.counts} />
        {c.counts.reconcile > 0 && (
          <p class="note bad">
            {c.counts.reconcile.toLocaleString()} message{c.counts.reconcile === 1 ? '' : 's'} may or may not have gone out (the sender stopped between the provider call and its record). They are never resent automatically: check the provider’s log.
          </p>
        )}
      </div>

      <div class="panel">
        <h2 class="h2 panel-title">Setup</h2>
        <dl class="facts">
          <dt>Templates</dt>
          <dd>
            <ol class="rotation" data-testid="campaign-templates">
              {chosenTemplates.map((t, i) => {
                const p = previews[i];
                return (
                  <li key={t.id}>
                    <span class="rotation-name">{t.name}</span>
                    {p && t.body && <Figures preview={p} compact />}
                    {t.body && <div class="muted small rotation-body">{t.body}</div>}
                  </li>
                );
              })}
            </ol>
            {c.templateIds.length > 1 && <div class="muted small">Rotated evenly; each contact always gets the same one.</div>}
          </dd>
          <dt>Send from</dt>
          <dd>
            {c.sendingNumberIds.length === 0
              ? 'Every active bulk number'
              : chosenNumbers.map((n, i) => (
                  <span key={c.sendingNumberIds[i]} class="tag">
                    {n ? `${n.e164}${n.label ? ` · ${n.label}` : ''}` : c.sendingNumberIds[i]}
                  </span>
                ))}
          </dd>
          <dt>Segment</dt>
          <dd>{c.segment.tags?.length ? `Tagged ${c.segment.tags.join(c.segment.tagsMatch === 'all' ? ' and ' : ' or ')}` : 'Every contact'}</dd>
          {c.linkUrl && (
            <>
              <dt>Links lead to</dt>
              <dd class="mono">{c.linkUrl}</dd>
            </>
          )}
          <dt>Created</dt>
          <dd title={exactTime(c.createdAt)}>{ago(c.createdAt)}</dd>
        </dl>
      </div>
    </section>
  );
}

function previewCostRange(costs: number[]): string {
  const low = Math.min(...costs);
  const high = Math.max(...costs);
  return low === high ? money(low) : `${money(low)}–${money(high)}`;
}
