// Building blocks of the tasks' answer checks (LlmRequest.check): each returns why an answer is wrong, or
// undefined. They compare a schema-valid answer with what Baton itself computed, so the cascade escalates on a
// wrong answer and not only on a malformed one.

/** Path-like words in prose ("src/auth/login.ts", "package.json"): a directory part or a known extension. */
const PATH_WORD =
  /(?<![\w@/.-])((?:[\w.-]+\/)+[\w.-]+\.[A-Za-z]{1,8}|[\w-]+\.(?:ts|tsx|js|jsx|mjs|cjs|json|ya?ml|toml|lock|sql|py|go|rs|rb|java|kt|md|tf|sh))(?![\w/-])/g;

export function pathsIn(text: string): string[] {
  return [...text.matchAll(PATH_WORD)].map((m) => m[1]!.replace(/[.,;:]+$/, ''));
}

/** Names a file that is not in the change (invented, or from another PR). */
export function filesOutside(named: Iterable<string>, files: readonly string[]): string | undefined {
  const known = new Set(files);
  const base = new Set(files.map((f) => f.slice(f.lastIndexOf('/') + 1)));
  for (const n of named) {
    const clean = n.trim().replace(/^\.?\//, '');
    if (!clean) continue;
    if (known.has(clean) || (!clean.includes('/') && base.has(clean))) continue;
    return `names ${clean}, which is not in the change`;
  }
  return undefined;
}

/** Every fact (a file, a symbol, a number) must appear in the text; case-sensitive, as code is. */
export function missing(text: string, facts: readonly string[], what: string): string | undefined {
  const absent = facts.filter((f) => !text.includes(f));
  return absent.length
    ? `does not mention ${what} ${absent.slice(0, 3).join(', ')}${absent.length > 3 ? '…' : ''}`
    : undefined;
}

/** Numbers in the text that are not among the given ones (a digest must use only the numbers it was given). */
export function numbersOutside(text: string, allowed: readonly number[]): string | undefined {
  const ok = new Set(allowed.map((n) => String(n)));
  for (const m of text.matchAll(/(?<![\w.#-])(\d+(?:\.\d+)?)(?![\w.])/g)) {
    if (!ok.has(m[1]!) && !ok.has(String(Number(m[1])))) return `uses the number ${m[1]}, which it was not given`;
  }
  return undefined;
}

/** Every number in a JSON-like value, and the numbers written in its strings (dates, "#12"), rounded forms too. */
export function numbersOf(value: unknown): number[] {
  const out: number[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'number' && Number.isFinite(v)) {
      out.push(v, Math.round(v), Math.round(v * 10) / 10, Math.round(v * 100) / 100, Math.round(v * 100));
    } else if (typeof v === 'string') for (const m of v.matchAll(/\d+(?:\.\d+)?/g)) out.push(Number(m[0]));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(value);
  return out;
}

/** A trend told the wrong way round ("slower" for a week that got faster): `delta` > 0 means `up` is right. */
export function contradicts(
  text: string,
  delta: number | null | undefined,
  words: { up: string; down: string },
): string | undefined {
  if (!delta) return undefined;
  const wrong = delta > 0 ? words.down : words.up;
  return new RegExp(`\\b${wrong}\\b`, 'i').test(text) ? `says "${wrong}" where the trend is the other way` : undefined;
}

export function firstProblem(...problems: Array<string | undefined>): string | undefined {
  return problems.find((p) => p !== undefined);
}

const clamp01 = (x: number) => Math.max(0, Math.min(1, x));

/**
 * Difficulty of a change for a model, 0 … 1: size (log of changed lines), spread (directories and how evenly the
 * lines are spread) and the offline risk level; weights so a one-file typo is ≈ 0.1 and a 40-file high-risk change
 * is ≈ 1.
 */
export function changeDifficulty(c: {
  lines: number;
  dirs: number;
  entropy: number;
  level?: 'low' | 'medium' | 'high';
}): number {
  const size = clamp01(Math.log10(1 + Math.max(0, c.lines)) / 3.3);
  const spread = clamp01(0.6 * clamp01((c.dirs - 1) / 6) + 0.4 * clamp01(c.entropy));
  const level = c.level === 'high' ? 1 : c.level === 'medium' ? 0.5 : 0;
  return Math.round(clamp01(0.4 * size + 0.25 * spread + 0.35 * level) * 1000) / 1000;
}
