import { useEffect, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { Message } from '@parley/contracts/client';
import { SendIcon } from './icons';
import { useAppStore } from './use-store';

/** What the composer is doing besides writing a new message: replying to or editing one. */
export type ComposerAction = { kind: 'reply' | 'edit'; message: Message } | null;

/** The message input: Enter sends, Shift+Enter breaks the line; keystrokes drive `typing`. */
export function Composer({
  chatId,
  action = null,
  onActionDone = () => undefined,
  describe = (m) => m.body,
}: {
  chatId: string;
  action?: ComposerAction;
  onActionDone?: () => void;
  describe?: (m: Message) => string;
}) {
  const store = useAppStore();
  const [text, setText] = useState('');

  // Editing starts from the current body.
  useEffect(() => {
    if (action?.kind === 'edit') setText(action.message.body);
  }, [action]);

  const send = (e?: FormEvent) => {
    e?.preventDefault();
    if (!text.trim()) return;
    if (action?.kind === 'edit') void store.editMessage(chatId, action.message.seq, text);
    else void store.send(chatId, text, action?.kind === 'reply' ? action.message.seq : undefined);
    setText('');
    onActionDone();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey) send(e);
    if (e.key === 'Escape' && action) {
      setText('');
      onActionDone();
    }
  };

  return (
    <div className="composer-wrap">
      {action && (
        <div className="composer-action" data-testid="composer-action">
          <span>
            <strong>{action.kind === 'edit' ? 'Editing' : 'Replying to'}</strong> {describe(action.message)}
          </span>
          <button
            type="button"
            className="icon-button"
            aria-label="Cancel"
            onClick={() => {
              setText('');
              onActionDone();
            }}
          >
            ✕
          </button>
        </div>
      )}
      <form className="composer" onSubmit={send}>
        <textarea
          data-testid="composer-input"
          rows={1}
          placeholder="Type a message"
          value={text}
          maxLength={4096 * 2}
          onChange={(e) => {
            setText(e.target.value);
            if (e.target.value) store.typing(chatId);
          }}
          onKeyDown={onKeyDown}
        />
        <button className="send" type="submit" aria-label="Send" data-testid="send" disabled={!text.trim()}>
          <SendIcon />
        </button>
      </form>
    </div>
  );
}
