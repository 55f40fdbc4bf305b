// Vendor-independent detectors, each a single left-to-right pass with bounded look-behind and look-ahead (linear in
// the text): values in a credential position (`KEY=…`, `key: "…"`, `"key": "…"`, JSON-escaped `\"…\"`, `--key …`,
// `<key>…</key>`, `Authorization: Bearer …`), bare random tokens with no name beside them, private key blocks,
// passwords in connection strings, and secrets hidden in base64 or percent-encoding.
import { classSwitchRate, decodeBase64, entropy, looksRandom, printable } from './entropy.js';
import { credentialKey, keyClass, type KeyClass } from './keys.js';

export interface Finding {
  kind: string;
  start: number;
  end: number;
}

const MAX_KEY = 64;
const MAX_VALUE = 512;

const PLACEHOLDER =
  /^(?:\$\{.{0,200}\}|\$[A-Za-z_][A-Za-z0-9_]{0,100}|<[^>]{0,200}>|\{\{.{0,200}\}\}|%\(?[a-z_]{1,40}\)?s?|x{3,}|X{3,}|\*{3,}|•{3,}|\.{3,}|_{3,}|-{3,}|0{6,}|changeme|change[-_]?me|your[-_ ].{0,100}|my[-_]?(?:password|secret|token|key)|example.{0,100}|dummy|redacted|null|nil|none|undefined|true|false|yes|no|on|off|required|optional|string|secret|password|token|\[REDACTED.{0,100})$/i;

function isKeyCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 45;
}
const isKeyChar = (c: string | undefined) => c !== undefined && isKeyCode(c.charCodeAt(0));

/** The key name that ends just before `end` (skipping quotes, backslashes and spaces), or undefined. */
function keyBefore(text: string, end: number): { key: string; start: number } | undefined {
  let j = end;
  let skipped = 0;
  while (j > 0 && skipped < 8 && /[\s"'`\\\]]/.test(text[j - 1]!) && text[j - 1] !== '\n') {
    j--;
    skipped++;
  }
  const keyEnd = j;
  while (j > 0 && keyEnd - j < MAX_KEY && isKeyChar(text[j - 1])) j--;
  if (j === keyEnd) return undefined;
  // `&quot;password&quot;: …` and `[password]` forms: strip the entity/bracket remains from the key.
  const key = text.slice(j, keyEnd).replace(/^(?:quot;|#34;|#39;)/, '');
  return key ? { key, start: j } : undefined;
}

/** The class of the key a value at `start` is assigned to (`sha: "…"`, `"integrity": "…"`), if any. */
function keyForValue(text: string, start: number): KeyClass | undefined {
  let j = start;
  while (j > 0 && start - j < 8 && /[\s"'`\\]/.test(text[j - 1]!) && text[j - 1] !== '\n') j--;
  if (j === 0 || !/[:=]/.test(text[j - 1]!)) return undefined;
  j--;
  if (j > 0 && /[:=>]/.test(text[j - 1]!)) j--;
  const k = keyBefore(text, j);
  return k ? keyClass(k.key) : undefined;
}

const BARE_VALUE = /[^\s'"`,;)}\]<>&\\|]{1,512}/y;
const SCHEME = /^(?:Bearer|Basic|Token|Digest|Bot|Key|ApiKey|SSWS|Splunk|GenieKey)[ \t]{1,4}/i;

const QUOTES = ['\\\\\\"', '\\"', "\\'", '&quot;', '&#34;', '"', "'", '`'];

/** The value starting at `from` (after the operator): its span and whether it was quoted. */
function valueAt(text: string, from: number): { start: number; end: number; quoted: boolean } | undefined {
  let i = from;
  let spaces = 0;
  while (i < text.length && spaces < 8 && (text[i] === ' ' || text[i] === '\t')) {
    i++;
    spaces++;
  }
  // `Authorization: Bearer …`, `Basic …`, `token …`: the credential is the word after the scheme.
  const scheme = SCHEME.exec(text.slice(i, i + 24));
  if (scheme) i += scheme[0].length;
  for (const q of QUOTES) {
    if (!text.startsWith(q, i)) continue;
    const start = i + q.length;
    const window = text.slice(start, start + MAX_VALUE + q.length);
    let near = window.indexOf(q);
    // A plain quote preceded by a backslash is escaped (JSON `"pw": "A=\"…\""`): the value runs on past it.
    while (near > 0 && q.length === 1 && window[near - 1] === '\\') near = window.indexOf(q, near + 1);
    const close = near < 0 ? -1 : start + near;
    if (close >= start) {
      const nl = text.slice(start, close).indexOf('\n');
      if (nl >= 0) return { start, end: start + nl, quoted: false };
      return { start, end: close, quoted: true };
    }
    i = start;
    break;
  }
  BARE_VALUE.lastIndex = i;
  const m = BARE_VALUE.exec(text);
  return m ? { start: i, end: i + m[0].length, quoted: false } : undefined;
}

/** A stand-in in a test or bench ('sk-test', 'g-bench'): short and saying so. */
const STAND_IN = /(^|[-_.])(test|tests|bench|fake|dummy|example|sample|placeholder|mock|local|dev|demo)([-_.]|$)/i;

const SEQUENTIAL = /0123|1234|2345|3456|4567|5678|6789|abcd|bcde|cdef|wxyz|qwert|asdf/i;

function credentialValue(v: string, cls: KeyClass, quoted: boolean, passphrase = false): boolean {
  if (cls === 'ordinary') return false;
  if (v.length < 6 || PLACEHOLDER.test(v) || v.includes('${') || v.includes('{{')) return false;
  if (v.length < 20 && STAND_IN.test(v)) return false;
  if (SEQUENTIAL.test(v)) return false; // documentation stand-ins: '1234567890abcdef…', 'usertoken123'
  if (
    /^(?:process\.env|os\.environ|os\.getenv|env\.|ENV\[|import\.meta|secrets\.|vars\.|inputs\.|config\.|settings\.|self\.|this\.)/.test(
      v,
    )
  )
    return false;
  if (!quoted) {
    // Bare values in code are usually expressions: calls, types, generics, optional chains, identifiers, paths.
    if (/[([<{?]/.test(v) || /!$/.test(v) || /^[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)+$/.test(v))
      return false;
    if (/^[A-Za-z_$][A-Za-z_$]*$/.test(v) && v.length < 24) return false; // `password: string`, `token = tok`
    if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(v) && (!/\d/.test(v) || classSwitchRate(v) < 0.3)) return false; // an identifier
    if (/^[!&|+*/^~-]/.test(v)) return false; // an operator: `ownPass: !!ownPass`
  }
  if (/^[a-z]+$/.test(v) && v.length < 16) return false; // a word, e.g. `secret: hidden`
  if (/\s/.test(v) && !passphrase) return false; // prose, e.g. `DUPLICATE_KEY: 'rename one of them'`
  if (/^\d{1,9}$/.test(v)) return false; // a number (a port, a count)
  if (/^(?:https?|file):\/\//i.test(v)) return false; // a URL: its password, if any, is the connection-string scan's
  if (cls === 'password') return entropy(v) >= 2.2;
  if (/^[a-z]+(?:[-_.][a-z]+)*\d{0,4}$/.test(v)) return false; // a name, e.g. `COOKIE = 'baton_dashboard'`
  return looksRandom(v, 'keyed') || (quoted && v.length >= 12 && entropy(v) >= 3.3);
}

const OPERATOR = /:=|=>|::|[:=]/g;

/** `key <op> value` where the key names a credential. */
export function keyedFindings(text: string): Finding[] {
  const out: Finding[] = [];
  const operator = new RegExp(OPERATOR); // per call: detectors nest (decoded text is scanned again)
  for (let m = operator.exec(text); m; m = operator.exec(text)) {
    if (m[0] === '::') continue; // C++/Rust paths, IPv6
    const k = keyBefore(text, m.index);
    if (!k) continue;
    const cls = credentialKey(k.key);
    if (!cls) continue;
    const v = valueAt(text, m.index + m[0].length);
    if (!v) continue;
    const scheme = SCHEME.exec(text.slice(v.start, Math.min(v.end, v.start + 24)));
    if (scheme) v.start += scheme[0].length;
    const value = text.slice(v.start, v.end);
    if (credentialValue(value, cls, v.quoted, /passphrase/i.test(k.key))) {
      out.push({ kind: cls === 'password' ? 'password' : 'credential', start: v.start, end: v.end });
      // Linear: operators inside a redacted value are not looked at again (escaped inner assignments are part of it).
      operator.lastIndex = Math.max(operator.lastIndex, v.end);
    }
  }
  return out.concat(flagFindings(text), xmlFindings(text));
}

const FLAG = /(?:^|[\s"'])--?([A-Za-z][A-Za-z0-9_-]{0,40})[ \t]{1,4}(["']?)([^\s"'\\]{6,256})\2/g;

/** `--password hunter2`, `-token abc…` on a command line. */
function flagFindings(text: string): Finding[] {
  const out: Finding[] = [];
  const flag = new RegExp(FLAG); // per call: detectors nest (decoded text is scanned again)
  for (let m = flag.exec(text); m; m = flag.exec(text)) {
    const cls = keyClass(m[1]!);
    if (!cls || cls === 'ordinary') continue;
    const value = m[3]!;
    if (!credentialValue(value, cls, Boolean(m[2]))) continue;
    const start = m.index + m[0].lastIndexOf(value);
    out.push({ kind: cls === 'password' ? 'password' : 'credential', start, end: start + value.length });
  }
  return out;
}

const XML = /<([A-Za-z_][A-Za-z0-9_.:-]{0,63})>([^<\s]{6,512})<\/\1>/g;

/** `<password>…</password>` in XML configs (Maven settings, .NET, Spring). */
function xmlFindings(text: string): Finding[] {
  const out: Finding[] = [];
  const xml = new RegExp(XML); // per call: detectors nest (decoded text is scanned again)
  for (let m = xml.exec(text); m; m = xml.exec(text)) {
    const cls = keyClass(m[1]!.replace(/^.*:/, ''));
    if (!cls || cls === 'ordinary' || !credentialValue(m[2]!, cls, true)) continue;
    const start = m.index + m[1]!.length + 2;
    out.push({ kind: cls === 'password' ? 'password' : 'credential', start, end: start + m[2]!.length });
  }
  return out;
}

const CONNECTION = /:\/\/([^\s:/@'"`]{0,64}):([^\s@'"`/]{1,128})@[^\s/'"`]{1,255}/g;

/** `scheme://user:password@host`: only the password is a secret; the user and host stay readable. */
export function connectionFindings(text: string): Finding[] {
  const out: Finding[] = [];
  const connection = new RegExp(CONNECTION); // per call: detectors nest (decoded text is scanned again)
  for (let m = connection.exec(text); m; m = connection.exec(text)) {
    const pw = m[2]!;
    if (PLACEHOLDER.test(pw) || /^(?:\$\{?[A-Za-z_]+\}?|pass(?:word)?|secret|pwd|%[0-9a-f]{2}.{0,3})$/i.test(pw))
      continue;
    const start = m.index + 3 + m[1]!.length + 1;
    out.push({ kind: 'connection_string', start, end: start + pw.length });
  }
  return out;
}

/** PEM / OpenSSH / PGP private key blocks, from BEGIN to END (or to the end of the text when END is missing). */
export function privateKeyFindings(text: string): Finding[] {
  const out: Finding[] = [];
  let at = 0;
  for (;;) {
    const begin = text.indexOf('-----BEGIN ', at);
    if (begin < 0) break;
    const headerEnd = text.indexOf('-----', begin + 11);
    if (headerEnd < 0 || headerEnd - begin > 80) {
      at = begin + 11;
      continue;
    }
    const header = text.slice(begin + 11, headerEnd);
    if (!/^(?:[A-Z0-9]+ ){0,4}PRIVATE KEY(?: BLOCK)?$/.test(header)) {
      at = headerEnd + 5;
      continue;
    }
    const end = text.indexOf('-----END ', headerEnd);
    const close = end < 0 ? -1 : text.indexOf('-----', end + 9);
    const stop = close < 0 || close - end > 80 ? text.length : close + 5;
    out.push({ kind: 'private_key', start: begin, end: stop });
    at = stop;
  }
  return out;
}

// Runs of base64 / base64url characters: bare tokens, and candidates for encoded secrets.
const TOKEN_RUN = /[A-Za-z0-9+/_-]{16,}={0,2}/g;
const DATA_BEFORE = /(?:base64,|sha(?:1|256|384|512)[-:]|h1:|md5[-:])$/i;
const HASH_PREFIX = /^(?:sha(?:1|256|384|512)-|-+)/;

/**
 * Bare random tokens (no name beside them: an AWS secret key pasted alone, a token in prose) and base64 that decodes
 * to text holding a secret. `inner` detects secrets in decoded text (the layered pattern detectors, one level deep).
 */
export function tokenFindings(text: string, inner: (decoded: string) => Finding[]): Finding[] {
  const out: Finding[] = [];
  const tokenRun = new RegExp(TOKEN_RUN); // per call: detectors nest (decoded text is scanned again)
  for (let m = tokenRun.exec(text); m; m = tokenRun.exec(text)) {
    let start = m.index;
    let run = m[0];
    const lead = HASH_PREFIX.exec(run);
    if (lead?.[0].startsWith('sha')) continue; // subresource integrity: sha512-…
    if (lead) {
      start += lead[0].length;
      run = run.slice(lead[0].length);
    }
    run = run.replace(/[-_]+$/, '');
    if (run.length < 16 || DATA_BEFORE.test(text.slice(Math.max(0, start - 8), start))) continue;
    // Next to a %XX escape the run is a piece of percent-encoded text: percentFindings judges it decoded.
    if (text[start - 3] === '%' || text[start + run.length] === '%') continue;
    const bytes = run.length <= 8192 ? decodeBase64(run) : undefined;
    if (bytes && printable(bytes)) {
      const decoded = bytes.toString('utf8');
      const found = inner(decoded);
      if (found.length) out.push({ kind: `base64_${found[0]!.kind}`, start, end: start + run.length });
      continue;
    }
    if (keyForValue(text, start) === 'ordinary') continue;
    if (run.length > 256) continue; // binary data (images, fonts), not a credential
    for (const piece of run.split('/').length > 3 ? run.split('/') : [run]) {
      // A path-like run (a/b/c/d) is judged piece by piece: one random piece is a token in a URL.
      if (looksRandom(piece, 'bare')) {
        const at = start + run.indexOf(piece);
        out.push({ kind: 'high_entropy_token', start: at, end: at + piece.length });
      }
    }
  }
  return out;
}

const PERCENT = /%[0-9A-Fa-f]{2}/g;

/** Percent-encoded text (query strings, form bodies) decoded and scanned; a secret inside redacts the whole run. */
export function percentFindings(text: string, inner: (decoded: string) => Finding[]): Finding[] {
  const out: Finding[] = [];
  const percent = new RegExp(PERCENT); // per call: detectors nest (decoded text is scanned again)
  for (let m = percent.exec(text); m; m = percent.exec(text)) {
    let s = m.index;
    let e = m.index;
    while (s > 0 && m.index - s < MAX_VALUE && !/[\s"'<>]/.test(text[s - 1]!)) s--;
    while (e < text.length && e - m.index < MAX_VALUE && !/[\s"'<>]/.test(text[e]!)) e++;
    percent.lastIndex = e;
    let decoded: string;
    try {
      decoded = decodeURIComponent(text.slice(s, e).replace(/\+/g, ' '));
    } catch {
      continue;
    }
    const found = inner(decoded);
    if (found.length) out.push({ kind: `encoded_${found[0]!.kind}`, start: s, end: e });
  }
  return out;
}
