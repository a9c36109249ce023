/**
 * One thread: messages both ways with status marks, the composer, and the contact's timeline.
 *
 * The composer is optimistic. Pressing send (or Enter) shows the reply at once as sent and clears the
 * box; the API call runs in the background. If it fails — the provider refused it, a gate stopped it,
 * or the server could not be reached — the reply rolls back to a red "not sent" state with Retry, the
 * text goes back into the box if the box is empty, and a toast says why. Retry is optimistic too: a
 * reply the server knows is retried through its retry route (a new attempt, same text); one the server
 * never confirmed is posted again with the same `clientMessageId`, which the API sends at most once.
 * No spinners: quiet status marks and toasts.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { countSegments } from '../../../core/messages/segments';
import { api, ApiError, type Me } from '../api';
import { ago, exactTime } from '../format';
import { useToast } from '../toasts';
import { displayName, initials, newClientMessageId, timelineLabels, usePoll, type Message, type MessageTick, type ReplyAnswer, type Thread, type TimelineEvent } from './conversations-data';

/** A reply this tab wrote: shown before (and instead of) the server's view until the server has it. */
export type Outgoing = {
  clientMessageId: string;
  body: string;
  at: string;
  /** The send job's id once the API answered. */
  serverId: string | null;
  state: 'sending' | 'failed' | 'done';
  problem: string | null;
};

type Shown = Message & { pending: boolean; local: Outgoing | null };

export function ThreadView(props: {
  contactId: string;
  me: Me;
  outgoing: Map<string, Outgoing[]>;
  drafts: Map<string, string>;
  onChanged: (change: { contactId: string; read?: boolean }) => void;
}) {
  const { contactId } = props;
  const toast = useToast();
  const [thread, setThread] = useState<Thread | undefined>();
  const [missing, setMissing] = useState(false);
  const [mine, setMine] = useState<Outgoing[]>(() => props.outgoing.get(contactId) ?? []);
  const [draft, setDraftState] = useState(() => props.drafts.get(contactId) ?? '');
  const canWrite = props.me.user.role !== 'viewer';
  const box = useRef<HTMLTextAreaElement>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const lastCount = useRef(0);
  const marking = useRef(false);

  const setDraft = (text: string) => {
    props.drafts.set(contactId, text);
    setDraftState(text);
  };
  const updateMine = (change: (all: Outgoing[]) => Outgoing[]) => {
    setMine((all) => {
      const next = change(all);
      props.outgoing.set(contactId, next);
      return next;
    });
  };
  const patch = (key: string, changes: Partial<Outgoing>) => updateMine((all) => all.map((o) => (o.clientMessageId === key ? { ...o, ...changes } : o)));

  const inFlight = mine.some((o) => o.state === 'sending') || (thread?.messages.some((m) => m.direction === 'outbound' && m.tick === 'queued') ?? false);
  const refresh = usePoll(
    async () => {
      try {
        const next = await api<Thread>('GET', `/api/conversations/${encodeURIComponent(contactId)}`);
        setThread(next);
        if (canWrite && next.thread !== null && next.thread.unreadCount > 0 && !marking.current) {
          marking.current = true;
          api('POST', `/api/conversations/${encodeURIComponent(contactId)}/read`)
            .then(() => props.onChanged({ contactId, read: true }))
            .catch(() => undefined)
            .finally(() => (marking.current = false));
        }
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) setMissing(true);
        throw error;
      }
    },
    () => (inFlight ? 1_000 : 3_000),
    [contactId],
  );

  useEffect(() => {
    box.current?.focus();
  }, [contactId]);

  const shown = merge(thread?.messages ?? [], mine);
  // Keep the newest message in view when one arrives (and on first load).
  useLayoutEffect(() => {
    if (shown.length !== lastCount.current && scroller.current) scroller.current.scrollTop = scroller.current.scrollHeight;
    lastCount.current = shown.length;
  });

  const name = thread ? displayName(thread.contact) : '';

  const settle = (key: string, body: string, outcome: { answer?: ReplyAnswer; error?: unknown }) => {
    const answer = outcome.answer;
    if (answer !== undefined && answer.message.tick !== 'failed') {
      patch(key, { state: 'done', serverId: answer.id, problem: null });
    } else {
      const problem = answer?.message.problem ?? (outcome.error instanceof ApiError ? notSentBecause(outcome.error) : 'Not sent');
      patch(key, { state: 'failed', serverId: answer?.id ?? null, problem });
      // Nothing the person wrote is lost: the text goes back into an empty box.
      if ((props.drafts.get(contactId) ?? '') === '') setDraft(body);
      toast(`Message to ${name || 'the contact'} not sent. ${problem}.`, 'error');
    }
    props.onChanged({ contactId });
    refresh();
  };

  const send = () => {
    const body = draft;
    if (body.trim() === '' || !canWrite) return;
    const key = newClientMessageId();
    updateMine((all) => [...all, { clientMessageId: key, body, at: new Date().toISOString(), serverId: null, state: 'sending', problem: null }]);
    setDraft('');
    api<ReplyAnswer>('POST', `/api/conversations/${encodeURIComponent(contactId)}/messages`, { body, clientMessageId: key }).then(
      (answer) => settle(key, body, { answer }),
      (error: unknown) => settle(key, body, { error }),
    );
  };

  const retry = (m: Shown) => {
    const key = m.local?.clientMessageId ?? m.clientMessageId ?? `srv:${m.id}`;
    const serverId = m.local?.serverId ?? (m.local === null ? m.id : null);
    const entry: Outgoing = { clientMessageId: key, body: m.body, at: m.local?.at ?? m.at, serverId, state: 'sending', problem: null };
    updateMine((all) => (all.some((o) => o.clientMessageId === key) ? all.map((o) => (o.clientMessageId === key ? entry : o)) : [...all, entry]));
    const call =
      serverId !== null
        ? api<ReplyAnswer>('POST', `/api/conversations/${encodeURIComponent(contactId)}/messages/${encodeURIComponent(serverId)}/retry`)
        : api<ReplyAnswer>('POST', `/api/conversations/${encodeURIComponent(contactId)}/messages`, { body: m.body, clientMessageId: key });
    call.then(
      (answer) => settle(key, m.body, { answer }),
      (error: unknown) => settle(key, m.body, { error }),
    );
  };

  if (missing) {
    return (
      <div class="inbox-placeholder">
        <div class="inbox-placeholder-card">
          <div class="inbox-placeholder-title">No such contact</div>
          <p class="muted">They may have been removed, or belong to another organisation.</p>
        </div>
      </div>
    );
  }

  const segments = countSegments(draft);
  return (
    <>
      <div class="thread" data-testid="thread">
        <header class="thread-head">
          {thread ? (
            <>
              <span class="avatar avatar-lg" aria-hidden="true">
                {initials(thread.contact)}
              </span>
              <div>
                <div class="thread-title" data-testid="thread-title">
                  {name}
                </div>
                <div class="muted small mono">{thread.contact.phoneE164}</div>
              </div>
            </>
          ) : (
            <div class="thread-title-skeleton" aria-hidden="true" />
          )}
        </header>
        <div class="messages" ref={scroller} data-testid="messages" aria-live="polite">
          {thread !== undefined && shown.length === 0 ? <p class="messages-empty muted">No messages yet. Say hello below.</p> : null}
          {shown.map((m, i) => (
            <MessageBubble key={m.local?.clientMessageId ?? m.id} message={m} showDay={i === 0 || dayOf(shown[i - 1]?.at) !== dayOf(m.at)} onRetry={canWrite ? () => retry(m) : undefined} />
          ))}
        </div>
        {canWrite ? (
          <form
            class="composer"
            onSubmit={(event) => {
              event.preventDefault();
              send();
            }}
          >
            <textarea
              ref={box}
              rows={2}
              value={draft}
              placeholder={thread ? `Reply to ${name}…` : 'Reply…'}
              aria-label="Reply"
              data-testid="composer-input"
              maxLength={1600}
              onInput={(event) => setDraft((event.target as HTMLTextAreaElement).value)}
              onKeyDown={(event) => {
                if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
                  event.preventDefault();
                  send();
                }
              }}
            />
            <div class="composer-bar">
              <span class="composer-meter muted small" data-testid="composer-meter">
                {draft === '' ? 'Enter to send, Shift+Enter for a new line' : `${segments.characters} characters · ${segments.parts} ${segments.parts === 1 ? 'part' : 'parts'} · ${segments.encoding}`}
              </span>
              <button type="submit" class="primary" disabled={draft.trim() === ''} data-testid="composer-send">
                Send
              </button>
            </div>
          </form>
        ) : (
          <p class="composer-readonly muted small">Viewers can read conversations but not reply.</p>
        )}
      </div>
      <aside class="contact-panel" aria-label="Contact">
        {thread ? <ContactPanel thread={thread} /> : <div class="thread-title-skeleton" aria-hidden="true" />}
      </aside>
    </>
  );
}

/** The server's messages with this tab's replies laid over them (matched by clientMessageId or job id). */
function merge(messages: Message[], mine: Outgoing[]): Shown[] {
  const byKey = new Map<string, Outgoing>();
  for (const o of mine) {
    byKey.set(o.clientMessageId, o);
    if (o.serverId !== null) byKey.set(`job:${o.serverId}`, o);
  }
  const matched = new Set<Outgoing>();
  const shown: Shown[] = messages.map((m) => {
    const local = (m.clientMessageId !== null ? byKey.get(m.clientMessageId) : undefined) ?? byKey.get(`job:${m.id}`) ?? (m.clientMessageId === null ? byKey.get(`srv:${m.id}`) : undefined) ?? null;
    if (local === null) return { ...m, pending: false, local: null };
    matched.add(local);
    if (local.state === 'sending') return { ...m, tick: 'sent', problem: null, canRetry: false, pending: true, local };
    if (local.state === 'failed') return { ...m, tick: 'failed', problem: local.problem ?? m.problem, canRetry: true, pending: false, local };
    // Confirmed: the server's word, except that a reply this person just sent reads "sent" while it is on its way.
    return { ...m, tick: m.tick === 'queued' ? 'sent' : m.tick, pending: false, local };
  });
  for (const o of mine) {
    if (matched.has(o) || o.state === 'done') continue;
    shown.push({
      id: o.serverId ?? o.clientMessageId,
      direction: 'outbound',
      body: o.body,
      at: o.at,
      tick: o.state === 'failed' ? 'failed' : 'sent',
      status: null,
      kind: 'conversation',
      intent: null,
      campaignId: null,
      clientMessageId: o.clientMessageId,
      from: null,
      to: null,
      errorCode: null,
      errorMessage: null,
      problem: o.state === 'failed' ? o.problem : null,
      canRetry: o.state === 'failed',
      attempts: 0,
      sentAt: null,
      deliveredAt: null,
      failedAt: null,
      pending: o.state === 'sending',
      local: o,
    });
  }
  return shown.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

function notSentBecause(error: ApiError): string {
  if (error.status === 0) return 'The server could not be reached';
  return error.message.replace(/\.$/, '');
}

const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long' });
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });

function dayOf(iso: string | undefined): string {
  return iso === undefined ? '' : dayFormat.format(new Date(iso));
}

const tickLabels: Record<MessageTick, string> = { queued: 'Queued', sent: 'Sent', delivered: 'Delivered', failed: 'Not sent', unknown: 'Outcome unknown' };

function Tick(props: { tick: MessageTick }) {
  const { tick } = props;
  return (
    <span class={`tick tick-${tick}`} data-testid="tick" data-tick={tick} title={tickLabels[tick]} aria-label={tickLabels[tick]}>
      {tick === 'queued' ? (
        <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
          <circle cx="8" cy="8" r="6" fill="none" stroke="currentColor" stroke-width="1.5" />
          <path d="M8 4.5V8l2.5 1.5" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round" />
        </svg>
      ) : tick === 'sent' ? (
        <svg viewBox="0 0 16 16" width="14" height="12" aria-hidden="true">
          <path d="M3 8.5l3 3 7-7" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round" />
        </svg>
      ) : tick === 'delivered' ? (
        <svg viewBox="0 0 20 16" width="17" height="12" aria-hidden="true">
          <path d="M2 8.5l3 3 7-7M9 11.5l0.5 0.5 7.5-7.5" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round" />
        </svg>
      ) : tick === 'failed' ? (
        <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
          <circle cx="8" cy="8" r="7" fill="currentColor" />
          <path d="M8 4.2v4.6M8 11.2v0.3" stroke="#fff" stroke-width="1.8" stroke-linecap="round" />
        </svg>
      ) : (
        <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
          <circle cx="8" cy="8" r="6" fill="none" stroke="currentColor" stroke-width="1.5" stroke-dasharray="2 2" />
        </svg>
      )}
    </span>
  );
}

const intentLabels: Record<string, string> = { opt_out: 'STOP', opt_in: 'START', help: 'HELP' };

function MessageBubble(props: { message: Shown; showDay: boolean; onRetry: (() => void) | undefined }) {
  const m = props.message;
  const outbound = m.direction === 'outbound';
  const failed = m.tick === 'failed';
  return (
    <>
      {props.showDay ? <div class="day-divider">{dayOf(m.at)}</div> : null}
      <div class={`bubble-row ${outbound ? 'out' : 'in'}`} data-testid="message" data-direction={m.direction} data-tick={m.tick ?? ''}>
        <div class={`bubble${failed ? ' bubble-failed' : ''}${m.kind === 'campaign' ? ' bubble-campaign' : ''}${m.kind === 'auto' ? ' bubble-auto' : ''}`}>
          {m.kind === 'campaign' ? <div class="bubble-label">Campaign message</div> : null}
          {m.kind === 'auto' ? <div class="bubble-label">Automatic {intentLabels[m.intent ?? ''] ?? ''} answer</div> : null}
          <div class="bubble-body">{m.body}</div>
        </div>
        <div class="bubble-meta">
          {m.intent !== null && !outbound ? <span class="intent-tag">{intentLabels[m.intent] ?? m.intent}</span> : null}
          <time dateTime={m.at} title={exactTime(m.at)}>
            {timeFormat.format(new Date(m.at))}
          </time>
          {m.tick !== null ? <Tick tick={m.tick} /> : null}
          {failed ? (
            <span class="bubble-problem" data-testid="message-problem" title={m.errorMessage ?? undefined}>
              {m.problem ?? 'Not sent'}
            </span>
          ) : null}
          {failed && m.canRetry && props.onRetry ? (
            <button type="button" class="link-button retry" data-testid="message-retry" onClick={props.onRetry}>
              Retry
            </button>
          ) : null}
        </div>
      </div>
    </>
  );
}

function ContactPanel(props: { thread: Thread }) {
  const c = props.thread.contact;
  return (
    <>
      <div class="contact-card">
        <div class="contact-name">{displayName(c)}</div>
        <dl class="contact-facts">
          <dt>Phone</dt>
          <dd class="mono">{c.phoneE164}</dd>
          {c.email ? (
            <>
              <dt>Email</dt>
              <dd>{c.email}</dd>
            </>
          ) : null}
          {c.timezone || c.country ? (
            <>
              <dt>Where</dt>
              <dd>{[c.country, c.timezone].filter(Boolean).join(' · ')}</dd>
            </>
          ) : null}
          {c.tags.length > 0 ? (
            <>
              <dt>Tags</dt>
              <dd>
                {c.tags.map((t) => (
                  <span key={t} class="tag">
                    {t}
                  </span>
                ))}
              </dd>
            </>
          ) : null}
        </dl>
      </div>
      <div class="timeline-title">Timeline</div>
      <ol class="timeline" data-testid="timeline">
        {props.thread.timeline.length === 0 ? <li class="muted small">Nothing yet.</li> : null}
        {props.thread.timeline.map((e) => (
          <TimelineItem key={e.id} event={e} />
        ))}
      </ol>
    </>
  );
}

function TimelineItem(props: { event: TimelineEvent }) {
  const e = props.event;
  const bad = e.type === 'FAILED' || e.type === 'OPT_OUT';
  const good = e.type === 'DELIVERED' || e.type === 'RESUBSCRIBE';
  const code = typeof e.data.code === 'string' ? e.data.code : null;
  const body = e.type === 'INBOUND' && typeof e.data.body === 'string' ? e.data.body : null;
  return (
    <li class={`timeline-item${bad ? ' is-bad' : good ? ' is-good' : ''}`} data-type={e.type}>
      <span class="timeline-dot" aria-hidden="true" />
      <div>
        <div>
          {timelineLabels[e.type] ?? e.type}
          {code !== null && e.type === 'FAILED' ? <span class="muted"> · {code}</span> : null}
        </div>
        {body !== null ? <div class="timeline-quote">{body.length > 80 ? `${body.slice(0, 79)}…` : body}</div> : null}
        <div class="muted small">
          <time dateTime={e.at} title={exactTime(e.at)}>
            {ago(e.at)}
          </time>
          {e.campaignName ? ` · ${e.campaignName}` : ''}
        </div>
      </div>
    </li>
  );
}
