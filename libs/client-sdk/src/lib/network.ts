interface NetworkAware {
  setNetworkAvailable(available: boolean): void;
}

/**
 * Browsers: follows `online`/`offline` events so the client drops its socket at once when
 * the network goes (messages typed meanwhile wait in the outbox) and reconnects when it
 * returns. Answers the function that stops watching; a no-op outside browsers.
 */
export function watchBrowserNetwork(client: NetworkAware): () => void {
  const w = globalThis as unknown as {
    addEventListener?: (type: string, fn: () => void) => void;
    removeEventListener?: (type: string, fn: () => void) => void;
    navigator?: { onLine?: boolean };
  };
  if (typeof w.addEventListener !== 'function' || typeof w.removeEventListener !== 'function') return () => undefined;
  const online = () => client.setNetworkAvailable(true);
  const offline = () => client.setNetworkAvailable(false);
  w.addEventListener('online', online);
  w.addEventListener('offline', offline);
  if (w.navigator?.onLine === false) offline();
  return () => {
    w.removeEventListener?.('online', online);
    w.removeEventListener?.('offline', offline);
  };
}
