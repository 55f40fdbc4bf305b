import { backoffMs, DEFAULT_RETRY } from '../../src/queue/types.js';

describe('backoffMs', () => {
  it('grows exponentially up to the cap, with full jitter', () => {
    const max = () => 0.999999;
    expect(backoffMs(1, DEFAULT_RETRY, max)).toBe(499);
    expect(backoffMs(2, DEFAULT_RETRY, max)).toBe(999);
    expect(backoffMs(20, DEFAULT_RETRY, max)).toBe(59_999);
    expect(backoffMs(3, DEFAULT_RETRY, () => 0)).toBe(0);
  });
});
