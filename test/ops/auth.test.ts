// One Bearer rule for /metrics, the dashboard and the partner API: the scheme in any case, the token trimmed.
import { bearerToken, sameSecret } from '../../src/ops/auth.js';

test('the Bearer scheme is read case-insensitively; anything else is no token', () => {
  expect(bearerToken('Bearer abc')).toBe('abc');
  expect(bearerToken('bearer  abc ')).toBe('abc');
  expect(bearerToken('BEARER abc')).toBe('abc');
  expect(bearerToken(['Bearer first', 'Bearer second'])).toBe('first');
  for (const h of [undefined, '', 'Bearer', 'Bearer   ', 'Basic abc', 'Token abc', 'abc'])
    expect(bearerToken(h)).toBeUndefined();
});

test('secrets compare equal only when they are', () => {
  expect(sameSecret('s3cret', 's3cret')).toBe(true);
  expect(sameSecret('s3cret', 's3cre')).toBe(false);
  expect(sameSecret('', 'x')).toBe(false);
});
