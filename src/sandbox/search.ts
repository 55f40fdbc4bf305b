// The issue search (`GET /search/issues`) as far as Baton uses it: the qualifiers of "Searching issues and pull
// requests" (https://docs.github.com/en/search-github/searching-on-github/searching-issues-and-pull-requests):
// `repo:`, `is:issue|pr|open|closed|merged`, `state:`, `reason:completed|"not planned"`, `linked:pr|issue`,
// `created:` / `closed:` with a date or ISO time, `>`, `>=`, `<`, `<=` or a `A..B` range (`*` for an open end).
// A qualifier the sandbox does not model is refused with 422, as GitHub refuses a query it cannot parse, rather than
// silently ignored: a test must not pass on a filter that did nothing.
import { HttpError } from './http-types.js';
import type { Issue, Repo } from './state.js';
import { closingRefs } from './closing-keywords.js';

export interface IssueQuery {
  repos: string[];
  kind?: 'issue' | 'pr';
  state?: 'open' | 'closed';
  merged?: boolean;
  reason?: 'completed' | 'not_planned';
  linked?: 'pr' | 'issue';
  created?: Range;
  closed?: Range;
  words: string[];
}

interface Range {
  from?: number;
  fromInclusive: boolean;
  to?: number;
  toInclusive: boolean;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** A date or ISO time; a bare date as an upper bound means the whole day. */
function instant(s: string, upper: boolean): number {
  const ms = Date.parse(DATE_ONLY.test(s) ? `${s}T00:00:00Z` : s);
  if (!Number.isFinite(ms)) throw invalid(`"${s}" is not a date`);
  return upper && DATE_ONLY.test(s) ? ms + 86_400_000 - 1 : ms;
}

function range(v: string): Range {
  const m = /^(>=|<=|>|<)(.+)$/.exec(v);
  if (m) {
    const op = m[1]!;
    const at = instant(m[2]!, op.startsWith('<'));
    return op.startsWith('>')
      ? { from: at, fromInclusive: op === '>=', toInclusive: true }
      : { to: at, toInclusive: op === '<=', fromInclusive: true };
  }
  const dots = v.indexOf('..');
  if (dots >= 0) {
    const a = v.slice(0, dots);
    const b = v.slice(dots + 2);
    return {
      ...(a && a !== '*' ? { from: instant(a, false) } : {}),
      ...(b && b !== '*' ? { to: instant(b, true) } : {}),
      fromInclusive: true,
      toInclusive: true,
    };
  }
  return { from: instant(v, false), to: instant(v, true), fromInclusive: true, toInclusive: true };
}

const invalid = (why: string) => new HttpError(422, `Validation Failed: ${why}`);

/** Splits on spaces outside double quotes (`reason:"not planned"`). */
function tokens(q: string): string[] {
  return (q.match(/(?:[^\s"]+|"[^"]*")+/g) ?? []).map((t) => t.replace(/"/g, ''));
}

export function parseIssueQuery(q: string): IssueQuery {
  const out: IssueQuery = { repos: [], words: [] };
  for (const t of tokens(q)) {
    const i = t.indexOf(':');
    if (i < 0) {
      out.words.push(t.toLowerCase());
      continue;
    }
    const k = t.slice(0, i).toLowerCase();
    const v = t.slice(i + 1);
    const lv = v.toLowerCase();
    if (k === 'repo') out.repos.push(lv);
    else if (k === 'is' && (lv === 'issue' || lv === 'pr')) out.kind = lv;
    else if ((k === 'is' || k === 'state') && (lv === 'open' || lv === 'closed')) out.state = lv;
    else if (k === 'is' && lv === 'merged') out.merged = true;
    else if (k === 'is' && lv === 'unmerged') out.merged = false;
    else if (k === 'reason' && lv === 'completed') out.reason = 'completed';
    else if (k === 'reason' && lv === 'not planned') out.reason = 'not_planned';
    else if (k === 'linked' && (lv === 'pr' || lv === 'issue')) out.linked = lv;
    else if (k === 'created') out.created = range(v);
    else if (k === 'closed') out.closed = range(v);
    else throw invalid(`the sandbox does not model the search qualifier "${t}"`);
  }
  if (!out.repos.length) throw invalid('the sandbox searches repositories only: add repo:owner/name to the query');
  return out;
}

function inRange(iso: string | null, q: Range | undefined): boolean {
  if (!q) return true;
  if (!iso) return false;
  const t = Date.parse(iso);
  if (q.from !== undefined && (q.fromInclusive ? t < q.from : t <= q.from)) return false;
  if (q.to !== undefined && (q.toInclusive ? t > q.to : t >= q.to)) return false;
  return true;
}

/** The repository's issues and PRs matching the query, newest first by `sort` (created or updated). */
export function searchIssues(r: Repo, q: IssueQuery, sort: string | null, order: string | null): Issue[] {
  // Which issues a PR links to by closing keyword, and which PRs link to an issue.
  const linkedIssues = new Set<number>();
  const linkingPrs = new Set<number>();
  for (const i of r.issues.values()) {
    if (!i.pull || i.pull.baseRef !== r.default_branch) continue;
    const refs = closingRefs(r.fullName, i.body).filter((n) => r.issues.get(n) && !r.issues.get(n)!.pull);
    for (const n of refs) linkedIssues.add(n);
    if (refs.length) linkingPrs.add(i.number);
  }
  const out: Issue[] = [];
  for (const i of r.issues.values()) {
    if (q.kind === 'issue' && i.pull) continue;
    if (q.kind === 'pr' && !i.pull) continue;
    if (q.state && i.state !== q.state) continue;
    if (q.merged !== undefined && (!i.pull || i.pull.merged !== q.merged)) continue;
    if (q.reason && (i.pull || i.state_reason !== q.reason)) continue;
    if (q.linked === 'pr' && (i.pull || !linkedIssues.has(i.number))) continue;
    if (q.linked === 'issue' && (!i.pull || !linkingPrs.has(i.number))) continue;
    if (!inRange(i.created_at, q.created) || !inRange(i.closed_at, q.closed)) continue;
    const text = `${i.title} ${i.body ?? ''}`.toLowerCase();
    if (q.words.some((w) => !text.includes(w))) continue;
    out.push(i);
  }
  const key = (i: Issue) => (sort === 'updated' ? i.updated_at : i.created_at);
  const dir = order === 'asc' ? 1 : -1;
  return out.sort((a, b) => (key(a) < key(b) ? -dir : key(a) > key(b) ? dir : (a.number - b.number) * dir));
}
