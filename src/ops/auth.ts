// The one reading of `Authorization: Bearer <token>` and the one comparison of a presented secret with the
// configured one, for /metrics, the dashboard and the partner API alike. The scheme is case-insensitive
// (RFC 9110 §11.1: "bearer" and "Bearer" are the same scheme).
import { createHash, timingSafeEqual } from 'node:crypto';

/** The token of a Bearer Authorization header, or undefined when there is none. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const h = Array.isArray(header) ? header[0] : header;
  return /^bearer\s+(.*\S)\s*$/i.exec(h ?? '')?.[1];
}

/** Constant-time comparison on digests, so neither the content nor the length leaks through timing. */
export function sameSecret(given: string, expected: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(given), h(expected));
}
