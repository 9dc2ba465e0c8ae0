// The native menu's Compare with saved and Attach… entries are refused exactly when their toolbar buttons are
// disabled (renderer/store/menu-availability.ts, used by renderer/menu.ts).
import { describe, expect, it } from 'vitest';
import type { RunState } from '../../runtime/common/studio-api';
import { menuCommandRefusal } from '../../renderer/store/menu-availability';

const idle: RunState = { status: 'idle' };
const running: RunState = { status: 'running', mode: 'run', startedAt: 0, pid: 42 };
const attached: RunState = { status: 'attached', startedAt: 0, flow: 'orders', instances: [] };

describe('menu entries mirroring toolbar buttons', () => {
  it('Attach… is allowed when idle or after a run ended, refused while a run or an attachment is active', () => {
    expect(menuCommandRefusal('attach', { runState: idle, path: null })).toBeUndefined();
    const exited: RunState = { status: 'exited', mode: 'run', code: 0, signal: null, crashed: false, reason: 'stopped', lastLogLines: [] };
    expect(menuCommandRefusal('attach', { runState: exited, path: null })).toBeUndefined();
    expect(menuCommandRefusal('attach', { runState: running, path: '/f.flow.yaml' })).toMatch(/^cannot attach: stop the current run/);
    expect(menuCommandRefusal('attach', { runState: attached, path: null })).toMatch(/^cannot attach/);
  });

  it('Compare with saved needs a saved file; Compare with file… is always allowed', () => {
    expect(menuCommandRefusal('compareSaved', { runState: idle, path: null })).toMatch(/has not been saved yet/);
    expect(menuCommandRefusal('compareSaved', { runState: running, path: '/f.flow.yaml' })).toBeUndefined();
    expect(menuCommandRefusal('compareFile', { runState: attached, path: null })).toBeUndefined();
  });
});
