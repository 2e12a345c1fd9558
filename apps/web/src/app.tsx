import { AuthScreen } from './components/auth-screen';
import { ConversationView } from './components/conversation-view';
import { Sidebar } from './components/sidebar';
import { useAppState } from './components/use-store';

export function App() {
  const state = useAppState();
  if (state.booting) return <div className="splash">Parley</div>;
  if (!state.me) return <AuthScreen />;
  return (
    <div className={`layout${state.activeChatId ? ' has-chat' : ''}`}>
      <Sidebar />
      <main className="main">
        {state.activeChatId ? (
          <ConversationView key={state.activeChatId} chatId={state.activeChatId} />
        ) : (
          <div className="empty-main">
            <h1>Parley</h1>
            <p>Pick a chat, or start a new chat or group with the buttons at the top left.</p>
            <p className="muted-text">Messages you send while offline are kept and sent when you are back.</p>
          </div>
        )}
      </main>
    </div>
  );
}
