/** The studio window: toolbar, palette, canvas, sample panel, problems, inspector, status bar, dialogs. */
import { ReactFlowProvider } from '@xyflow/react';
import { useEffect } from 'react';
import { installShortcuts } from '../keyboard';
import { installMenu } from '../menu';
import { useUi } from '../store/ui-store';
import { useStudio } from '../store/index';
import { Canvas } from './Canvas';
import { Inspector } from './Inspector';
import { Modals } from './Modals';
import { Notice } from './Notice';
import { Palette } from './Palette';
import { ProblemsPanel } from './ProblemsPanel';
import { SamplePanel } from './SamplePanel';
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
        <Palette />
        <main className="center">
          <Canvas />
          <SamplePanel />
          <ProblemsPanel />
        </main>
        <Inspector />
        <StatusBar />
        <Notice />
        <Modals />
      </div>
    </ReactFlowProvider>
  );
}
