// Pack a PR's diff into a token budget: summarise what is not worth sending, send the riskiest source hunks first,
// trim context, and report exactly what was left out so the comment can say so.
//
// Speed: tokenizing a 50,000-line diff costs seconds, so selection runs on a character-based estimate
// (conservatively ~3 chars/token for code) and only the packed text — at most the budget — is tokenized exactly.
import { countTokens as countRaw } from 'gpt-tokenizer';
import { sensitiveMatcher } from '../risk/paths.js';
import { skipReason } from './classify.js';
import type { DiffFile } from './diff.js';

/** A file to pack: a PR file as GitHub lists it, or one parsed from a local diff (the same shape). */
export type PackInputFile = DiffFile;

export interface Omission {
  file: string;
  reason: string;
}

export interface PackResult {
  text: string;
  /** Exact tokens of `text` (o200k). */
  tokens: number;
  /** Tokens of the raw patches: exact for small diffs, estimated (chars / 3.5) above `exactRawChars`. */
  rawTokens: number;
  omitted: Omission[];
}

export interface PackOptions {
  budget: number;
  sensitivePaths?: string[];
  /** One file may take at most this share of the budget, so one huge file cannot crowd out the rest. Default 0.35. */
  maxFileShare?: number;
  /** Context lines kept around each change (GitHub sends 3). Default 2. */
  context?: number;
  /** Up to this many raw characters rawTokens is counted exactly. Default 200,000. */
  exactRawChars?: number;
}

// Diffs are hostile input: "<|endoftext|>" in a file must count as plain text, not throw.
const PLAIN = { disallowedSpecial: new Set<string>() };
export function countTokens(text: string): number {
  return text ? countRaw(text, PLAIN) : 0;
}

const CHARS_PER_TOKEN_SAFE = 3; // estimate used for selection: overestimates tokens for typical code, so we rarely overshoot
const CHARS_PER_TOKEN_RAW = 3.5; // estimate reported for huge raw diffs

const estimate = (s: string) => Math.ceil(s.length / CHARS_PER_TOKEN_SAFE);

interface Hunk {
  header: string;
  lines: string[];
}

function splitHunks(patch: string): Hunk[] {
  const hunks: Hunk[] = [];
  for (const line of patch.split('\n')) {
    if (line.startsWith('@@')) hunks.push({ header: line, lines: [] });
    else {
      const last = hunks[hunks.length - 1];
      if (last) last.lines.push(line);
      else hunks.push({ header: '@@', lines: [line] });
    }
  }
  return hunks;
}

/** Keep changed lines and `ctx` lines of context around them; longer unchanged runs become one `…` line. */
export function trimContext(lines: string[], ctx: number): string[] {
  const changed = lines.map((l) => l.startsWith('+') || l.startsWith('-'));
  const keep = new Array<boolean>(lines.length).fill(false);
  changed.forEach((c, i) => {
    if (!c) return;
    for (let j = Math.max(0, i - ctx); j <= Math.min(lines.length - 1, i + ctx); j++) keep[j] = true;
  });
  const out: string[] = [];
  let skipped = false;
  lines.forEach((l, i) => {
    if (keep[i]) {
      out.push(l);
      skipped = false;
    } else if (!skipped) {
      out.push(' …');
      skipped = true;
    }
  });
  return out;
}

/** The longest prefix of whole lines within `max` tokens (binary search; the text is already budget-sized). */
function truncateToTokens(text: string, max: number): string {
  const lines = text.split('\n');
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (countTokens(lines.slice(0, mid).join('\n')) <= max) lo = mid;
    else hi = mid - 1;
  }
  return lines.slice(0, lo).join('\n');
}

interface Section {
  file: string;
  priority: number; // lower goes first
  text: string;
  est: number;
}

export function packDiff(files: PackInputFile[], opts: PackOptions): PackResult {
  const budget = Math.max(200, opts.budget);
  const ctx = opts.context ?? 2;
  const fileCap = Math.max(300, Math.floor(budget * (opts.maxFileShare ?? 0.35)));
  const isSensitive = sensitiveMatcher(opts.sensitivePaths);
  const omitted: Omission[] = [];
  const summaries: string[] = [];
  const candidates: Array<{ f: PackInputFile; sensitive: boolean }> = [];

  let rawChars = 0;
  for (const f of files) rawChars += (f.patch?.length ?? 0) + f.filename.length + 16;

  for (const f of files) {
    const why = skipReason(f);
    if (why) {
      summaries.push(`- \`${f.filename}\` (${why}, +${f.additions}/-${f.deletions})`);
      omitted.push({ file: f.filename, reason: why });
    } else if (!f.patch) {
      summaries.push(
        `- \`${f.filename}\` (${f.status ?? 'changed'}, +${f.additions}/-${f.deletions}, no diff available)`,
      );
      omitted.push({ file: f.filename, reason: 'no diff available (too large or renamed only)' });
    } else candidates.push({ f, sensitive: isSensitive(f.filename) });
  }

  // Sensitive paths first, then the biggest changes: that is where a reviewer's attention (and a model's) pays.
  candidates.sort(
    (a, b) =>
      Number(b.sensitive) - Number(a.sensitive) ||
      b.f.additions + b.f.deletions - (a.f.additions + a.f.deletions) ||
      a.f.filename.localeCompare(b.f.filename),
  );

  const header = summaries.length ? `Not sent (summarised):\n${summaries.join('\n')}\n\n` : '';
  let left = budget - estimate(header) - 50;
  const sections: Section[] = [];
  candidates.forEach(({ f, sensitive }, idx) => {
    const head = `### ${f.filename} (${f.status ?? 'modified'}, +${f.additions}/-${f.deletions})${sensitive ? ' [sensitive]' : ''}\n`;
    const cap = Math.min(fileCap, left);
    if (cap <= estimate(head) + 20) {
      omitted.push({ file: f.filename, reason: 'over token budget' });
      return;
    }
    const hunks = splitHunks(f.patch!);
    let body = '';
    let kept = 0;
    for (const h of hunks) {
      const piece = `${h.header}\n${trimContext(h.lines, ctx).join('\n')}\n`;
      if (estimate(head + body + piece) > cap) break;
      body += piece;
      kept++;
    }
    const firstHunk = hunks[0];
    if (kept === 0 && firstHunk) {
      // Even the first hunk is too big: send its beginning, cut at a line boundary.
      const first = `${firstHunk.header}\n${trimContext(firstHunk.lines, ctx).join('\n')}`;
      const room = Math.max(0, (cap - estimate(head)) * CHARS_PER_TOKEN_SAFE - 40);
      const cut = first.lastIndexOf('\n', room);
      body = first.slice(0, cut > 0 ? cut : room) + '\n … (hunk truncated)\n';
      omitted.push({
        file: f.filename,
        reason: `truncated: ${hunks.length > 1 ? `${hunks.length - 1} of ${hunks.length} hunks and ` : ''}the end of a long hunk omitted (token budget)`,
      });
    } else if (kept < hunks.length) {
      body += ` … (${hunks.length - kept} more hunks omitted)\n`;
      omitted.push({
        file: f.filename,
        reason: `${hunks.length - kept} of ${hunks.length} hunks omitted (token budget)`,
      });
    }
    const text = head + body;
    sections.push({ file: f.filename, priority: idx, text, est: estimate(text) });
    left -= estimate(text);
  });

  // Exact check on the packed text only. When the estimate was optimistic (very repetitive text tokenizes densely),
  // keep sections in priority order while they fit and cut the first one that does not at a line boundary.
  let text = header + sections.map((s) => s.text).join('\n');
  let tokens = countTokens(text);
  if (tokens > budget) {
    let room = budget - countTokens(header) - 10;
    const kept: string[] = [];
    for (const sec of sections) {
      const t = countTokens(sec.text) + 1;
      if (t <= room) {
        kept.push(sec.text);
        room -= t;
        continue;
      }
      const cut = room > 60 ? truncateToTokens(sec.text, room - 15) : '';
      const prior = omitted.findIndex((o) => o.file === sec.file);
      if (prior >= 0) omitted.splice(prior, 1);
      if (cut) {
        kept.push(cut + '\n … (rest of file omitted)\n');
        omitted.push({ file: sec.file, reason: 'truncated (token budget)' });
      } else omitted.push({ file: sec.file, reason: 'over token budget' });
      room = 0;
    }
    text = header + kept.join('\n');
    tokens = countTokens(text);
  }
  if (tokens > budget) {
    // Only the summary list is left and it alone is too long: cut it.
    text = truncateToTokens(text, budget - 5) + '\n…';
    tokens = countTokens(text);
  }
  const rawTokens =
    rawChars <= (opts.exactRawChars ?? 200_000)
      ? files.reduce((a, f) => a + (f.patch ? countTokens(f.patch) : 0), 0)
      : Math.ceil(rawChars / CHARS_PER_TOKEN_RAW);
  return { text, tokens, rawTokens, omitted };
}
