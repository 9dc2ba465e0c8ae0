#!/usr/bin/env node
// `npm start`. Until the studio (the canvas editor) lands, this runs the demo flow headless: generated orders are
// priced, filtered and printed, with no Kafka needed. Ctrl+C drains and stops it.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
process.stderr.write('tributary: the studio is not part of this build yet; running examples/demo.flow.yaml headless (Ctrl+C stops)\n');
const child = spawn(process.execPath, ['bin/tributary.js', 'run', 'examples/demo.flow.yaml', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
// Ctrl+C reaches the whole process group, the child included; SIGTERM sent to this process alone is passed on.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 0)));
