// The cache key: same task, tier and (normalised) prompt/system/schema → same answer, so a redelivered webhook,
// a job retry or a restart never pays twice.
import { createHash } from 'node:crypto';

/** Whitespace-only differences (CRLF, trailing spaces, runs of blank lines) must not miss the cache. */
export function normalisePrompt(s: string): string {
  return s
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.replace(/[ \t]+$/, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export function cacheKey(parts: {
  task: string;
  tier: string;
  system: string;
  prompt: string;
  schemaName: string;
}): string {
  const h = createHash('sha256');
  h.update(
    JSON.stringify([
      parts.task,
      parts.tier,
      normalisePrompt(parts.system),
      normalisePrompt(parts.prompt),
      parts.schemaName,
    ]),
  );
  return `llm:${h.digest('hex')}`;
}
