/** Renderer entry: mounts the studio and starts the session (connection, recovery or demo flow); `?simulate=N` dev mode. */
import '@xyflow/react/dist/style.css';
import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/App';
import { startSession } from './session';
import { uiStore } from './store/ui-store';

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// `?simulate=500`: a generated 500-node flow fed fake telemetry at 10 Hz, for measuring frame times.
const simulate = new URLSearchParams(location.search).get('simulate');
void startSession().then(async () => {
  if (simulate === null) return;
  const { startSimulatedTelemetry } = await import('./dev/simulated-telemetry');
  uiStore.getState().modalClosed();
  startSimulatedTelemetry(Number(simulate) > 0 ? Number(simulate) : 500);
});
