import { GITHUB_LIMITS, outbound, outboundLine } from '../../src/github/outbound.js';

test('text written to GitHub is redacted and clipped to its limit with a pointer to the rest', () => {
  const secret = `ghp_${'Ab1'.repeat(12)}`;
  const out = outbound(`token ${secret}\n${'x'.repeat(200_000)}`, GITHUB_LIMITS.body);
  expect(out.length).toBeLessThanOrEqual(GITHUB_LIMITS.body);
  expect(out).not.toContain(secret);
  expect(out).toMatch(/truncated by Baton to GitHub’s 65,536-character limit/);
  expect(outbound('short', 100)).toBe('short');
  expect(outboundLine('a\nb'.repeat(200), 256).length).toBeLessThanOrEqual(256);
});
