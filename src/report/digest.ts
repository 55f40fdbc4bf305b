// The weekly "Workflow Wins" digest: Markdown for one repo's last complete ISO week vs the weeks before it.
// Numbers come from the KPI code; the one narrative paragraph comes from the LLM router (task `digest`, economy
// tier) with a templated narrative from the same numbers as the offline answer, so the digest never depends on a
// provider being up.
import type { LedgerEntry, Store, TransitionRecord } from '../store/types.js';
import type { LlmRouter } from '../llm/types.js';
import { contradicts, firstProblem, numbersOf, numbersOutside } from '../llm/checks.js';
import { computeKpisFromRuns, weeklyCycle, type KpiReport, type WeekBucket } from './kpis.js';
import { buildRuns, stageOrder, type Run } from './runs.js';
import { DAY_MS, HOUR_MS, isoWeek, weekStart, type Trend } from './stats.js';
import { mdCell, num, pct, signed } from './format.js';
import { loadMerges, type MergeRecord } from './merges.js';

export interface DigestInput {
  repo: string;
  org?: string;
  transitions: readonly TransitionRecord[];
  ledger: readonly LedgerEntry[];
  now: Date;
  /** How many weeks the chart shows (default 8). */
  weeks?: number;
  /** Logins whose approval of a high-risk PR counts as a senior review; when absent any approval counts. */
  seniors?: string[];
  router?: LlmRouter;
  /** Merged PRs of the repo (src/report/merges.ts): flow compliance and defect density. */
  merges?: readonly MergeRecord[];
}

export type WeekPoint = WeekBucket;

export interface FastRun {
  repo: string;
  issue: number;
  hours: number;
}

export interface RiskCaught {
  issue: number;
  pr?: number;
  reviewer: string;
  outcome: 'done' | 'cancelled' | 'active';
}

export interface DigestResult {
  /** The ISO week the digest covers (the last complete one before `now`). */
  week: string;
  markdown: string;
  series: WeekPoint[];
  report: KpiReport;
  fastest: FastRun[];
  risksCaught: RiskCaught[];
  narrative: { text: string; offline: boolean };
}

const WEEK_MS = 7 * DAY_MS;

/** Markdown-safe text for a value from the store, and no @-mentions (a digest must not ping people). */
function safe(s: string): string {
  return mdCell(s).replace(/@/g, '@\u200b');
}

function fastest(runs: readonly Run[], since: number, until: number, n = 3): FastRun[] {
  return runs
    .filter((r) => r.status === 'done' && !r.partial && r.endedAt! >= since && r.endedAt! < until)
    .map((r) => ({ repo: r.repo, issue: r.issue, hours: (r.endedAt! - r.startedAt) / HOUR_MS }))
    .sort((a, b) => a.hours - b.hours || a.issue - b.issue)
    .slice(0, n);
}

/** High-risk runs flagged this week that got an approval (from a senior when `seniors` is given) after the flag. */
function risksCaught(runs: readonly Run[], since: number, until: number, seniors?: string[]): RiskCaught[] {
  const out: RiskCaught[] = [];
  for (const r of runs) {
    if (r.highRiskAt === undefined || r.highRiskAt < since || r.highRiskAt >= until) continue;
    const approval = r.transitions.find(
      (t) =>
        t.event === 'review.approved' &&
        Date.parse(t.at) >= r.highRiskAt! &&
        (!seniors || seniors.includes(t.by.replace(/^@/, ''))),
    );
    if (!approval) continue;
    out.push({ issue: r.issue, pr: approval.pr ?? r.prs[r.prs.length - 1], reviewer: approval.by, outcome: r.status });
  }
  return out.sort((a, b) => a.issue - b.issue);
}

export function offlineNarrative(week: string, r: KpiReport, risks: number): string {
  const c = r.overall.current;
  const t = r.overall.trends;
  const parts = [
    `In ${week} the team finished ${c.runsFinished} run${c.runsFinished === 1 ? '' : 's'} and started ${c.runsStarted}.`,
  ];
  if (c.cycleTime.median !== null) {
    const d = t.cycleTimeMedianHours;
    const dir =
      d.delta === null
        ? ''
        : d.delta < 0
          ? `, ${Math.abs(d.delta).toFixed(1)}h faster than the week before`
          : d.delta > 0
            ? `, ${d.delta.toFixed(1)}h slower than the week before`
            : ', the same as the week before';
    parts.push(`Median cycle time was ${c.cycleTime.median.toFixed(1)}h${dir}.`);
  }
  parts.push(
    `${c.handOffs} hand-off${c.handOffs === 1 ? '' : 's'} and ${c.bounceBacks} bounce-back${c.bounceBacks === 1 ? '' : 's'}.`,
  );
  if (risks)
    parts.push(`${risks} high-risk change${risks === 1 ? ' was' : 's were'} caught and reviewed before merge.`);
  if (c.defectEscapes)
    parts.push(
      `${c.defectEscapes} bug${c.defectEscapes === 1 ? '' : 's'} traced back to a recent merge: worth a look.`,
    );
  return parts.join(' ');
}

/** The digest paragraph's own check: only the numbers it was given, and the cycle-time trend the right way round. */
export function digestCheck(facts: { trends: Record<string, { delta: number | null } | undefined> }) {
  const allowed = numbersOf(facts);
  const delta = facts.trends.cycleTimeMedianHours?.delta;
  return ({ text }: { text: string }): string | undefined =>
    firstProblem(numbersOutside(text, allowed), contradicts(text, delta, { up: 'slower', down: 'faster' }));
}

export const DIGEST_SYSTEM =
  "You write one short, upbeat but honest paragraph (at most 3 sentences) for a team's weekly workflow digest. " +
  'Use only the numbers given. No headings, no lists, no mentions of people.';

/** The narrative from the router, cleaned for posting: plain paragraph, bounded, no mentions, no HTML. */
function cleanNarrative(s: string): string {
  return s
    .replace(/<[^>]*>/g, '')
    .replace(/@/g, '@\u200b')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 800);
}

/**
 * The weekly chart. A week with no finished run has no median: it is left off the axis rather than drawn as 0 h,
 * which would read as "instant". Returns a sentence when no charted week has data.
 */
export function mermaidChart(series: WeekPoint[]): string {
  const points = series.filter((p) => p.medianCycleHours !== null);
  if (!points.length)
    return `_No run finished in the last ${series.length} weeks, so there is no cycle time to chart._`;
  const values = points.map((p) => Number(p.medianCycleHours!.toFixed(1)));
  const max = Math.max(1, ...values);
  const gaps = series.length - points.length;
  return [
    '```mermaid',
    'xychart-beta',
    '    title "Median cycle time per week (hours)"',
    `    x-axis [${points.map((p) => `"${p.week.slice(5)}"`).join(', ')}]`,
    `    y-axis "hours" 0 --> ${Math.ceil(max * 1.1)}`,
    `    bar [${values.join(', ')}]`,
    `    line [${values.join(', ')}]`,
    '```',
    ...(gaps ? ['', `_${gaps} of the last ${series.length} weeks had no finished run and are not charted._`] : []),
  ].join('\n');
}

interface Change {
  label: string;
  text: string;
}

/**
 * What got better and what got worse against the week before: the digest is called "Wins" but must not hide a
 * slower week. Lower is better for times, bounce-backs and escapes; higher for runs finished.
 */
export function changes(r: KpiReport, order: readonly string[] = []): { better: Change[]; worse: Change[] } {
  const t = r.overall.trends;
  const better: Change[] = [];
  const worse: Change[] = [];
  const add = (label: string, tr: Trend | undefined, unit: '' | 'h' | '%', higherIsBetter = false) => {
    if (!tr || tr.delta === null || tr.delta === 0 || tr.previous === null) return;
    const text = `${label} ${num(tr.previous, unit)} → ${num(tr.current, unit)}`;
    (tr.delta > 0 === higherIsBetter ? better : worse).push({ label, text });
  };
  add('runs finished', t.runsFinished, '', true);
  add('median cycle time', t.cycleTimeMedianHours, 'h');
  add('p90 cycle time', t.cycleTimeP90Hours, 'h');
  add('bounce-backs', t.bounceBacks, '');
  add('defect escapes', t.defectEscapes, '');
  add('defect density', t.defectDensity, '');
  add('flow compliance', t.flowCompliance, '%', true);
  const stages = Object.keys(t)
    .filter((k) => k.startsWith('stage:'))
    .map((k) => k.split(':')[1]!)
    .sort((a, b) => order.indexOf(a) - order.indexOf(b));
  for (const id of stages) add(`time in ${id}`, t[`stage:${id}:medianHours`], 'h');
  return { better, worse };
}

export async function buildDigest(input: DigestInput): Promise<DigestResult> {
  const runs = buildRuns(input.transitions.filter((t) => t.repo === input.repo));
  const ledger = input.ledger.filter((e) => e.repo === input.repo);
  const end = weekStart(input.now).getTime();
  const start = end - WEEK_MS;
  const week = isoWeek(new Date(start));
  const weeks = input.weeks ?? 8;

  const report = computeKpisFromRuns(runs, ledger, {
    since: new Date(start).toISOString(),
    until: new Date(end).toISOString(),
    merges: input.merges?.filter((m) => m.repo === input.repo),
  });
  const series: WeekPoint[] = weeklyCycle(runs, end, weeks);
  const fast = fastest(runs, start, end);
  const risks = risksCaught(runs, start, end, input.seniors);

  const fallback = offlineNarrative(week, report, risks.length);
  let narrative = { text: fallback, offline: true };
  if (input.router) {
    try {
      const facts = {
        week,
        current: report.overall.current,
        trends: report.overall.trends,
        fastest: fast,
        risksCaught: risks.length,
      };
      // Tier and output tokens come from flow.yml `llm.tasks.digest`; the check holds the model to our numbers.
      const res = await input.router.run<string>({
        task: 'digest',
        system: DIGEST_SYSTEM,
        prompt: JSON.stringify(facts),
        check: digestCheck(facts),
        org: input.org ?? input.repo.split('/')[0] ?? input.repo,
        repo: input.repo,
        offline: () => fallback,
      });
      const text = cleanNarrative(res.text);
      narrative = text ? { text, offline: res.offline } : narrative;
    } catch {
      // The router already falls back on provider errors; anything else must not cost us the digest.
    }
  }

  const markdown = renderDigest(stageOrder(runs), input.repo, week, report, series, fast, risks, narrative);
  return { week, markdown, series, report, fastest: fast, risksCaught: risks, narrative };
}

/** The headline says which way the week went, so "Wins" never dresses up a slower week. */
function tone(cycle: Trend | undefined): string {
  if (!cycle || cycle.delta === null || cycle.delta === 0) return '';
  return cycle.delta > 0 ? ': a slower week' : ': a faster week';
}

function betterWorse(c: { better: Change[]; worse: Change[] }): string[] {
  const list = (xs: Change[]) => (xs.length ? xs.map((x) => x.text).join(' · ') : 'nothing');
  return [`**Better:** ${list(c.better)}  `, `**Worse:** ${list(c.worse)}`, ''];
}

function renderDigest(
  order: string[],
  repo: string,
  week: string,
  r: KpiReport,
  series: WeekPoint[],
  fast: FastRun[],
  risks: RiskCaught[],
  narrative: { text: string; offline: boolean },
): string {
  const c = r.overall.current;
  const t = r.overall.trends;
  const row = (label: string, tr: Trend, unit: '' | 'h' | 'usd' | '%' = '') =>
    `| ${label} | ${num(tr.current, unit)} | ${num(tr.previous, unit)} | ${signed(tr.delta, unit)} (${pct(tr.pct)}) |`;
  const out: string[] = [
    `## 🏁 Workflow Wins — ${safe(repo)}, ${week}${tone(t.cycleTimeMedianHours)}`,
    '',
    `_${r.period.since.slice(0, 10)} → ${new Date(Date.parse(r.period.until) - DAY_MS).toISOString().slice(0, 10)} (the last complete week, Monday to Sunday UTC), compared with the week before._`,
    '',
    narrative.text + (narrative.offline ? ' _(summary written offline from the numbers)_' : ''),
    '',
    ...betterWorse(changes(r, order)),
    '| | this week | last week | change |',
    '|---|---:|---:|---:|',
    row('Runs finished', t.runsFinished),
    row('Median cycle time', t.cycleTimeMedianHours, 'h'),
    row('p90 cycle time', t.cycleTimeP90Hours, 'h'),
    row('Hand-offs', t.handOffs),
    row('Bounce-backs', t.bounceBacks),
    row('Defect escapes', t.defectEscapes),
    row('Defect density (per 1k changed lines)', t.defectDensity),
    row('Flow compliance (merged PRs through a run)', t.flowCompliance, '%'),
    '',
  ];
  const stages = Object.entries(c.stages).sort(([a], [b]) => order.indexOf(a) - order.indexOf(b));
  if (stages.length) {
    out.push(
      '**Time in each stage (median)**',
      '',
      '| stage | this week | last week | visits |',
      '|---|---:|---:|---:|',
    );
    for (const [id, s] of stages)
      out.push(
        `| ${safe(id)} | ${num(s.time.median, 'h')} | ${num(r.overall.previous.stages[id]?.time.median ?? null, 'h')} | ${s.visits} |`,
      );
    out.push('');
  }
  out.push(mermaidChart(series), '');
  if (fast.length) {
    out.push('**Fastest runs**', '');
    for (const f of fast) out.push(`- #${f.issue}: ${f.hours.toFixed(1)}h from start to done`);
    out.push('');
  }
  if (risks.length) {
    out.push('**Risks caught**', '');
    for (const k of risks)
      out.push(
        `- #${k.issue}${k.pr ? ` (PR #${k.pr})` : ''}: high risk, reviewed by ${safe(k.reviewer)} — ${k.outcome === 'done' ? 'merged' : k.outcome}`,
      );
    out.push('');
  }
  const s = r.overall.spend.current;
  const offline = Object.entries(s.byModel)
    .filter(([m]) => m.startsWith('offline/'))
    .reduce((n, [, v]) => n + v.calls, 0);
  out.push(
    s.calls === 0
      ? `**AI spend**: no LLM calls in ${week} (last week ${num(r.overall.spend.previous.usd, 'usd')}).`
      : `**AI spend**: ${num(s.usd, 'usd')} over ${s.calls} call${s.calls === 1 ? '' : 's'}${offline ? ` (${offline} written offline, free)` : ''} (${s.usdPer1kTokens === null ? '' : `${num(s.usdPer1kTokens, 'usd')} per 1k tokens; `}last week ${num(r.overall.spend.previous.usd, 'usd')}).`,
  );
  const models = Object.entries(s.byModel).sort(([, a], [, b]) => b.usd - a.usd);
  if (models.length) out.push('', models.map(([m, v]) => `${safe(m)} ${num(v.usd, 'usd')}`).join(' · '));
  out.push(
    '',
    '<sub>Posted by Baton once a week. Cycle time = start → done; bounce-back = sent to an earlier stage.</sub>',
    '',
  );
  return out.join('\n');
}

/** Loads what a digest needs from the store and builds it: what the scheduler's `post` callback and the CLI call. */
export async function loadDigest(
  store: Pick<Store, 'transitions' | 'ledger' | 'kvList'>,
  o: Omit<DigestInput, 'transitions' | 'ledger'>,
): Promise<DigestResult> {
  const weeks = o.weeks ?? 8;
  const ws = weekStart(o.now).getTime();
  // The chart's weeks plus 90 days, so runs finishing in the first charted week still have their start.
  const since = new Date(ws - (weeks * 7 + 90) * DAY_MS).toISOString();
  const [transitions, ledger, merges] = await Promise.all([
    store.transitions({ repo: o.repo, since, until: o.now.toISOString() }),
    store.ledger({ repo: o.repo, since: new Date(ws - 14 * DAY_MS).toISOString() }),
    loadMerges(store, [o.repo], new Date(ws - 14 * DAY_MS).toISOString(), o.now.toISOString()),
  ]);
  return buildDigest({ ...o, transitions, ledger: ledger.filter((e) => e.at < o.now.toISOString()), merges });
}
