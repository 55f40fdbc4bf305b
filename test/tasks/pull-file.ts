// A PR file as GitHub's "List pull request files" returns it (filename, status, counts, patch), for the pure
// packing and classification tests that need no GitHub at all.
import type { PullFile } from '../../src/github/port.js';

export function file(
  filename: string,
  additions: number,
  deletions: number,
  patch?: string,
  status = 'modified',
): PullFile {
  return {
    filename,
    status,
    additions,
    deletions,
    changes: additions + deletions,
    patch:
      patch ??
      `@@ -1,${deletions} +1,${additions} @@\n${'-old\n'.repeat(deletions)}${'+new\n'.repeat(additions)}`.trimEnd(),
  };
}
