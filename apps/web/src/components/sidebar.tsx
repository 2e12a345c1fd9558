import { useState } from 'react';
import { sortChats } from '../store/chat-list';
import { listTime } from '../lib/format';
import { Avatar } from './avatar';
import { chatTitle, otherMember } from './chat-title';
import { ConnectionBanner } from './connection-banner';
import { LogoutIcon, NewChatIcon, NewGroupIcon } from './icons';
import { NewChatDialog } from './new-chat-dialog';
import { Ticks } from './ticks';
import { useAppState, useAppStore } from './use-store';

/** Header, connection state and the chat list with unread counts and last messages. */
export function Sidebar() {
  const store = useAppStore();
  const state = useAppState();
  const [dialog, setDialog] = useState<'direct' | 'group' | null>(null);
  const me = state.me;
  if (!me) return null;
  const entries = sortChats(Object.values(state.chats));
  // Presence is only known while connected.
  const live = state.connection === 'connected';

  return (
    <aside className="sidebar">
      <header className="sidebar-header">
        <Avatar id={me.id} name={me.displayName || me.username} size={36} />
        <div className="me">
          <strong data-testid="me-name">{me.displayName || me.username}</strong>
          <span>@{me.username}</span>
        </div>
        <button className="icon-button" title="New chat" aria-label="New chat" onClick={() => setDialog('direct')}>
          <NewChatIcon />
        </button>
        <button className="icon-button" title="New group" aria-label="New group" onClick={() => setDialog('group')}>
          <NewGroupIcon />
        </button>
        <button className="icon-button" title="Log out" aria-label="Log out" onClick={() => void store.logout()}>
          <LogoutIcon />
        </button>
      </header>
      <ConnectionBanner />
      <ul className="chat-list" data-testid="chat-list">
        {state.chatsLoaded && entries.length === 0 && (
          <li className="chat-list-empty">No chats yet: start one with the buttons above.</li>
        )}
        {entries.map((e) => {
          const title = chatTitle(store, e.chat, me.id);
          const last = e.lastMessage;
          const other = otherMember(e.chat, me.id);
          const typing = (state.typing[e.chat.id] ?? []).length > 0;
          const pending = (state.outbox[e.chat.id] ?? []).at(-1);
          return (
            <li key={e.chat.id}>
              <button
                className={`chat-item${state.activeChatId === e.chat.id ? ' active' : ''}`}
                data-testid="chat-item"
                data-chat-id={e.chat.id}
                data-unread={e.unreadCount}
                onClick={() => store.openChat(e.chat.id)}
              >
                <Avatar
                  id={e.chat.id}
                  name={title}
                  online={live && other ? state.presence[other]?.online === true : false}
                />
                <span className="chat-item-main">
                  <span className="chat-item-top">
                    <span className="chat-item-title" data-testid="chat-title">
                      {title}
                    </span>
                    <span className={`chat-item-time${e.unreadCount > 0 ? ' unread' : ''}`}>
                      {last ? listTime(last.createdAt) : ''}
                    </span>
                  </span>
                  <span className="chat-item-bottom">
                    <span className="chat-item-preview" data-testid="chat-preview">
                      {typing ? (
                        <em className="typing-text">typing…</em>
                      ) : pending ? (
                        <>
                          <Ticks status="pending" /> {pending.body}
                        </>
                      ) : last ? (
                        <>
                          {last.senderId === me.id && <Ticks status={store.statusOf(last)} />}
                          {e.chat.type === 'group' && last.senderId !== me.id && (
                            <span className="sender">{store.nameOf(last.senderId)}: </span>
                          )}
                          {last.deleted ? <em className="muted-text">This message was deleted</em> : last.body}
                        </>
                      ) : (
                        <span className="muted-text">{e.chat.type === 'group' ? 'Group created' : 'Say hi 👋'}</span>
                      )}
                    </span>
                    {e.muted && <span title="Muted">🔕</span>}
                    {e.unreadCount > 0 && (
                      <span className="badge" data-testid="unread-badge">
                        {e.unreadCount}
                      </span>
                    )}
                  </span>
                </span>
              </button>
            </li>
          );
        })}
      </ul>
      {dialog && <NewChatDialog kind={dialog} onClose={() => setDialog(null)} />}
    </aside>
  );
}
