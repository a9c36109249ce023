/**
 * What the campaign pages read from the API (shared/API.md "Campaigns and sending", "Sending
 * numbers"), the labels of the gates' reasons, and a polling hook for live progress.
 */
import { useEffect, useRef } from 'preact/hooks';
import type { CampaignStatus } from '../../../core/campaigns/state';

export type { CampaignStatus };

export type Counts = {
  queued: number;
  deferred: number;
  sending: number;
  sent: number;
  delivered: number;
  failed: number;
  skipped: number;
  cancelled: number;
  reconcile: number;
  total: number;
  skippedByReason: Record<string, number>;
  deferredByReason?: Record<string, number>;
};

export type Campaign = {
  id: string;
  name: string;
  status: CampaignStatus;
  segment: { tags?: string[]; tagsMatch?: 'any' | 'all' };
  linkUrl: string | null;
  templateIds: string[];
  sendingNumberIds: string[];
  pausedAt: string | null;
  pausedReason: string | null;
  createdAt: string;
  updatedAt: string;
  queuedAt: string | null;
  doneAt: string | null;
  counts: Counts;
};

export type QueueAnswer = { queued: number; skipped: { dnc: number; suppressed: number; optedOut: number; invalid: number }; alreadyQueued: number; segmentSize: number; campaign: Campaign };

export type SendingNumber = { id: string; e164: string; provider: string; use: 'bulk' | 'conversation'; label: string | null; status: string };

export const statusLabels: Record<CampaignStatus, string> = { draft: 'Draft', queued: 'Queued', sending: 'Sending', paused: 'Paused', done: 'Done' };

/** Why a job was left out (skipped, final) or is waiting (deferred, goes later). */
export const reasonLabels: Record<string, string> = {
  dnc: 'Do not contact',
  opted_out: 'Opted out',
  suppressed: 'Cooldown',
  cooldown: 'Cooldown',
  invalid: 'Invalid number',
  campaign_done: 'Campaign ended',
  campaign_paused: 'Campaign paused',
  tenant_paused: 'Sending paused',
  exceeds_budget: 'Dearer than the cap',
  daily_budget: 'Daily cap reached',
  monthly_budget: 'Monthly cap reached',
  quiet_hours: 'Quiet hours',
  no_sending_window: 'No sending window',
  tenant_rate: 'Rate limit',
  number_rate: 'Number rate limit',
  warmup_cap: 'Warm-up cap',
  no_sending_number: 'No sending number',
  provider_unavailable: 'Provider unavailable',
};

export function reasonLabel(reason: string): string {
  return reasonLabels[reason] ?? reason.replace(/_/g, ' ');
}

/** Jobs that will still change: the campaign is live while any is left. */
export function remainingOf(c: Counts): number {
  return c.queued + c.deferred + c.sending;
}

export function isLive(c: Campaign): boolean {
  return c.status === 'queued' || c.status === 'sending';
}

/**
 * Calls `tick` every `intervalMs` while the tab is visible, and once when it becomes visible again.
 * A tick still running is never overlapped by the next one.
 */
export function usePolling(tick: () => Promise<void>, intervalMs: number | null): void {
  const latest = useRef(tick);
  latest.current = tick;
  useEffect(() => {
    if (intervalMs === null) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const loop = async () => {
      if (!document.hidden) await latest.current().catch(() => undefined);
      if (!stopped) timer = setTimeout(() => void loop(), intervalMs);
    };
    const onVisible = () => {
      if (!document.hidden) void latest.current().catch(() => undefined);
    };
    timer = setTimeout(() => void loop(), intervalMs);
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [intervalMs]);
}
