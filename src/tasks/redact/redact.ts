// Secret redaction before any text leaves for a model provider (and again on what comes back). Two layers:
// secretlint's recommended preset (maintained detectors for cloud keys and vendor tokens) and Baton's patterns
// (patterns.ts) for generic assignments, connection strings and formats the preset leaves out. Each finding is
// replaced by `[REDACTED:<kind>]`; overlapping findings merge into one.
import { lintSource } from '@secretlint/core';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import { PATTERNS } from './patterns.js';

export interface Finding {
  kind: string;
  start: number;
  end: number;
}

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

export function patternFindings(text: string): Finding[] {
  const out: Finding[] = [];
  for (const p of PATTERNS) {
    p.re.lastIndex = 0;
    for (const m of text.matchAll(p.re)) {
      const secret = m.groups?.s ?? m[0];
      if (!secret || (p.accept && !p.accept(secret, m))) continue;
      const offset = m.groups?.s !== undefined ? m[0].lastIndexOf(secret) : 0;
      const start = (m.index ?? 0) + offset;
      out.push({ kind: p.kind, start, end: start + secret.length });
    }
  }
  return out;
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

/** Pattern layer only: synchronous, for places that cannot await (and as a second pass). */
export function redactSecretsSync(text: string): Redaction {
  const findings = merge(patternFindings(text));
  return { text: applyRedactions(text, findings), findings };
}

export async function redactSecrets(text: string): Promise<Redaction> {
  if (!text) return { text, findings: [] };
  const findings = merge([...(await secretlintFindings(text)), ...patternFindings(text)]);
  return { text: applyRedactions(text, findings), findings };
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
