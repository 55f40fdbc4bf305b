// Secret redaction before any text leaves Baton (prompt, comment, check run, PR, log, store). Layers: secretlint's
// recommended preset (maintained vendor detectors), Baton's known formats (patterns.ts), and vendor-independent
// scanners (scan.ts: credential positions, bare random tokens, private keys, connection strings, base64- and
// percent-encoded forms). Each finding is replaced by `[REDACTED:<kind>]`; overlapping findings merge into one.
// Everything here is linear in the text, so hostile input cannot stall a job.
import { lintSource } from '@secretlint/core';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import { PATTERNS } from './patterns.js';
import {
  connectionFindings,
  keyedFindings,
  percentFindings,
  privateKeyFindings,
  tokenFindings,
  type Finding,
} from './scan.js';

export type { Finding };

export interface Redaction {
  text: string;
  findings: Finding[];
}

const SECRETLINT_CONFIG = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommended }] };

/** secretlint rule id → short kind ('@secretlint/secretlint-rule-github' → 'github'). */
function kindFromRule(ruleId: string | undefined): string {
  return (ruleId ?? 'secret').replace(/^@secretlint\/secretlint-rule-/, '').replace(/[^a-z0-9]+/gi, '_') || 'secret';
}

async function secretlintFindings(text: string): Promise<Finding[]> {
  const res = await lintSource({
    source: { filePath: 'untrusted.txt', content: text, contentType: 'text' },
    options: { config: SECRETLINT_CONFIG as never, noPhysicFilePath: true, maskSecrets: true },
  });
  return res.messages
    .filter((m) => Array.isArray(m.range) && m.range[1] > m.range[0])
    .map((m) => ({ kind: kindFromRule(m.ruleId), start: m.range[0], end: m.range[1] }));
}

/** Known vendor formats. */
export function patternFindings(text: string): Finding[] {
  const out: Finding[] = [];
  for (const p of PATTERNS) {
    p.re.lastIndex = 0;
    for (const m of text.matchAll(p.re)) {
      const secret = m.groups?.s ?? m[0];
      if (!secret) continue;
      const offset = m.groups?.s !== undefined ? m[0].lastIndexOf(secret) : 0;
      const start = (m.index ?? 0) + offset;
      out.push({ kind: p.kind, start, end: start + secret.length });
    }
  }
  return out;
}

/** Every synchronous layer except decoding: what decoded text is scanned with (one level deep). */
function plainFindings(text: string): Finding[] {
  return [
    ...privateKeyFindings(text),
    ...patternFindings(text),
    ...connectionFindings(text),
    ...keyedFindings(text),
    ...tokenFindings(text, () => []),
  ];
}

/**
 * All synchronous detectors. They look at a view of the text where the escapes `\n`, `\r`, `\t` (JSON, logs,
 * serialized payloads) are blanked to two spaces: same length, so offsets hold, and `\nghp_…` has its word boundary.
 */
export function detectSecrets(raw: string): Finding[] {
  if (!raw) return [];
  const text = raw.includes('\\') ? raw.replace(/\\[nrt]/g, '  ') : raw;
  return merge([
    ...privateKeyFindings(text),
    ...patternFindings(text),
    ...connectionFindings(text),
    ...keyedFindings(text),
    ...tokenFindings(text, plainFindings),
    ...percentFindings(text, plainFindings),
  ]);
}

/** Merge overlapping findings; the earliest-starting (then longest) names the merged one. */
function merge(findings: Finding[]): Finding[] {
  const sorted = [...findings].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Finding[] = [];
  for (const f of sorted) {
    const last = out[out.length - 1];
    if (last && f.start < last.end) last.end = Math.max(last.end, f.end);
    else out.push({ ...f });
  }
  return out;
}

export function applyRedactions(text: string, findings: Finding[]): string {
  let out = '';
  let at = 0;
  for (const f of findings) {
    out += text.slice(at, f.start) + `[REDACTED:${f.kind}]`;
    at = f.end;
  }
  return out + text.slice(at);
}

/** Baton's own layers only: synchronous, for places that cannot await (logs, the store, the GitHub port). */
export function redactSecretsSync(text: string): Redaction {
  if (!text) return { text, findings: [] };
  const findings = detectSecrets(text);
  return { text: findings.length ? applyRedactions(text, findings) : text, findings };
}

/** Shorthand: the redacted text. */
export function redact(text: string): string {
  return redactSecretsSync(text).text;
}

/** Every layer, secretlint included. */
export async function redactSecrets(text: string): Promise<Redaction> {
  if (!text) return { text, findings: [] };
  const findings = merge([...(await secretlintFindings(text)), ...detectSecrets(text)]);
  return { text: findings.length ? applyRedactions(text, findings) : text, findings };
}

/**
 * Redact every string inside a JSON-like value (webhook payloads at rest, log objects). Object keys take part as
 * context: `{ "password": "…" }` is judged like `password: "…"`.
 */
export function redactDeep<T>(value: T, depth = 0): T {
  if (depth > 64) return value;
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1)) as T;
  if (value && typeof value === 'object') {
    // Only plain data: errors, buffers, dates and class instances keep their identity (loggers serialize them).
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (typeof v === 'string' && v) {
        // Judge the pair as one assignment so the key name counts, then keep only the value part.
        const pair = `${JSON.stringify(k)}: ${JSON.stringify(v)}`;
        const findings = detectSecrets(pair);
        out[k] = findings.length ? redactedValue(pair, findings, k) : v;
      } else out[k] = redactDeep(v, depth + 1);
    }
    return out as T;
  }
  return value;
}

function redactedValue(pair: string, findings: Finding[], key: string): string {
  const redacted = applyRedactions(pair, findings);
  const prefix = `${JSON.stringify(key)}: `;
  const rest = redacted.startsWith(prefix) ? redacted.slice(prefix.length) : redacted;
  try {
    return JSON.parse(rest) as string;
  } catch {
    return rest.replace(/^"|"$/g, '');
  }
}

export interface CorpusItem {
  text: string;
  /** The planted secret values; each must be absent after redaction. */
  secrets: string[];
}

/** Share of planted secrets that no longer appear in the redacted text (1 = all caught). */
export async function redactionRecall(
  corpus: CorpusItem[],
): Promise<{ recall: number; total: number; missed: string[] }> {
  let total = 0;
  const missed: string[] = [];
  for (const item of corpus) {
    const { text } = await redactSecrets(item.text);
    for (const s of item.secrets) {
      total++;
      if (text.includes(s)) missed.push(s);
    }
  }
  return { recall: total ? (total - missed.length) / total : 1, total, missed };
}
