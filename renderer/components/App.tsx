/** The studio window: toolbar, the resizable panels (palette, canvas, samples and problems, inspector; see Layout.tsx), status bar, dialogs. */
import { ReactFlowProvider } from '@xyflow/react';
import { useEffect } from 'react';
import { installShortcuts } from '../keyboard';
import { installMenu } from '../menu';
import { useUi } from '../store/ui-store';
import { useStudio } from '../store/index';
import { Layout } from './Layout';
import { Modals } from './Modals';
import { Notice } from './Notice';
import { StatusBar } from './StatusBar';
import { Toolbar } from './Toolbar';

/** Keeps the window title in step with the file and its dirty state. */
function useWindowTitle(): void {
  const name = useStudio((s) => s.path ?? s.meta.name);
  const dirty = useStudio((s) => s.dirty);
  useEffect(() => {
    document.title = `${dirty ? '● ' : ''}${name.split(/[\\/]/).pop() ?? name} — Tributary Studio`;
  }, [name, dirty]);
}

/** The studio. */
export function App() {
  useWindowTitle();
  useEffect(() => installShortcuts(), []);
  useEffect(() => installMenu(), []);
  const theme = useUi((s) => s.theme);
  useEffect(() => {
    if (theme === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
  }, [theme]);
  return (
    <ReactFlowProvider>
      <div className="app">
        <Toolbar />
        <Layout />
        <StatusBar />
        <Notice />
        <Modals />
      </div>
    </ReactFlowProvider>
  );
}
