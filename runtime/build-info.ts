/**
 * What build of Tributary is running: the version of the package (`package.json` at the root of the checkout or the
 * installed package), as `tributary_build_info{version}` reports it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The package's version, e.g. `0.1.0`, read from `package.json` (call it once per run).
 * @returns `unknown` when the file cannot be read or has no version
 */
export function packageVersion(): string {
  try {
    const text = readFileSync(resolve(import.meta.dirname, '../package.json'), 'utf8');
    const version = (JSON.parse(text) as { version?: unknown }).version;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}
