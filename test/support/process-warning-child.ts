// A child for test/unit/process-warnings.test.ts: the process logger (JSON on stderr), with the process's warnings
// routed through it unless argv[2] is `bare`, then a real MaxListenersExceededWarning (11 listeners of one event) and
// a deprecation with a code.
import { EventEmitter } from 'node:events';
import { createLogger, logProcessWarnings } from '../../runtime/logger';

const logger = createLogger('info', false);
if (process.argv[2] !== 'bare') logProcessWarnings(logger);
const lock = new EventEmitter();
for (let i = 0; i < 11; i++) lock.on('releaseLock', () => undefined);
process.emitWarning('the old way is deprecated', 'DeprecationWarning', 'DEP_TRIBUTARY_TEST');
logger.info('done');
setTimeout(() => process.exit(0), 50);
