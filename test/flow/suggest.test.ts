import { closest, didYouMean, editDistance } from '../../src/flow/suggest.js';

describe('suggestions', () => {
  it('counts edits, with a transposition as one', () => {
    expect(editDistance('stagez', 'stages')).toBe(1);
    expect(editDistance('onwer', 'owner')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });

  it('suggests only plausible typos', () => {
    expect(closest('reveiw', ['spec', 'build', 'review'])).toBe('review');
    expect(closest('qa', ['dev', 'reviewer'])).toBeUndefined();
    expect(closest('x', [])).toBeUndefined();
    expect(didYouMean('stagez', ['stages', 'roles'])).toBe(' (did you mean "stages"?)');
    expect(didYouMean('zzzzzz', ['stages'])).toBe('');
  });
});
