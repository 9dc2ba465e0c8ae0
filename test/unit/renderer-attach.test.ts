// What the renderer shows of an attachment: the toolbar's line, per node which instance holds which partitions and
// its member id, and the instance URLs of the dialog's text.
import { describe, expect, it } from 'vitest';
import { describeAttachment, nodeOwnership, parseInstanceUrls, type AttachedState } from '../../renderer/store/attach';

const identity = (pid: number, partitions: number[]) => ({
  host: 'vm',
  pid,
  flow: 'orders',
  version: '0.1.0',
  startedAt: 0,
  members: { src: { groupId: 'g', memberId: `member-${pid}` } },
  partitions: { src: partitions.map((partition) => ({ topic: 't', partition })) },
});

const state: AttachedState = {
  status: 'attached',
  startedAt: 0,
  flow: 'orders',
  instances: [
    { url: 'http://a:1', reachable: true, identity: identity(11, [3, 1]) },
    { url: 'http://b:1', reachable: false, error: 'http://b:1: ECONNREFUSED', identity: identity(22, [0, 2]) },
    { url: 'http://c:1', reachable: false, error: 'http://c:1: refused the token' },
  ],
};

describe('attach display', () => {
  it('says how many instances and how many do not answer', () => {
    expect(describeAttachment(state)).toBe('Attached to 3 instances of orders (2 not answering)');
    expect(describeAttachment({ ...state, instances: state.instances.slice(0, 1) })).toBe('Attached to 1 instance of orders');
  });

  it('lists per instance the partitions and member id it holds of a node', () => {
    expect(nodeOwnership(state, 'src')).toEqual([
      { label: 'vm:11', url: 'http://a:1', reachable: true, memberId: 'member-11', partitions: ['t[1]', 't[3]'] },
      { label: 'vm:22', url: 'http://b:1', reachable: false, memberId: 'member-22', partitions: ['t[0]', 't[2]'] },
      { label: 'http://c:1', url: 'http://c:1', reachable: false, partitions: [] },
    ]);
    expect(nodeOwnership(state, 'map').map((o) => o.partitions)).toEqual([[], [], []]);
  });

  it('reads instance URLs one per line, or separated by commas or spaces', () => {
    expect(parseInstanceUrls(' http://a:1\nhttp://b:1, c:2  d:3\n\n')).toEqual(['http://a:1', 'http://b:1', 'c:2', 'd:3']);
  });
});
