/**
 * The inbox (`/conversations`, `/conversations/:contactId`): threads on the left (newest activity
 * first, unread counts), the open thread in the middle with the composer, the contact and their
 * timeline on the right. New messages arrive by polling (conversations-data.ts); the composer is
 * optimistic (conversations-thread.tsx). Replies the person wrote but the API has not confirmed live
 * here, above the thread, so switching threads loses neither them nor the drafts.
 */
import { useCallback, useRef, useState } from 'preact/hooks';
import { api, type Me } from '../api';
import { ago, exactTime } from '../format';
import { Link, navigate } from '../router';
import { displayName, initials, usePoll, type ThreadList, type ThreadSummary } from './conversations-data';
import { ThreadView, type Outgoing } from './conversations-thread';
import './conversations.css';

export function ConversationsRoute(props: { path: string; me: Me }) {
  const parts = props.path.split('/').filter(Boolean);
  const contactId = parts.length === 2 ? (parts[1] ?? null) : null;
  if (parts.length > 2) {
    return (
      <section>
        <h1>Nothing here</h1>
        <p class="muted">
          <Link href="/conversations">Back to the inbox</Link>
        </p>
      </section>
    );
  }
  return <ConversationsPage me={props.me} contactId={contactId} />;
}

function ConversationsPage(props: { me: Me; contactId: string | null }) {
  const [list, setList] = useState<ThreadList | undefined>();
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [loadError, setLoadError] = useState<string | undefined>();
  const outgoing = useRef(new Map<string, Outgoing[]>());
  const drafts = useRef(new Map<string, string>());

  const refreshList = usePoll(
    async () => {
      try {
        const next = await api<ThreadList>('GET', `/api/conversations?limit=100${unreadOnly ? '&unread=true' : ''}`);
        setList(next);
        setLoadError(undefined);
      } catch (error) {
        setLoadError(error instanceof Error ? error.message : String(error));
        throw error;
      }
    },
    () => 4_000,
    [unreadOnly],
  );

  /** The open thread was read, or a reply went out: reflect it in the list at once, then confirm. */
  const threadChanged = useCallback(
    (change: { contactId: string; read?: boolean }) => {
      if (change.read) {
        setList((current) =>
          current === undefined
            ? current
            : { ...current, threads: current.threads.map((t) => (t.contactId === change.contactId ? { ...t, unreadCount: 0 } : t)), unreadThreads: Math.max(0, current.unreadThreads - (current.threads.some((t) => t.contactId === change.contactId && t.unreadCount > 0) ? 1 : 0)) },
        );
      }
      refreshList();
    },
    [refreshList],
  );

  const threads = list?.threads ?? [];
  return (
    <section class="inbox" data-testid="inbox">
      <aside class="inbox-threads" aria-label="Conversations">
        <div class="inbox-threads-head">
          <h1>Inbox</h1>
          {list !== undefined && list.unreadThreads > 0 ? (
            <span class="inbox-unread-total" data-testid="unread-threads">
              {list.unreadThreads} unread
            </span>
          ) : null}
          <span class="spacer" />
          <div class="segmented" role="group" aria-label="Show">
            <button type="button" class={unreadOnly ? '' : 'on'} aria-pressed={!unreadOnly} onClick={() => setUnreadOnly(false)}>
              All
            </button>
            <button type="button" class={unreadOnly ? 'on' : ''} aria-pressed={unreadOnly} onClick={() => setUnreadOnly(true)}>
              Unread
            </button>
          </div>
        </div>
        {loadError !== undefined && list === undefined ? <p class="inbox-empty bad">{loadError}</p> : null}
        <ul class="thread-list" data-testid="thread-list">
          {list === undefined
            ? [0, 1, 2, 3].map((i) => <li key={i} class="thread-item thread-skeleton" aria-hidden="true" />)
            : threads.map((t) => <ThreadItem key={t.contactId} thread={t} active={t.contactId === props.contactId} />)}
        </ul>
        {list !== undefined && threads.length === 0 ? (
          <p class="inbox-empty muted">{unreadOnly ? 'Nothing unread. Well done.' : 'No conversations yet. When a contact texts one of your numbers, the thread appears here.'}</p>
        ) : null}
      </aside>
      {props.contactId === null ? (
        <div class="inbox-placeholder">
          <div class="inbox-placeholder-card">
            <div class="inbox-placeholder-title">Pick a conversation</div>
            <p class="muted">Replies go out through your 1:1 number. New messages appear here by themselves.</p>
          </div>
        </div>
      ) : (
        <ThreadView
          key={props.contactId}
          contactId={props.contactId}
          me={props.me}
          outgoing={outgoing.current}
          drafts={drafts.current}
          onChanged={threadChanged}
        />
      )}
    </section>
  );
}

function ThreadItem(props: { thread: ThreadSummary; active: boolean }) {
  const t = props.thread;
  const last = t.lastMessage;
  const href = `/conversations/${t.contactId}`;
  return (
    <li>
      <a
        href={href}
        class={`thread-item${props.active ? ' active' : ''}${t.unreadCount > 0 ? ' unread' : ''}`}
        aria-current={props.active ? 'page' : undefined}
        data-testid="thread-item"
        onClick={(event) => {
          if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
          event.preventDefault();
          navigate(href);
        }}
      >
        <span class="avatar" aria-hidden="true">
          {initials(t.contact)}
        </span>
        <span class="thread-main">
          <span class="thread-top">
            <span class="thread-name">{displayName(t.contact)}</span>
            <time class="thread-time" dateTime={t.lastMessageAt} title={exactTime(t.lastMessageAt)}>
              {ago(t.lastMessageAt)}
            </time>
          </span>
          <span class="thread-bottom">
            <span class="thread-preview">
              {last === null ? (
                <span class="muted">No messages yet</span>
              ) : (
                <>
                  {last.direction === 'outbound' ? <span class={`preview-you${last.tick === 'failed' ? ' bad' : ''}`}>{last.tick === 'failed' ? 'Not sent: ' : 'You: '}</span> : null}
                  {last.body}
                </>
              )}
            </span>
            {t.unreadCount > 0 ? (
              <span class="unread-badge" data-testid="unread-count" aria-label={`${t.unreadCount} unread`}>
                {t.unreadCount}
              </span>
            ) : null}
          </span>
        </span>
      </a>
    </li>
  );
}
