// The docs answer's own check: it covers every export the change adds or changes, and names only files in it.
import { changeDifficulty, filesOutside, firstProblem, missing, pathsIn } from '../../llm/checks.js';
import type { DocsAnswer } from './run.js';

const EXPORT =
  /^\+\s*export\s+(?:default\s+)?(?:declare\s+)?(?:async\s+)?(?:function\*?|const|let|var|class|interface|type|enum|abstract\s+class)\s+([A-Za-z_$][\w$]*)/gm;

/** Names exported by added lines of the patches (what a docs summary must cover), in order, at most 12. */
export function changedExports(files: ReadonlyArray<{ patch?: string | null }>): string[] {
  const out = new Set<string>();
  for (const f of files) for (const m of (f.patch ?? '').matchAll(EXPORT)) out.add(m[1]!);
  return [...out].slice(0, 12);
}

/** Names exported by removed lines and not added back: a breaking change the summary must call out. */
export function removedExports(files: ReadonlyArray<{ patch?: string | null }>): string[] {
  const added = new Set(changedExports(files));
  const out = new Set<string>();
  for (const f of files)
    for (const m of (f.patch ?? '').matchAll(new RegExp(EXPORT.source.replace('^\\+', '^-'), 'gm')))
      if (!added.has(m[1]!)) out.add(m[1]!);
  return [...out].slice(0, 12);
}

export function docsCheck(exports: readonly string[], files: readonly string[], removed: readonly string[] = []) {
  return ({ data }: { text: string; data?: DocsAnswer }): string | undefined => {
    if (!data) return 'no structured answer';
    const prose = [data.changelog_entry, data.summary, ...data.what_changed, data.why, data.how_to_use].join('\n');
    return firstProblem(
      filesOutside(pathsIn(prose), files),
      missing(prose, exports, 'the changed export'),
      missing(prose, removed, 'the removed export'),
      removed.length && !/\bbreaking\b/i.test(prose) ? 'does not call the removal a breaking change' : undefined,
    );
  };
}

export function docsDifficulty(
  files: ReadonlyArray<{ filename: string; additions: number; deletions: number }>,
  exports: readonly string[],
): number {
  const lines = files.reduce((a, f) => a + f.additions + f.deletions, 0);
  const dirs = new Set(
    files.map((f) => (f.filename.includes('/') ? f.filename.slice(0, f.filename.lastIndexOf('/')) : '.')),
  ).size;
  // Many exports to cover is what makes a summary hard; stand in for the risk level with their count.
  const level = exports.length >= 6 ? 'high' : exports.length >= 3 ? 'medium' : 'low';
  return changeDifficulty({ lines, dirs, entropy: Math.min(1, files.length / 10), level });
}
