import { useState } from 'react';
import { useFormSubmit } from './use-form-submit';
import { useAppStore } from './use-store';

/** Start a direct chat by username, or a group with a title and usernames. */
export function NewChatDialog({ kind, onClose }: { kind: 'direct' | 'group'; onClose: () => void }) {
  const store = useAppStore();
  const [title, setTitle] = useState('');
  const [names, setNames] = useState('');
  const { submit, busy, error } = useFormSubmit(async () => {
    const usernames = names
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    const chatId =
      kind === 'direct'
        ? await store.startDirectChat(usernames[0] ?? '')
        : await store.createGroup(title.trim(), usernames);
    store.openChat(chatId);
    onClose();
  });

  return (
    <div className="dialog-backdrop" onClick={onClose}>
      <form
        className="dialog"
        onSubmit={submit}
        onClick={(e) => e.stopPropagation()}
        aria-label={kind === 'direct' ? 'New chat' : 'New group'}
      >
        <h2>{kind === 'direct' ? 'New chat' : 'New group'}</h2>
        {kind === 'group' && (
          <label>
            Group name
            <input
              name="title"
              value={title}
              onChange={(e) => setTitle(e.target.value)}
              required
              maxLength={100}
              autoFocus
            />
          </label>
        )}
        <label>
          {kind === 'direct' ? 'Username' : 'Members (usernames, comma separated)'}
          <input
            name="usernames"
            value={names}
            onChange={(e) => setNames(e.target.value)}
            required
            autoFocus={kind === 'direct'}
          />
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button className="primary" type="submit" disabled={busy}>
            {kind === 'direct' ? 'Chat' : 'Create group'}
          </button>
        </div>
      </form>
    </div>
  );
}
