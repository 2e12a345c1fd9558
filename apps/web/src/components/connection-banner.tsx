import { useAppState, useAppStore } from './use-store';

/** Says when messages cannot go out right now, and that they will. */
export function ConnectionBanner() {
  const store = useAppStore();
  const { connection, outbox, notice } = useAppState();
  const queued = Object.values(outbox).reduce((n, list) => n + list.length, 0);
  let text: string | null = null;
  if (connection === 'offline') text = 'You are offline. Messages will be sent when you are back online.';
  else if (connection === 'disconnected' || connection === 'connecting') text = 'Connecting…';
  return (
    <>
      {text && (
        <div
          className={`banner banner-${connection}`}
          data-testid="connection-banner"
          data-state={connection}
          role="status"
        >
          {text}
          {queued > 0 && <span> ({queued} waiting)</span>}
        </div>
      )}
      {notice && (
        <div className="banner banner-error" role="alert">
          {notice}
          <button className="link" onClick={() => store.dismissNotice()}>
            dismiss
          </button>
        </div>
      )}
    </>
  );
}
