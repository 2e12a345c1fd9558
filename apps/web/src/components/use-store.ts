import { createContext, useContext, useSyncExternalStore } from 'react';
import type { AppState, AppStore } from '../store/app-store';

export const StoreContext = createContext<AppStore | null>(null);

export function useAppStore(): AppStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('StoreContext missing');
  return store;
}

/** The app state (re-renders on every change; the state is small). */
export function useAppState(): AppState {
  const store = useAppStore();
  return useSyncExternalStore(store.subscribe, store.getState);
}
