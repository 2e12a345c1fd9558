import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { buildRows, emptyConversation } from '../store/conversation';
import { dayLabel, lastSeen, timeOf } from '../lib/format';
import { Avatar } from './avatar';
import { chatTitle, otherMember } from './chat-title';
import type { Message } from '@parley/contracts/client';
import { Composer, type ComposerAction } from './composer';
import { GroupInfo } from './group-info';
import { InfoIcon } from './icons';
import { Ticks } from './ticks';
import { useAppState, useAppStore } from './use-store';

/** Header (presence, typing), messages with ticks and infinite scroll upwards, composer. */
export function ConversationView({ chatId }: { chatId: string }) {
  const store = useAppStore();
  const state = useAppState();
  const [showInfo, setShowInfo] = useState(false);
  const [action, setAction] = useState<ComposerAction>(null);
  useEffect(() => setAction(null), [chatId]);
  const listRef = useRef<HTMLDivElement>(null);
  const anchor = useRef<{ height: number; top: number; firstSeq: number | null; stick: boolean }>({
    height: 0,
    top: 0,
    firstSeq: null,
    stick: true,
  });

  const me = state.me;
  const entry = state.chats[chatId];
  const conv = state.conversations[chatId] ?? emptyConversation;
  const outbox = state.outbox[chatId] ?? [];
  const failed = state.failed[chatId] ?? [];
  const rows = useMemo(
    () =>
      me
        ? buildRows(
            conv.messages,
            outbox,
            failed,
            me.id,
            (m) => store.statusOf(m),
            (iso) => dayLabel(iso),
          )
        : [],
    // statuses live in the store: re-derive when they change too
    [conv.messages, outbox, failed, me, state.statuses, store],
  );

  // Keep the view still when older messages are prepended; follow the bottom when new ones arrive.
  useLayoutEffect(() => {
    const el = listRef.current;
    if (!el) return;
    const a = anchor.current;
    const firstSeq = conv.messages[0]?.seq ?? null;
    if (a.firstSeq !== null && firstSeq !== null && firstSeq < a.firstSeq) {
      el.scrollTop = el.scrollHeight - a.height + a.top;
    } else if (a.stick) {
      el.scrollTop = el.scrollHeight;
    }
    a.firstSeq = firstSeq;
    a.height = el.scrollHeight;
    // Too few messages to scroll: there is no top to reach, so fetch older ones now.
    if (el.scrollHeight <= el.clientHeight && conv.hasMore) void store.loadOlder(chatId);
  }, [rows, conv.hasMore, chatId, store]);

  if (!me || !entry) return null;
  const chat = entry.chat;
  const title = chatTitle(store, chat, me.id);
  const typers = (state.typing[chatId] ?? []).filter((id) => id !== me.id);
  const other = otherMember(chat, me.id);
  // Presence and typing are only known while connected.
  const live = state.connection === 'connected';
  let subtitle: string;
  if (!live && other) subtitle = state.connection === 'offline' ? 'waiting for network…' : 'connecting…';
  else if (typers.length > 0)
    subtitle =
      chat.type === 'group'
        ? `${typers.map((id) => store.nameOf(id)).join(', ')} ${typers.length > 1 ? 'are' : 'is'} typing…`
        : 'typing…';
  else if (other)
    subtitle = state.presence[other]?.online ? 'online' : lastSeen(state.presence[other]?.lastSeenAt ?? null);
  else subtitle = chat.members.map((m) => (m.userId === me.id ? 'You' : store.nameOf(m.userId))).join(', ');

  const isAdmin = chat.type === 'group' && chat.members.some((m) => m.userId === me.id && m.role === 'admin');
  const bySeq = new Map(conv.messages.map((m) => [m.seq, m]));
  const describe = (m: Message) => (m.deleted ? 'a deleted message' : m.body);
  const quoteOf = (m: Message) => {
    if (m.replyToSeq === null) return null;
    const q = bySeq.get(m.replyToSeq);
    return (
      <div className="bubble-quote" data-testid="message-quote" data-reply-to={m.replyToSeq}>
        {q ? (
          <>
            <strong>{q.senderId === me.id ? 'You' : store.nameOf(q.senderId)}</strong>
            <span className={q.deleted ? 'muted-text' : ''}>{q.deleted ? 'This message was deleted' : q.body}</span>
          </>
        ) : (
          <span className="muted-text">An earlier message</span>
        )}
      </div>
    );
  };
  // One chip per emoji with its count; mine is highlighted, and clicking it takes it back.
  const reactionsOf = (m: Message) => {
    if (m.reactions.length === 0) return null;
    const counts = new Map<string, number>();
    for (const r of m.reactions) counts.set(r.emoji, (counts.get(r.emoji) ?? 0) + 1);
    const mine = m.reactions.find((r) => r.userId === me.id)?.emoji;
    return (
      <div className="reactions" data-testid="message-reactions">
        {[...counts].map(([emoji, count]) => (
          <button
            key={emoji}
            className={`reaction${emoji === mine ? ' mine' : ''}`}
            data-testid="reaction"
            data-emoji={emoji}
            onClick={() => void store.react(chatId, m.seq, emoji === mine ? null : emoji)}
          >
            {emoji} {count}
          </button>
        ))}
      </div>
    );
  };

  const onScroll = () => {
    const el = listRef.current;
    if (!el) return;
    anchor.current.top = el.scrollTop;
    anchor.current.height = el.scrollHeight;
    anchor.current.stick = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    if (el.scrollTop < 80) void store.loadOlder(chatId);
  };

  return (
    <section className="conversation" data-testid="conversation" data-chat-id={chatId}>
      <header className="conversation-header">
        <Avatar
          id={chat.id}
          name={title}
          size={38}
          online={live && other ? state.presence[other]?.online === true : false}
        />
        <button className="conversation-title" onClick={() => setShowInfo((v) => !v)} title="Chat info">
          <strong data-testid="conversation-title">{title}</strong>
          <span className={typers.length > 0 ? 'typing-text' : ''} data-testid="conversation-subtitle">
            {subtitle}
          </span>
        </button>
        <button className="icon-button" onClick={() => setShowInfo((v) => !v)} aria-label="Chat info" title="Chat info">
          <InfoIcon />
        </button>
      </header>
      <div className="conversation-body">
        <div className="messages" ref={listRef} onScroll={onScroll} data-testid="messages">
          {conv.loadingOlder && <div className="loading-older">Loading older messages…</div>}
          {conv.loaded && !conv.hasMore && (
            <div className="history-start">
              {chat.type === 'group' ? 'Group created' : 'This is the start of your chat'}
            </div>
          )}
          {!conv.loaded && !conv.error && <div className="loading-older">Loading…</div>}
          {conv.error && <div className="banner banner-error">{conv.error}</div>}
          {rows.map((row) => {
            if (row.kind === 'day') {
              return (
                <div key={row.key} className="day">
                  <span>{row.label}</span>
                </div>
              );
            }
            if (row.kind === 'message') {
              const m = row.message;
              return (
                <div key={row.key} className={`bubble-row ${row.own ? 'own' : 'theirs'}`}>
                  <div className="bubble" data-testid="message" data-seq={m.seq} data-own={row.own}>
                    {!row.own && chat.type === 'group' && (
                      <div className="bubble-sender">{store.nameOf(m.senderId)}</div>
                    )}
                    {quoteOf(m)}
                    {m.deleted ? (
                      <span className="bubble-text deleted" data-testid="message-body" data-deleted="true">
                        🚫 This message was deleted
                      </span>
                    ) : (
                      <span className="bubble-text" data-testid="message-body">
                        {m.body}
                      </span>
                    )}
                    <span className="bubble-meta">
                      {m.editedAt && !m.deleted && (
                        <span className="edited" data-testid="message-edited">
                          edited
                        </span>
                      )}
                      {timeOf(m.createdAt)}
                      {row.own && row.status && <Ticks status={row.status} />}
                    </span>
                    {reactionsOf(m)}
                    {!m.deleted && (
                      <div className="bubble-actions">
                        <button
                          aria-label="Reply"
                          title="Reply"
                          onClick={() => setAction({ kind: 'reply', message: m })}
                        >
                          ↩
                        </button>
                        <button
                          aria-label="React 👍"
                          title="React 👍"
                          onClick={() => {
                            const mine = m.reactions.find((r) => r.userId === me.id)?.emoji;
                            void store.react(chatId, m.seq, mine === '👍' ? null : '👍');
                          }}
                        >
                          👍
                        </button>
                        {row.own && (
                          <button
                            aria-label="Edit"
                            title="Edit"
                            onClick={() => setAction({ kind: 'edit', message: m })}
                          >
                            ✎
                          </button>
                        )}
                        {(row.own || isAdmin) && (
                          <button
                            aria-label="Delete"
                            title="Delete"
                            onClick={() => void store.deleteMessage(chatId, m.seq)}
                          >
                            🗑
                          </button>
                        )}
                      </div>
                    )}
                  </div>
                </div>
              );
            }
            return (
              <div key={row.key} className="bubble-row own">
                <div
                  className="bubble"
                  data-testid="message"
                  data-pending={row.status === 'pending'}
                  data-own="true"
                  title={row.error}
                >
                  <span className="bubble-text" data-testid="message-body">
                    {row.entry.body}
                  </span>
                  <span className="bubble-meta">
                    {timeOf(row.entry.createdAt)}
                    <Ticks status={row.status} />
                  </span>
                </div>
              </div>
            );
          })}
        </div>
        {showInfo && <GroupInfo chatId={chatId} onClose={() => setShowInfo(false)} />}
      </div>
      {other && state.blocked[other] && (
        <div className="banner" data-testid="blocked-banner">
          You blocked this contact: neither of you can write here. Unblock in Contact info.
        </div>
      )}
      <Composer chatId={chatId} action={action} onActionDone={() => setAction(null)} describe={describe} />
    </section>
  );
}
