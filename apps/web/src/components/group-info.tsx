import { useState, type FormEvent } from 'react';
import { describeError } from '../store/app-store';
import { lastSeen } from '../lib/format';
import { Avatar } from './avatar';
import { CloseIcon } from './icons';
import { useAppState, useAppStore } from './use-store';

/** Members with roles and presence; admins add, remove, promote and rename; anyone leaves or mutes. */
export function GroupInfo({ chatId, onClose }: { chatId: string; onClose: () => void }) {
  const store = useAppStore();
  const state = useAppState();
  const [username, setUsername] = useState('');
  const [title, setTitle] = useState('');
  const [error, setError] = useState<string | null>(null);
  const entry = state.chats[chatId];
  const me = state.me;
  if (!entry || !me) return null;
  const chat = entry.chat;
  const amAdmin = chat.members.some((m) => m.userId === me.id && m.role === 'admin');
  const isGroup = chat.type === 'group';
  const contact = isGroup ? undefined : chat.members.find((m) => m.userId !== me.id)?.userId;
  const blocked = contact !== undefined && state.blocked[contact] === true;

  const run = (work: () => Promise<void>) => {
    setError(null);
    work().catch((err: unknown) => setError(describeError(err)));
  };
  const add = (e: FormEvent) => {
    e.preventDefault();
    run(async () => {
      await store.addMember(chatId, username);
      setUsername('');
    });
  };
  const rename = (e: FormEvent) => {
    e.preventDefault();
    run(async () => {
      await store.rename(chatId, title.trim());
      setTitle('');
    });
  };

  return (
    <aside className="group-info" data-testid="group-info">
      <header>
        <strong>{isGroup ? 'Group info' : 'Contact info'}</strong>
        <button className="icon-button" onClick={onClose} aria-label="Close">
          <CloseIcon />
        </button>
      </header>
      {isGroup && amAdmin && (
        <form className="inline-form" onSubmit={rename}>
          <input
            name="title"
            placeholder={chat.title ?? 'Group name'}
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            maxLength={100}
          />
          <button type="submit" disabled={!title.trim()}>
            Rename
          </button>
        </form>
      )}
      <h3>{chat.members.length} members</h3>
      <ul className="members" data-testid="members">
        {chat.members.map((m) => {
          const name = m.userId === me.id ? 'You' : store.nameOf(m.userId);
          const p = state.presence[m.userId];
          return (
            <li key={m.userId} data-testid="member" data-user-id={m.userId} data-role={m.role}>
              <Avatar id={m.userId} name={name} size={32} online={p?.online === true} />
              <span className="member-main">
                <span>{name}</span>
                <small>{m.userId === me.id ? 'online' : p?.online ? 'online' : lastSeen(p?.lastSeenAt ?? null)}</small>
              </span>
              {m.role === 'admin' && <span className="role">admin</span>}
              {isGroup && amAdmin && m.userId !== me.id && (
                <span className="member-actions">
                  <button
                    onClick={() => run(() => store.setRole(chatId, m.userId, m.role === 'admin' ? 'member' : 'admin'))}
                  >
                    {m.role === 'admin' ? 'Dismiss admin' : 'Make admin'}
                  </button>
                  <button onClick={() => run(() => store.removeMember(chatId, m.userId))}>Remove</button>
                </span>
              )}
            </li>
          );
        })}
      </ul>
      {isGroup && amAdmin && (
        <form className="inline-form" onSubmit={add}>
          <input
            name="add-member"
            placeholder="Add by username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
          <button type="submit" disabled={!username.trim()}>
            Add
          </button>
        </form>
      )}
      <label className="toggle">
        <input
          type="checkbox"
          checked={entry.muted}
          onChange={(e) => run(() => store.setMuted(chatId, e.target.checked))}
        />{' '}
        Mute notifications
      </label>
      {isGroup && (
        <button className="danger" onClick={() => run(() => store.removeMember(chatId, me.id))}>
          Leave group
        </button>
      )}
      {contact && (
        <button
          className={blocked ? '' : 'danger'}
          data-testid="block-toggle"
          data-blocked={blocked}
          onClick={() => run(() => (blocked ? store.unblock(contact) : store.block(contact)))}
        >
          {blocked ? 'Unblock' : 'Block'}
        </button>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </aside>
  );
}
