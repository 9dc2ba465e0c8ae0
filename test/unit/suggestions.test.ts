// "Did you mean" suggestions: edit distance and only plausible matches.
import { describe, expect, it } from 'vitest';
import { closestMatch, editDistance } from '../../runtime/common/suggestions';

describe('editDistance and closestMatch', () => {
  it('measures edit distance and suggests only plausible matches', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(closestMatch('transform.fitler', ['source.kafka', 'transform.filter', 'transform.map'])).toBe('transform.filter');
    expect(closestMatch('sink.zzz', ['source.kafka'])).toBeUndefined();
  });
});
