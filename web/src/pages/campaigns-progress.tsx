/**
 * A campaign's progress as a stacked bar (delivered, sent, failed, reconcile, skipped; the empty rest
 * is still to go) and, on the detail page, one tile per bucket with the reasons behind skipped and
 * deferred jobs. The buckets are exclusive and add up to `total` (functions/enqueue/campaign-progress.ts).
 */
import type { ComponentChildren } from 'preact';
import { reasonLabel, remainingOf, type Counts } from './campaigns-data';

const segments = [
  { key: 'delivered', label: 'Delivered' },
  { key: 'sent', label: 'Sent' },
  { key: 'failed', label: 'Failed' },
  { key: 'reconcile', label: 'Reconcile' },
  { key: 'skipped', label: 'Skipped' },
  { key: 'cancelled', label: 'Cancelled' },
] as const;

function percent(part: number, total: number): number {
  return total === 0 ? 0 : (part / total) * 100;
}

export function StackedProgress(props: { counts: Counts; compact?: boolean; testId?: string }) {
  const c = props.counts;
  const done = c.total - remainingOf(c);
  const pct = Math.floor(percent(done, c.total));
  const title = segments.map((s) => `${s.label}: ${c[s.key].toLocaleString()}`).join(' · ');
  return (
    <div class={`stacked${props.compact ? ' stacked-compact' : ''}`} data-testid={props.testId}>
      <div class="stacked-track" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} aria-label="Campaign progress" title={title}>
        {segments.map((s) => (c[s.key] > 0 ? <div key={s.key} class={`stacked-part part-${s.key}`} style={{ width: `${percent(c[s.key], c.total)}%` }} /> : null))}
      </div>
      <span class="progress-label">
        {c.total === 0 ? 'Not queued' : `${done.toLocaleString()} of ${c.total.toLocaleString()} · ${pct}%`}
      </span>
    </div>
  );
}

function Reasons(props: { reasons: Record<string, number> | undefined }) {
  const entries = Object.entries(props.reasons ?? {}).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return null;
  return (
    <ul class="tile-reasons">
      {entries.map(([reason, n]) => (
        <li key={reason}>
          <span>{reasonLabel(reason)}</span>
          <span class="num">{n.toLocaleString()}</span>
        </li>
      ))}
    </ul>
  );
}

function Tile(props: { label: string; value: number; tone?: 'ok' | 'bad' | 'warn' | 'accent'; hint?: string; testId: string; children?: ComponentChildren }) {
  return (
    <div class={`tile${props.tone ? ` tile-${props.tone}` : ''}`} data-testid={props.testId} title={props.hint}>
      <div class="tile-label">
        {props.tone && <span class={`swatch part-${props.testId.replace('count-', '')}`} aria-hidden="true" />}
        {props.label}
      </div>
      <div class="tile-value">{props.value.toLocaleString()}</div>
      {props.children}
    </div>
  );
}

export function CountTiles(props: { counts: Counts }) {
  const c = props.counts;
  return (
    <div class="tiles" data-testid="campaign-counts">
      <Tile label="Queued" value={c.queued} testId="count-queued" hint="Waiting for the sender" />
      <Tile label="Deferred" value={c.deferred} testId="count-deferred" hint="Held by a gate (quiet hours, rate, warm-up, budget, pause); they go later, never dropped">
        <Reasons reasons={c.deferredByReason} />
      </Tile>
      <Tile label="Sending" value={c.sending} testId="count-sending" hint="Claimed by the sender right now" />
      <Tile label="Sent" value={c.sent} tone="accent" testId="count-sent" hint="Accepted by the provider, no delivery report yet" />
      <Tile label="Delivered" value={c.delivered} tone="ok" testId="count-delivered" />
      <Tile label="Failed" value={c.failed} tone="bad" testId="count-failed" hint="Refused by the provider (invalid number, opted out, …) or out of retries" />
      <Tile label="Skipped" value={c.skipped} tone="accent" testId="count-skipped" hint="Left out for good, with the reason">
        <Reasons reasons={c.skippedByReason} />
      </Tile>
      <Tile label="Reconcile" value={c.reconcile} tone="warn" testId="count-reconcile" hint="Outcome unknown (a crash between the provider call and its record): never resent automatically; check the provider's log" />
    </div>
  );
}
