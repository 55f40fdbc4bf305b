// How a pull request is tied to an issue without asking GitHub: closing keywords in its title/body ("Fixes #12",
// "closes acme/web#12") and issue numbers in its branch name ("12-login", "feature/12-login", "issue-12").
const KEYWORD = /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+(?:([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+))?#(\d+)\b/gi;
const BRANCH = /(?:^|\/)(?:issue[-_]?|gh[-_]?)?(\d{1,7})(?=[-_/]|$)/i;
const COMMAND = /^\/baton\s+([a-z][a-z0-9-]*)\b(.*)$/im;

export function issuesFromKeywords(text: string | null | undefined, repoFullName: string): number[] {
  if (!text) return [];
  const out: number[] = [];
  for (const m of text.matchAll(KEYWORD)) {
    if (m[1] && m[1].toLowerCase() !== repoFullName.toLowerCase()) continue;
    const n = Number(m[2]);
    if (!out.includes(n)) out.push(n);
  }
  return out;
}

export function issueFromBranch(ref: string | null | undefined): number | undefined {
  if (!ref) return undefined;
  const m = BRANCH.exec(ref);
  return m ? Number(m[1]) : undefined;
}

/** The issue a PR belongs to by its own text, and how; keywords win over the branch name. */
export function linkedIssue(
  pr: { title?: string | null; body?: string | null; head?: { ref?: string } },
  repoFullName: string,
): { issue: number; by: 'keyword' | 'branch' } | undefined {
  const kw = issuesFromKeywords(`${pr.title ?? ''}\n${pr.body ?? ''}`, repoFullName);
  if (kw.length) return { issue: kw[0]!, by: 'keyword' };
  const b = issueFromBranch(pr.head?.ref);
  return b !== undefined ? { issue: b, by: 'branch' } : undefined;
}

/** `/baton <command> args…` anywhere at the start of a line of a comment. */
export function parseCommand(body: string | null | undefined): { command: string; args: string[] } | undefined {
  if (!body) return undefined;
  const m = COMMAND.exec(body);
  if (!m) return undefined;
  return { command: m[1]!.toLowerCase(), args: m[2]!.trim().split(/\s+/).filter(Boolean).slice(0, 10) };
}

/** Issue/PR numbers an issue body refers to ("regression from #123"), for defect-escape KPIs. */
export function references(text: string | null | undefined): number[] {
  if (!text) return [];
  return [...new Set([...text.matchAll(/(?:^|[\s(])#(\d{1,7})\b/g)].map((m) => Number(m[1])))].slice(0, 20);
}
