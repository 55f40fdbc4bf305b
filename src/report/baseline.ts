// Before/after adoption (`baton report --baseline`): the cycle time of issues closed by merged PRs in the months
// before Baton's first run in a repository, against the months since — the same measure on both sides, read from
// GitHub, so the comparison does not depend on Baton having seen the "before".
//
// "Closed by a merged PR": GitHub's issue search `is:issue is:closed linked:pr reason:completed`, an issue a pull
// request links to by closing keyword, closed as completed
// (https://docs.github.com/en/search-github/searching-on-github/searching-issues-and-pull-requests). Cycle time is
// the issue's `created_at` → `closed_at`. Search serves at most 1,000 results per query and 30 requests a minute
// (https://docs.github.com/en/rest/search/search#search-issues-and-pull-requests), so the reader takes a request
// budget, reads both sides a page at a time in turn (a cut-off sample stays balanced), and says when it stopped.
import type { SearchIssueItem } from '../github/port.js';
import { dist, trend, HOUR_MS, type Dist, type Trend } from './stats.js';
import { errorMessage } from '../ops/errors.js';
import { duration } from './format.js';

export interface SearchPage {
  total: number;
  incomplete: boolean;
  items: SearchIssueItem[];
  next: boolean;
}

/** One page (1-based) of a repository-scoped issue search. */
export type SearchFn = (query: string, page: number) => Promise<SearchPage>;

export interface BaselineOptions {
  /** Baton's first run in the repo (ISO). */
  adoptedAt: string;
  now: string;
  /** Months before adoption to read (default 3). */
  months?: number;
  /** Search requests at most, both sides together (default 20). */
  budget?: number;
}

export interface BaselineSide {
  since: string;
  until: string;
  /** Issues GitHub says match; `read` of them were read. */
  total: number;
  read: number;
  requests: number;
  cycle: Dist;
  /** Why reading stopped before every match was read: 'budget', 'cap' (GitHub's 1,000), or an error sentence. */
  stopped?: string;
}

export interface Baseline {
  adoptedAt: string;
  before: BaselineSide;
  after: BaselineSide;
  requests: number;
  budget: number;
  /** after vs before (current = after). */
  cycleMedianHours: Trend;
  cycleP90Hours: Trend;
}

export const SEARCH_CAP = 1000;

/** GitHub's search takes ISO times; the range is inclusive, so the end is the last second before `until`. */
const stamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function baselineQuery(since: string, until: string): string {
  return `is:issue is:closed linked:pr reason:completed closed:${stamp(Date.parse(since))}..${stamp(Date.parse(until) - 1000)}`;
}

export function monthsBefore(iso: string, months: number): string {
  const d = new Date(iso);
  d.setUTCMonth(d.getUTCMonth() - months);
  return d.toISOString();
}

interface Reader {
  side: BaselineSide;
  query: string;
  hours: number[];
  page: number;
  done: boolean;
}

export async function readBaseline(search: SearchFn, o: BaselineOptions): Promise<Baseline> {
  const budget = Math.max(1, o.budget ?? 20);
  const since = monthsBefore(o.adoptedAt, o.months ?? 3);
  const mk = (s: string, u: string): Reader => ({
    side: { since: s, until: u, total: 0, read: 0, requests: 0, cycle: dist([]) },
    query: baselineQuery(s, u),
    hours: [],
    page: 1,
    done: Date.parse(s) >= Date.parse(u),
  });
  const readers = [mk(since, o.adoptedAt), mk(o.adoptedAt, o.now)];
  let requests = 0;
  while (readers.some((r) => !r.done)) {
    for (const r of readers) {
      if (r.done) continue;
      if (requests >= budget) {
        r.side.stopped = 'budget';
        r.done = true;
        continue;
      }
      requests++;
      r.side.requests++;
      let page: SearchPage;
      try {
        page = await search(r.query, r.page);
      } catch (e) {
        const status = (e as { status?: number }).status;
        r.side.stopped =
          status === 403 || status === 429
            ? 'GitHub search rate limit (30 requests a minute): try again in a minute'
            : `GitHub answered ${status ?? 'with an error'}: ${errorMessage(e)}`;
        r.done = true;
        continue;
      }
      r.side.total = page.total;
      const lo = Date.parse(r.side.since);
      const hi = Date.parse(r.side.until);
      for (const it of page.items) {
        if (it.pull_request || !it.closed_at) continue;
        const closed = Date.parse(it.closed_at);
        if (closed < lo || closed >= hi) continue;
        r.hours.push((closed - Date.parse(it.created_at)) / HOUR_MS);
        r.side.read++;
      }
      r.page++;
      if (!page.next || !page.items.length) r.done = true;
      else if ((r.page - 1) * 100 >= SEARCH_CAP) {
        r.side.stopped = 'cap';
        r.done = true;
      }
    }
  }
  for (const r of readers) r.side.cycle = dist(r.hours);
  const [before, after] = [readers[0]!.side, readers[1]!.side];
  return {
    adoptedAt: o.adoptedAt,
    before,
    after,
    requests,
    budget,
    cycleMedianHours: trend(after.cycle.median, before.cycle.median),
    cycleP90Hours: trend(after.cycle.p90, before.cycle.p90),
  };
}

const day = (iso: string) => iso.slice(0, 10);

function stopNote(name: string, s: BaselineSide, budget: number): string | undefined {
  if (!s.stopped) return undefined;
  const read = `${s.read} of ${s.total} issues read (the most recently created)`;
  if (s.stopped === 'budget')
    return `${name}: the request budget (${budget}) ran out: ${read}; --budget ${budget * 2} reads more.`;
  if (s.stopped === 'cap') return `${name}: GitHub serves only the first ${SEARCH_CAP} results of a search: ${read}.`;
  return `${name}: stopped, ${s.stopped}: ${read}.`;
}

/** The comparison as a padded text table or a Markdown table. */
export function renderBaseline(repo: string, b: Baseline, format: 'table' | 'md'): string {
  const dur = (v: number | null) => (v === null ? '–' : duration(v));
  const change = (t: Trend) =>
    t.delta === null
      ? '–'
      : `${t.delta > 0 ? '+' : '-'}${dur(Math.abs(t.delta))}${t.pct === null ? '' : ` (${t.pct > 0 ? '+' : ''}${t.pct.toFixed(0)}%)`}`;
  const rows = [
    ['', 'before Baton', 'since', 'change'],
    ['window', `${day(b.before.since)} → ${day(b.before.until)}`, `${day(b.after.since)} → ${day(b.after.until)}`, ''],
    ['issues read', `${b.before.read} of ${b.before.total}`, `${b.after.read} of ${b.after.total}`, ''],
    ['cycle time median', dur(b.before.cycle.median), dur(b.after.cycle.median), change(b.cycleMedianHours)],
    ['cycle time p90', dur(b.before.cycle.p90), dur(b.after.cycle.p90), change(b.cycleP90Hours)],
  ];
  const title = `Before/after adoption — ${repo} (Baton's first run ${day(b.adoptedAt)}): cycle time of issues closed by merged PRs`;
  let table: string[];
  if (format === 'md') {
    const cell = (x: string) => x.replace(/[|\\]/g, (c) => `\\${c}`);
    table = rows.map((r) => `| ${r.map(cell).join(' | ')} |`);
    table.splice(1, 0, '|---|---:|---:|---:|');
  } else {
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    table = rows.map((r) =>
      r
        .map((c, i) => (i ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    );
  }
  const notes = [
    `${b.requests} GitHub search request${b.requests === 1 ? '' : 's'} (budget ${b.budget}).`,
    ...[stopNote('before', b.before, b.budget), stopNote('since', b.after, b.budget)].filter((n): n is string => !!n),
  ];
  return [format === 'md' ? `### ${title}` : title, '', ...table, '', ...notes].join('\n') + '\n';
}
