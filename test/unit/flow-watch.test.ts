// Flow files changed on disk: the studio hears of edits made by others (an editor's rename-over save, a plain write)
// and never of its own saves; new files get a schema reference so editors complete them.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FlowFileChange } from '../../runtime/common/studio-api';
import { FlowFiles, withSchemaReference } from '../../runtime/studio/flow-files';
import { FlowWatch } from '../../runtime/studio/flow-watch';
import { StateStore } from '../../runtime/studio/state-store';

const FLOW = 'version: 1\nname: watched\nnodes: []\n';
const dirs: string[] = [];
const watches: FlowWatch[] = [];
afterEach(() => {
  for (const watch of watches.splice(0)) watch.dispose();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-watch-'));
  dirs.push(dir);
  const watch = new FlowWatch();
  watches.push(watch);
  const files = new FlowFiles(new StateStore(join(dir, 'state')), '/opt/tributary', watch);
  return { dir, watch, files };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('flow file watching', () => {
  it("reports an editor's save (write to a temp file, rename over) and a plain write, not the studio's own saves", async () => {
    const { dir, watch, files } = setup();
    const path = join(dir, 'a.flow.yaml');
    await files.save(FLOW, path);
    const changes: FlowFileChange[] = [];
    watch.subscribe(path, (change) => changes.push(change));

    await files.save(FLOW.replace('watched', 'saved-by-studio'), path);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const edited = FLOW.replace('watched', 'edited-elsewhere');
    writeFileSync(join(dir, '.a.swp'), edited);
    renameSync(join(dir, '.a.swp'), path);
    await until(() => changes.length > 0, 'the change event');
    expect(changes).toEqual([{ path, text: edited }]);

    const pulled = FLOW.replace('watched', 'after-git-pull');
    writeFileSync(path, pulled);
    await until(() => changes.length > 1, 'the second change event');
    expect(changes[1]).toEqual({ path, text: pulled });
    // the other file in the directory is not reported
    writeFileSync(join(dir, 'b.flow.yaml'), FLOW);
    const opened = await files.open(path);
    expect(opened.text).toBe(pulled);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(changes).toHaveLength(2);
  });

  it('reports a deletion with text null, and stops after unsubscribe', async () => {
    const { dir, watch, files } = setup();
    const path = join(dir, 'gone.flow.yaml');
    await files.save(FLOW, path);
    const changes: FlowFileChange[] = [];
    const off = watch.subscribe(path, (change) => changes.push(change));
    rmSync(path);
    await until(() => changes.length > 0, 'the deletion event');
    expect(changes).toEqual([{ path, text: null }]);
    off();
    writeFileSync(path, FLOW);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(changes).toHaveLength(1);
  });
});

describe('schema reference of new files', () => {
  it('a new YAML file gets a yaml-language-server line relative to it; a second save does not add another', async () => {
    const { dir, files } = setup();
    const path = join(dir, 'new.flow.yaml');
    await files.save(FLOW, path);
    const first = readFileSync(path, 'utf8');
    expect(first.split('\n')[0]).toMatch(/^# yaml-language-server: \$schema=(\.\.\/)+opt\/tributary\/schema\/flow\.schema\.json$/);
    expect(first.endsWith(FLOW)).toBe(true);
    await files.save(FLOW, path);
    expect(readFileSync(path, 'utf8')).toBe(FLOW);
  });

  it('JSON gets a leading $schema key; texts that have a reference keep theirs', () => {
    const json = withSchemaReference('{"version":1,"name":"j","nodes":[]}', '/work/flows/j.flow.json', '/work/schema/flow.schema.json');
    expect(Object.keys(JSON.parse(json) as object)).toEqual(['$schema', 'version', 'name', 'nodes']);
    expect((JSON.parse(json) as { $schema: string }).$schema).toBe('../schema/flow.schema.json');
    const own = '# yaml-language-server: $schema=https://example.com/flow.json\n' + FLOW;
    expect(withSchemaReference(own, '/w/x.flow.yaml', '/w/schema/flow.schema.json')).toBe(own);
    expect(withSchemaReference(`$schema: x.json\n${FLOW}`, '/w/x.flow.yaml', '/w/s.json')).toBe(`$schema: x.json\n${FLOW}`);
  });
});
