// The last gate before text reaches GitHub: every body, title and summary Baton writes passes through here, so a
// secret no upstream redaction caught is still redacted, and nothing exceeds what GitHub accepts (it answers 422
// over its limits). Mentions and links are not touched here — Baton's own templates ping owners on purpose; the
// sanitizer (tasks/sanitize.ts) treats untrusted text before it is placed in a template.
import { redact } from '../tasks/redact/redact.js';

/**
 * GitHub's limits, in characters. Issue, PR and comment bodies: 65,536 (the REST API answers 422 "body is too long").
 * Check-run output summary and text: 65,535 each; annotation message 64 KB; titles are short lines.
 * https://docs.github.com/en/rest/checks/runs#create-a-check-run
 */
export const GITHUB_LIMITS = {
  body: 65_536,
  issueTitle: 256,
  checkSummary: 65_535,
  checkTitle: 255,
  annotationMessage: 64 * 1024 - 1,
  annotationTitle: 255,
  commitMessage: 65_536,
} as const;

/** Redacted and clipped to `limit`, with a pointer saying what was cut and where the rest is. */
export function outbound(text: string, limit: number, pointer = 'the rest is in Baton’s logs and dashboard'): string {
  // Redact a bounded window only: the tail past the limit is dropped anyway.
  const safe = redact(text.length > limit + 1024 ? text.slice(0, limit + 1024) : text);
  if (safe.length <= limit) return safe;
  const note = `\n\n… truncated by Baton to GitHub’s ${limit.toLocaleString('en-US')}-character limit (${(text.length - limit).toLocaleString('en-US')}+ characters left out; ${pointer}).`;
  let cut = Math.max(0, limit - note.length);
  if (cut > 0 && /[\ud800-\udbff]/.test(safe[cut - 1]!)) cut--;
  return safe.slice(0, cut) + note;
}

/** A one-line field (a title): redacted, no newlines, clipped. */
export function outboundLine(text: string, limit: number): string {
  const one = redact(text.slice(0, limit * 4)).replace(/\s+/g, ' ');
  return one.length <= limit ? one : `${one.slice(0, limit - 1)}…`;
}
