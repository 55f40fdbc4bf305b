// Parse a `git diff` / `git log -p` text into per-file patches shaped like GitHub's PR files listing.

export interface DiffFile {
  filename: string;
  status?: string;
  additions: number;
  deletions: number;
  /** Hunks only (from the first `@@`), as GitHub's `patch` field. Undefined for binary files. */
  patch?: string;
  binary?: boolean;
}

export function parseUnifiedDiff(text: string): DiffFile[] {
  const out: DiffFile[] = [];
  let cur: DiffFile | undefined;
  let hunks: string[] = [];
  let inHunk = false;
  const flush = () => {
    if (cur) {
      if (hunks.length) cur.patch = hunks.join('\n');
      out.push(cur);
    }
    cur = undefined;
    hunks = [];
    inHunk = false;
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('diff --git ')) {
      flush();
      const m = / b\/(.*)$/.exec(line);
      cur = { filename: m?.[1] ?? line.slice(11), status: 'modified', additions: 0, deletions: 0 };
      continue;
    }
    if (!cur) continue;
    if (!inHunk) {
      if (line.startsWith('new file mode')) cur.status = 'added';
      else if (line.startsWith('deleted file mode')) cur.status = 'removed';
      else if (line.startsWith('rename to ')) {
        cur.status = 'renamed';
        cur.filename = line.slice(10);
      } else if (line.startsWith('Binary files') || line.startsWith('GIT binary patch')) cur.binary = true;
    }
    if (line.startsWith('@@')) {
      inHunk = true;
      hunks.push(line);
      continue;
    }
    if (!inHunk) continue;
    // A commit header (from `git log -p`) ends the hunk section of the last file.
    if (line.startsWith('commit ') && /^commit [0-9a-f]{7,40}/.test(line)) {
      flush();
      continue;
    }
    if (line.startsWith('+')) cur.additions++;
    else if (line.startsWith('-')) cur.deletions++;
    else if (!line.startsWith(' ') && !line.startsWith('\\') && line !== '') continue;
    hunks.push(line);
  }
  flush();
  return out;
}
