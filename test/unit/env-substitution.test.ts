// `${VAR}` / `${VAR:-default}` substitution: defaults, escapes, missing variables, no inherited properties, and the
// Redpanda Connect form `${VAR:default}` refused with its `${VAR:-default}` spelling.
import { describe, expect, it } from 'vitest';
import { substituteEnv } from '../../runtime/common/env-substitution';

describe('substituteEnv', () => {
  it('substitutes, defaults and escapes', () => {
    expect(substituteEnv('${A}-${B:-b}-${C:-}-$${A}', { A: 'a' })).toEqual({ value: 'a-b--${A}', missing: [], refused: [] });
    expect(substituteEnv('${A:-x}', { A: '' })).toEqual({ value: 'x', missing: [], refused: [] });
    expect(substituteEnv('[${A}]', { A: '' })).toEqual({ value: '[]', missing: [], refused: [] });
    expect(substituteEnv('${X}${Y}${X}', {})).toEqual({ value: '', missing: ['X', 'Y'], refused: [] });
    expect(substituteEnv('${a.b} ${1X} ${ X } $X', { X: 'no' })).toEqual({ value: '${a.b} ${1X} ${ X } $X', missing: [], refused: [] });
  });

  it('does not read inherited properties of the environment object', () => {
    expect(substituteEnv('${toString}', {})).toEqual({ value: '', missing: ['toString'], refused: [] });
  });

  it('refuses ${VAR:default} (set or not) with the ${VAR:-default} spelling, once per reference, and leaves it empty', () => {
    expect(substituteEnv('${HOST:localhost:9092}/${DB:0}/${HOST:localhost:9092}', { HOST: 'h' })).toEqual({
      value: '//',
      missing: [],
      refused: [
        { reference: '${HOST:localhost:9092}', replacement: '${HOST:-localhost:9092}' },
        { reference: '${DB:0}', replacement: '${DB:-0}' },
      ],
    });
    expect(substituteEnv('${EMPTY:}', {}).refused).toEqual([{ reference: '${EMPTY:}', replacement: '${EMPTY:-}' }]);
    // The shell form with a default that starts with "-" is not the Redpanda form.
    expect(substituteEnv('${N:--1}', {})).toEqual({ value: '-1', missing: [], refused: [] });
    expect(substituteEnv('$${HOST:x}', {})).toEqual({ value: '${HOST:x}', missing: [], refused: [] });
  });
});
