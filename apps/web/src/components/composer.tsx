import { useState, type FormEvent, type KeyboardEvent } from 'react';
import { SendIcon } from './icons';
import { useAppStore } from './use-store';

/** The message input: Enter sends, Shift+Enter breaks the line; keystrokes drive `typing`. */
export function Composer({ chatId }: { chatId: string }) {
  const store = useAppStore();
  const [text, setText] = useState('');

  const send = (e?: FormEvent) => {
    e?.preventDefault();
    if (!text.trim()) return;
    void store.send(chatId, text);
    setText('');
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey) send(e);
  };

  return (
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
  );
}
