import { ParleyClient, WebStorageAdapter, watchBrowserNetwork } from '@parley/client-sdk';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { StoreContext } from './components/use-store';
import { loadConfig } from './lib/config';
import { AppStore } from './store/app-store';
import './styles.css';

async function main(): Promise<void> {
  const config = await loadConfig(window.location.href);
  const client = new ParleyClient({
    authUrl: config.authUrl,
    gatewayUrl: config.gatewayUrl,
    storage: new WebStorageAdapter(window.localStorage),
  });
  watchBrowserNetwork(client);
  const store = new AppStore(client, () => document.visibilityState === 'visible');
  document.addEventListener('visibilitychange', () => store.visibilityChanged());
  // The e2e tests and the curious read the store from the console.
  (window as unknown as { parley?: unknown }).parley = { client, store, config };
  createRoot(document.getElementById('root') as HTMLElement).render(
    <StrictMode>
      <StoreContext.Provider value={store}>
        <App />
      </StoreContext.Provider>
    </StrictMode>,
  );
  await store.boot();
}

void main();
