// `--base-dir DIR`: resolves `extends: owner/repo:path@ref` from a local checkout of the org's flows, so a lead can
// check overrides and extends loops before pushing. DIR/owner/repo@ref/path is tried first (a pinned ref), then
// DIR/owner/repo/path. The problem path names the ref form, as GitHub resolution would.
import { readFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { BaseRef, FetchBase } from './extends.js';

export function localBaseFetcher(baseDir: string): FetchBase {
  const root = resolve(baseDir);
  return async (ref: BaseRef) => {
    const candidates = [
      ...(ref.ref ? [join(root, ref.owner, `${ref.repo}@${ref.ref}`, ref.path)] : []),
      join(root, ref.owner, ref.repo, ref.path),
    ];
    for (const file of candidates) {
      // A `path` of ../../x must not read outside the base directory.
      if (!resolve(file).startsWith(root + sep)) return undefined;
      try {
        const text = await readFile(file, 'utf8');
        return { text, path: `${ref.owner}/${ref.repo}:${ref.path}${ref.ref ? `@${ref.ref}` : ''}` };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    return undefined;
  };
}
