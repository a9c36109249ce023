/**
 * What the inbox reads from the API (shared/API.md "Conversations"; functions/api/conversations.ts),
 * and the polling that makes new messages appear without a reload: threads every 4 s, the open thread
 * every 3 s (every second while one of its replies is still on its way). Polling pauses while the tab is
 * hidden and catches up at once when it is shown again.
 */
import { useEffect, useRef } from 'preact/hooks';
import type { MessageTick } from '../../../core/conversations/message-tick';

export type { MessageTick };

export type ThreadSummary = {
  contactId: string;
  contact: { id: string; name: string | null; phoneE164: string };
  lastMessageAt: string;
  unreadCount: number;
  lastReadAt: string | null;
  lastMessage: { direction: 'inbound' | 'outbound'; body: string; at: string; tick: MessageTick | null } | null;
};

export type ThreadList = { threads: ThreadSummary[]; nextCursor: string | null; unreadThreads: number };

export type Message = {
  id: string;
  direction: 'inbound' | 'outbound';
  body: string;
  at: string;
  tick: MessageTick | null;
  status: string | null;
  kind: 'campaign' | 'conversation' | 'auto' | null;
  intent: string | null;
  campaignId: string | null;
  clientMessageId: string | null;
  from: string | null;
  to: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  problem: string | null;
  canRetry: boolean;
  attempts: number;
  sentAt: string | null;
  deliveredAt: string | null;
  failedAt: string | null;
};

export type ContactCard = { id: string; name: string | null; phoneE164: string; email: string | null; country: string | null; timezone: string | null; tags: string[] };

export type TimelineEvent = { id: string; type: string; at: string; campaignId: string | null; campaignName: string | null; sendJobId: string | null; data: Record<string, unknown> };

export type Thread = {
  contact: ContactCard;
  thread: { lastMessageAt: string; unreadCount: number; lastReadAt: string | null } | null;
  messages: Message[];
  timeline: TimelineEvent[];
};

export type ReplyAnswer = { id: string; status: string; message: Message };

export function displayName(contact: { name: string | null; phoneE164: string }): string {
  return contact.name ?? contact.phoneE164;
}

export function initials(contact: { name: string | null; phoneE164: string }): string {
  if (contact.name === null) return '#';
  const parts = contact.name.split(/\s+/).filter(Boolean);
  return ((parts[0]?.[0] ?? '') + (parts.length > 1 ? (parts.at(-1)?.[0] ?? '') : '')).toUpperCase() || '#';
}

/** A new id per message the person writes: the API sends each id once however often it is posted. */
export function newClientMessageId(): string {
  return `cm_${crypto.randomUUID().replace(/-/g, '')}`;
}

export const timelineLabels: Record<string, string> = {
  QUEUED: 'Queued',
  SENT: 'Sent',
  DELIVERED: 'Delivered',
  FAILED: 'Failed',
  REPLIED: 'Replied to a campaign',
  OPT_OUT: 'Opted out',
  RESUBSCRIBE: 'Opted back in',
  CLICKED: 'Clicked the link',
  SKIPPED: 'Skipped',
  DEFERRED: 'Deferred',
  INBOUND: 'Texted in',
};

/**
 * Calls `tick` now and then every `intervalMs()` (read each time, so the pace can change), never two
 * at once, not while the tab is hidden. Returns a function that polls right away.
 */
export function usePoll(tick: () => Promise<void>, intervalMs: () => number, deps: unknown[]): () => void {
  const latest = useRef(tick);
  latest.current = tick;
  const interval = useRef(intervalMs);
  interval.current = intervalMs;
  const kick = useRef<() => void>(() => undefined);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running = false;
    let again = false;
    const run = async () => {
      if (stopped) return;
      if (running) {
        // Asked for fresh data mid-poll (after a send): poll again as soon as this one ends.
        again = true;
        return;
      }
      if (timer !== undefined) clearTimeout(timer);
      running = true;
      try {
        if (document.visibilityState !== 'hidden') await latest.current();
      } catch {
        // A failed poll is retried at the next tick; the page shows the last good state meanwhile.
      } finally {
        running = false;
        if (!stopped) timer = setTimeout(() => void run(), again ? 0 : interval.current());
        again = false;
      }
    };
    kick.current = () => void run();
    const onVisible = () => {
      if (document.visibilityState === 'visible') void run();
    };
    document.addEventListener('visibilitychange', onVisible);
    void run();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, deps);
  return () => kick.current();
}
