import { describe, expect, it } from 'vitest';
import { loadNodeRuntimes, runtimeLoaders } from '../../nodes/runtime-loaders';
import { nodeRuntimes } from '../../nodes/runtimes';
import { nodeSpecs } from '../../nodes/specs';

describe('runtime loaders', () => {
  it('have one loader per node spec, the same types as the eager runtime map', () => {
    const specTypes = nodeSpecs.map((spec) => spec.type).sort();
    expect([...runtimeLoaders.keys()].sort()).toEqual(specTypes);
    expect([...nodeRuntimes.keys()].sort()).toEqual(specTypes);
  });

  it('load, for each type, the runtime of that type (the same object as the eager map)', async () => {
    for (const [type, load] of runtimeLoaders) {
      const runtime = await load();
      expect(runtime.spec.type, type).toBe(type);
      expect(runtime, type).toBe(nodeRuntimes.get(type));
    }
  });

  it('loadNodeRuntimes gives one entry per distinct type asked for', async () => {
    const loaded = await loadNodeRuntimes(['source.kafka', 'sink.console', 'sink.console']);
    expect([...loaded.keys()]).toEqual(['source.kafka', 'sink.console']);
    expect(loaded.get('sink.console')).toBe(nodeRuntimes.get('sink.console'));
  });

  it('loadNodeRuntimes rejects with the name of a type that has no runtime', async () => {
    await expect(loadNodeRuntimes(['source.kafka', 'sink.nowhere'])).rejects.toThrow('no runtime for node type "sink.nowhere"');
  });
});
