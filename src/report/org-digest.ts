// The org digest (`digest.org: true` in the org flow): one weekly Workflow Wins for every repository of an org,
// posted on an issue in the org's `.github` repository, with a row per repository — idle ones included, so a
// repository nobody has touched shows as such instead of being missing.
import type { GitHubPort } from '../github/port.js';
import type { Store } from '../store/types.js';
import { computeKpisFromRuns, type KpiReport } from './kpis.js';
import { buildRuns } from './runs.js';
import { DAY_MS, isoWeek, weekStart } from './stats.js';
import { mdCell, num, pct, signed } from './format.js';
import { loadMerges } from './merges.js';
import { offlineNarrative } from './digest.js';

const WEEK_MS = 7 * DAY_MS;

export interface OrgDigest {
  week: string;
  markdown: string;
  report: KpiReport;
  /** Per repository (every one given, in order): runs finished, active at the week's end. */
  rows: Array<{ repo: string; finished: number; started: number; active: number }>;
}

/** A digest must not ping anyone: no @-mentions. */
const safe = (s: string) => mdCell(s).replace(/@/g, '@\u200b');

export async function loadOrgDigest(
  store: Pick<Store, 'transitions' | 'ledger' | 'kvList'>,
  o: { org: string; repos: string[]; now: Date },
): Promise<OrgDigest> {
  const end = weekStart(o.now).getTime();
  const start = end - WEEK_MS;
  const week = isoWeek(new Date(start));
  const inOrg = (repo: string) => o.repos.some((r) => r.toLowerCase() === repo.toLowerCase());
  const since = new Date(start - 90 * DAY_MS).toISOString();
  const [transitions, ledger, merges] = await Promise.all([
    store.transitions({ since, until: o.now.toISOString() }),
    store.ledger({ since: new Date(start - WEEK_MS).toISOString() }),
    loadMerges(store, o.repos, new Date(start - WEEK_MS).toISOString(), o.now.toISOString()),
  ]);
  const runs = buildRuns(transitions.filter((t) => inOrg(t.repo)));
  const report = computeKpisFromRuns(
    runs,
    ledger.filter((e) => inOrg(e.repo) && e.at < o.now.toISOString()),
    { since: new Date(start).toISOString(), until: new Date(end).toISOString(), merges },
  );
  const activeAt = (repo: string) =>
    runs.filter(
      (r) =>
        r.repo === repo &&
        r.startedAt < end &&
        (r.status === 'active' || (r.endedAt !== undefined && r.endedAt >= end)),
    ).length;
  const rows = o.repos.map((repo) => {
    const c = report.byRepo[repo]?.current;
    return { repo, finished: c?.runsFinished ?? 0, started: c?.runsStarted ?? 0, active: activeAt(repo) };
  });
  return { week, report, rows, markdown: render(o.org, week, report, rows) };
}

function render(org: string, week: string, r: KpiReport, rows: OrgDigest['rows']): string {
  const t = r.overall.trends;
  const line = (label: string, tr: (typeof t)['runsFinished'], unit: '' | 'h' | '%' = '') =>
    `| ${label} | ${num(tr.current, unit)} | ${num(tr.previous, unit)} | ${signed(tr.delta, unit)} (${pct(tr.pct)}) |`;
  const out = [
    `## 🏁 Workflow Wins — ${safe(org)}, ${week}`,
    '',
    `_Every repository of ${safe(org)} Baton is installed on; ${r.period.since.slice(0, 10)} → ${new Date(Date.parse(r.period.until) - DAY_MS).toISOString().slice(0, 10)} (Monday to Sunday UTC), compared with the week before._`,
    '',
    offlineNarrative(week, r, r.overall.current.highRisk.flagged),
    '',
    '| | this week | last week | change |',
    '|---|---:|---:|---:|',
    line('Runs finished', t.runsFinished),
    line('Median cycle time', t.cycleTimeMedianHours, 'h'),
    line('Hand-offs', t.handOffs),
    line('Bounce-backs', t.bounceBacks),
    line('Flow compliance (merged PRs through a run)', t.flowCompliance, '%'),
    '',
    '**By repository**',
    '',
    '| repository | started | finished | median cycle | bounce-backs | active at week end |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const g = r.byRepo[row.repo]?.current;
    const idle = !g && row.active === 0;
    out.push(
      `| ${safe(row.repo)} | ${row.started} | ${row.finished} | ${num(g?.cycleTime.median ?? null, 'h')} | ${g?.bounceBacks ?? 0} | ${row.active}${idle ? ' (idle)' : ''} |`,
    );
  }
  out.push('', '<sub>Posted by Baton once a week for the whole org (`digest.org: true` in the org flow).</sub>', '');
  return out.join('\n');
}

/** Post the week's org digest on the org's `.github` repository (its tracking issue created once). */
export async function postOrgDigest(
  d: { store: Pick<Store, 'transitions' | 'ledger' | 'kvGet' | 'kvSet' | 'kvList'>; now?: () => Date },
  port: GitHubPort,
  o: { repos: string[]; issue?: number; week: string },
): Promise<void> {
  const org = port.ref.owner;
  const digest = await loadOrgDigest(d.store, { org, repos: o.repos, now: d.now?.() ?? new Date() });
  let issue = o.issue ?? Number(await d.store.kvGet('digest-issue', port.fullName));
  if (!issue) {
    const created = await port.createIssue(
      `Baton · Workflow Wins — ${org}`,
      `Baton posts a weekly digest of every ${org} repository here (\`digest.org: true\` in the org flow). Set \`digest.issue\` there to use another issue.`,
    );
    issue = created.number;
    await d.store.kvSet('digest-issue', port.fullName, String(issue));
  }
  await port.createComment(issue, `${digest.markdown}\n\n<!-- baton:digest ${org} ${o.week} -->`);
}
