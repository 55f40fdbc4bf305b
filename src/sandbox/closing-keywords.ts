// Which issues a pull request closes when it is merged, as GitHub reads its description: one of the nine closing
// keywords (close, closes, closed, fix, fixes, fixed, resolve, resolves, resolved; any case, optionally followed by a
// colon) then `#N`, or `owner/repo#N` naming the same repository. Only a PR whose base is the repository's default
// branch links (and so closes) issues this way: "The special keywords in a pull request description are interpreted
// when the pull request targets the repository's default branch"
// (https://docs.github.com/en/issues/tracking-your-work-with-issues/using-issues/linking-a-pull-request-to-an-issue#linking-a-pull-request-to-an-issue-using-a-keyword).
// GitHub reads the description (body), not the title; each issue needs its own keyword ("Closes #1, #2" closes #1).
const KEYWORD = /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?):?\s+(?:([\w.-]+\/[\w.-]+))?#(\d+)\b/gi;

/** Issue numbers `body` closes in `repoFullName` (an issue in another repository is not this repository's). */
export function closingRefs(repoFullName: string, body: string | null | undefined): number[] {
  const out: number[] = [];
  for (const m of (body ?? '').matchAll(KEYWORD)) {
    if (m[1] && m[1].toLowerCase() !== repoFullName.toLowerCase()) continue;
    const n = Number(m[2]);
    if (!out.includes(n)) out.push(n);
  }
  return out;
}
