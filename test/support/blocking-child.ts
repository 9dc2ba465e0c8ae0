// A child process for the watchdog's unit test: starts a Watchdog on a three-node table and then blocks its own event
// loop (or does not), as `argv[2]` says; the watchdog is what must end it. Run as `node --import tsx blocking-child.ts
// <scenario> <maxBlockMs> <json|text>`. Prints `blocking <ms since the epoch>` on stdout just before it blocks.
import { execFileSync } from 'node:child_process';
import { Watchdog } from '../../runtime/engine/watchdog';

const [scenario = 'regex', maxBlockMs = '1000', format = 'text'] = process.argv.slice(2);
const watchdog = Watchdog.start({
  maxBlockMs: Number(maxBlockMs),
  format: format === 'json' ? 'json' : 'text',
  nodes: [
    { id: 'upper', type: 'transform.map', code: 'config.expression: /(a+)+$/.test(value.s)' },
    { id: 'out', type: 'sink.file', code: '' },
    { id: 'gen', type: 'source.generator', code: 'config.value: ({ s: "a".repeat(40) + "b" })' },
  ],
});

/** Catastrophic backtracking: 2^40 ways to split the a's, none matching before the b. */
function catastrophicRegex(): boolean {
  return /(a+)+$/.test(`${'a'.repeat(40)}b`);
}

function announce(): void {
  process.stdout.write(`blocking ${Date.now()}\n`);
}

setTimeout(() => {
  if (scenario === 'regex') {
    watchdog.enter(0);
    announce();
    catastrophicRegex();
  } else if (scenario === 'nested') {
    // The sink's call returned inside the map's: the map is what runs again.
    const previous = watchdog.enter(0);
    watchdog.leave(watchdog.enter(1));
    announce();
    catastrophicRegex();
    watchdog.leave(previous);
  } else if (scenario === 'outside') {
    announce();
    catastrophicRegex();
  } else if (scenario === 'native') {
    // Blocked in a synchronous child process: no JavaScript runs, so no interrupt is taken.
    watchdog.enter(1);
    announce();
    execFileSync('sleep', ['5']);
  } else if (scenario === 'idle') {
    // Busy but never blocked for long: 40 turns of the loop, each 20 ms of work, then a normal exit.
    let turns = 0;
    const timer = setInterval(() => {
      const until = Date.now() + 20;
      while (Date.now() < until) {
        // work
      }
      if (++turns === 40) {
        clearInterval(timer);
        process.stdout.write('done\n');
      }
    }, 5);
    return;
  }
  process.stdout.write('the event loop came back\n');
}, 200);
