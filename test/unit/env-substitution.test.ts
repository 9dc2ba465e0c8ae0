// `${VAR}` / `${VAR:-default}` substitution: defaults, escapes, missing variables, no inherited properties.
import { describe, expect, it } from 'vitest';
import { substituteEnv } from '../../runtime/common/env-substitution';

describe('substituteEnv', () => {
  it('substitutes, defaults and escapes', () => {
    expect(substituteEnv('${A}-${B:-b}-${C:-}-$${A}', { A: 'a' })).toEqual({ value: 'a-b--${A}', missing: [] });
    expect(substituteEnv('${A:-x}', { A: '' })).toEqual({ value: 'x', missing: [] });
    expect(substituteEnv('[${A}]', { A: '' })).toEqual({ value: '[]', missing: [] });
    expect(substituteEnv('${X}${Y}${X}', {})).toEqual({ value: '', missing: ['X', 'Y'] });
    expect(substituteEnv('${a.b} ${1X} ${ X } $X', { X: 'no' })).toEqual({ value: '${a.b} ${1X} ${ X } $X', missing: [] });
  });

  it('does not read inherited properties of the environment object', () => {
    expect(substituteEnv('${toString}', {})).toEqual({ value: '', missing: ['toString'] });
  });
});
