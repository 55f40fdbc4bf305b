// What a random credential looks like, without knowing its vendor: enough length, enough entropy, and the character
// mix of random bytes (digits and case changes everywhere) rather than of words, identifiers, hashes or UUIDs.

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  if (!s) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

const HEX = /^[0-9a-fA-F]+$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export const isHex = (s: string): boolean => HEX.test(s);
export const isUuid = (s: string): boolean => UUID.test(s);

function classOf(c: number): number {
  if (c >= 48 && c <= 57) return 0; // digit
  if (c >= 65 && c <= 90) return 1; // upper
  if (c >= 97 && c <= 122) return 2; // lower
  return 3;
}

/** Share of adjacent characters whose class (digit / upper / lower / other) differs. Random base62 ≈ 0.6; camelCase ≈ 0.2. */
export function classSwitchRate(s: string): number {
  if (s.length < 2) return 0;
  let switches = 0;
  let prev = classOf(s.charCodeAt(0));
  for (let i = 1; i < s.length; i++) {
    const c = classOf(s.charCodeAt(i));
    if (c !== prev) switches++;
    prev = c;
  }
  return switches / (s.length - 1);
}

function classes(s: string): { digit: number; upper: number; lower: number } {
  let digit = 0;
  let upper = 0;
  let lower = 0;
  for (let i = 0; i < s.length; i++) {
    const k = classOf(s.charCodeAt(i));
    if (k === 0) digit++;
    else if (k === 1) upper++;
    else if (k === 2) lower++;
  }
  return { digit, upper, lower };
}

/**
 * Bytes as text: mostly printable ASCII/UTF-8 (so base64 of a sentence, a JSON document or a config file), not the
 * random bytes a key is made of.
 */
export function printable(buf: Buffer): boolean {
  if (buf.length < 4) return false;
  let ok = 0;
  for (const b of buf) if ((b >= 32 && b < 127) || b === 9 || b === 10 || b === 13) ok++;
  return ok / buf.length >= 0.95;
}

const B64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** Decode base64/base64url text when it is well formed (length, padding); undefined otherwise. */
export function decodeBase64(s: string): Buffer | undefined {
  if (s.length < 16 || !B64.test(s)) return undefined;
  const core = s.replace(/=+$/, '');
  if (core.length % 4 === 1) return undefined;
  return Buffer.from(core.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/**
 * Does this token look like random key material? Used for values with no vendor prefix: bare tokens (strict) and
 * values in a credential position (lenient). Hex and UUIDs are ordinary identifiers (hashes, ids) unless the key
 * says otherwise, so they are never "random-looking" here; base64 that decodes to text is data, not a key.
 */
export function looksRandom(s: string, strictness: 'bare' | 'keyed'): boolean {
  const n = s.length;
  if (isUuid(s)) return false;
  if (isHex(s)) return strictness === 'keyed' && n >= 16 && entropy(s) >= 3;
  const { digit, upper, lower } = classes(s);
  const letters = upper + lower;
  if (strictness === 'bare') {
    if (n < 32 || !digit || !upper || !lower) return false;
    if (entropy(s) < 4.2 || classSwitchRate(s) < 0.35) return false;
    // A long identifier made of dictionary words has long runs of lower-case letters; random text rarely does.
    if (/[a-z]{10}/.test(s)) return false;
  } else {
    if (n < 8) return false;
    const kinds = (digit ? 1 : 0) + (upper ? 1 : 0) + (lower ? 1 : 0) + (n - digit - letters > 0 ? 1 : 0);
    if (kinds < 2 || entropy(s) < 3) return false;
  }
  const bytes = decodeBase64(s);
  return !(bytes && printable(bytes));
}
