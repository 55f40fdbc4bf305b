// How a pull request is tied to an issue without asking GitHub: closing keywords in its title/body ("Fixes #12",
// "closes acme/web#12") and issue numbers in its branch name ("12-login", "feature/12-login", "issue-12").
// Linear: the separator is one bounded run ("Fixes #1", "Fixes: #1"), never two quantifiers that can trade characters.
const KEYWORD =
  /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)(?=[\s:])[\s:]{1,16}(?:([A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}))?#(\d{1,9})\b/gi;
/** GitHub caps PR and issue bodies at 65,536 characters; nothing longer is read (a hostile payload cannot stall us). */
export const MAX_BODY_CHARS = 65_536;
const BRANCH = /(?:^|\/)(?:issue[-_]?|gh[-_]?)?(\d{1,7})(?=[-_/]|$)/i;
const COMMAND = /^ {0,3}\/baton[ \t]{1,8}([a-z][a-z0-9-]{0,40})\b([^\n]{0,500})$/i;

export function issuesFromKeywords(text: string | null | undefined, repoFullName: string): number[] {
  if (!text) return [];
  const out: number[] = [];
  for (const m of text.slice(0, MAX_BODY_CHARS * 2).matchAll(KEYWORD)) {
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

/**
 * `/baton <command> args…` on a line of its own — never inside a fenced or indented code block, a quote or an HTML
 * comment, so a comment that quotes someone else's text (or an injected answer) cannot run what it quotes.
 */
export function parseCommand(body: string | null | undefined): { command: string; args: string[] } | undefined {
  if (!body) return undefined;
  let fence: string | undefined;
  let comment = false;
  let prevBlank = true;
  for (const raw of body.slice(0, MAX_BODY_CHARS).split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (comment) {
      if (line.includes('-->')) comment = false;
      prevBlank = false;
      continue;
    }
    const f = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence) {
      if (f && f[1]![0] === fence[0] && f[1]!.length >= fence.length && !line.slice(f[0].length).trim())
        fence = undefined;
      continue;
    }
    if (f) {
      fence = f[1];
      continue;
    }
    if (/^ {0,3}<!--/.test(line) && !line.includes('-->')) {
      comment = true;
      continue;
    }
    const indented: boolean = /^(?: {4}|\t)/.test(line) && prevBlank; // an indented code block starts after a blank line
    const quoted = /^ {0,3}>/.test(line);
    prevBlank = !line.trim() || (prevBlank && indented);
    if (indented || quoted) continue;
    const m = COMMAND.exec(line);
    if (m) return { command: m[1]!.toLowerCase(), args: m[2]!.trim().split(/\s+/).filter(Boolean).slice(0, 10) };
  }
  return undefined;
}

/** Issue/PR numbers an issue body refers to ("regression from #123"), for defect-escape KPIs. */
export function references(text: string | null | undefined): number[] {
  if (!text) return [];
  return [...new Set([...text.matchAll(/(?:^|[\s(])#(\d{1,7})\b/g)].map((m) => Number(m[1])))].slice(0, 20);
}
