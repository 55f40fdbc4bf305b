// KPIs over a period and the previous period of equal length, overall / per repo / per flow / per stage. Pure.
//
// Definitions (the README repeats them; keep both in sync):
// - A run belongs to the period in which the figure HAPPENED: "started" by its start, "finished" (cycle time) by its
//   done transition, a stage stay by the moment it was left, a hand-off / bounce-back by its transition time.
// - Cycle time: start → done, only for runs whose start is in the log (partial runs are left out, not guessed).
// - Time in stage: entering → leaving. Stays still open at the period end are not in the medians (they have no
//   end yet); the board shows them instead.
// - Waiting vs owned: the log cannot see when an owner first acted, so we do NOT claim "worked" time. What it can
//   see is whether anyone owned the stage: time in a stay with no owner is reported as `unownedHours` (pure
//   waiting: nobody was asked to act). Everything else is "time in stage", nothing more precise.
// - Hand-off: a non-start transition whose owner set differs from the previous one's. Bounce-back: kind 'back'.
// - Defect escape: a run started in the period on an issue labelled `bug` whose refs include a PR that a 'done'
//   transition in the same repo carried within `defectWindowDays` (default 30) before the bug run started.
// - High-risk: runs whose first 'high' risk level appeared in the period, with how they ended by the period end.
// - Spend: ledger rows in the period; $/1k tokens = cost / (tokens in + out) × 1000.
// - Flow compliance: of the PRs merged in the period (every merge Baton heard of, src/report/merges.ts), the share
//   that a run carried (the PR is linked to a run of the same repo). Per repo and overall; null with no merge known.
// - Defect density: defect escapes in the period per 1,000 lines changed (added + deleted) by the PRs merged in it.
import type { LedgerEntry, TransitionRecord } from '../store/types.js';
import type { MergeRecord } from './merges.js';
import { buildRuns, stageOrder, type Run } from './runs.js';
import { dist, trend, parseIso, DAY_MS, HOUR_MS, isoWeek as isoWeekOf, type Dist, type Trend } from './stats.js';

export interface KpiOptions {
  since: string;
  until: string;
  defectWindowDays?: number;
  bugLabel?: string;
  /** Merged PRs of the repos covered (with or without a run), for flow compliance and defect density. */
  merges?: readonly MergeRecord[];
}

export interface StageMetrics {
  /** Stays of this stage that ended in the period. */
  visits: number;
  time: Dist;
  unownedHours: number;
  /** Stays that ended with a 'back' transition (the work was sent back from here). */
  bouncedFrom: number;
}

export interface HighRisk {
  flagged: number;
  done: number;
  cancelled: number;
  open: number;
}

export interface PeriodMetrics {
  runsStarted: number;
  runsFinished: number;
  runsCancelled: number;
  cycleTime: Dist;
  handOffs: number;
  handOffsPerFinishedRun: number | null;
  bounceBacks: number;
  defectEscapes: number;
  /** PRs merged in the period, those a run carried, and the share (null when no merge is known). */
  mergedPrs: number;
  mergedThroughRun: number;
  flowCompliance: number | null;
  /** Lines added + deleted by the PRs merged in the period. */
  changedLines: number;
  /** Defect escapes per 1,000 changed lines (null with no changed line). */
  defectDensity: number | null;
  highRisk: HighRisk;
  stages: Record<string, StageMetrics>;
}

export interface Spend {
  usd: number;
  tokens: number;
  calls: number;
  usdPer1kTokens: number | null;
  byModel: Record<string, { usd: number; tokens: number; calls: number }>;
  byTask: Record<string, { usd: number; tokens: number; calls: number }>;
}

export interface KpiGroup {
  current: PeriodMetrics;
  previous: PeriodMetrics;
  spend: { current: Spend; previous: Spend };
  trends: KpiTrends;
}

const TREND_NAMES = [
  'runsStarted',
  'runsFinished',
  'cycleTimeMedianHours',
  'cycleTimeP90Hours',
  'handOffs',
  'handOffsPerFinishedRun',
  'bounceBacks',
  'defectEscapes',
  'flowCompliance',
  'defectDensity',
  'highRiskFlagged',
  'spendUsd',
  'usdPer1kTokens',
] as const;

/** The fixed trends, plus `stage:<id>:medianHours` for each stage seen in either period. */
export type KpiTrends = { [K in (typeof TREND_NAMES)[number]]: Trend } & {
  [stage: `stage:${string}:medianHours`]: Trend;
};

export interface DefectEscape {
  repo: string;
  issue: number;
  /** The merged PR the bug refers back to, and the issue whose run merged it. */
  pr: number;
  mergedOnIssue: number;
  daysAfterMerge: number;
}

export interface KpiReport {
  period: { since: string; until: string };
  previous: { since: string; until: string };
  overall: KpiGroup;
  byRepo: Record<string, KpiGroup>;
  byFlow: Record<string, KpiGroup>;
  escapes: DefectEscape[];
  /** Stage ids in flow order (as the runs moved through them), for tables that list stages. */
  stageOrder?: string[];
}

/** Mutable accumulator for one (group, period). */
class Acc {
  started = 0;
  finished = 0;
  cancelled = 0;
  cycle: number[] = [];
  handOffs = 0;
  bounces = 0;
  escapes = 0;
  merged = 0;
  mergedThroughRun = 0;
  lines = 0;
  high: HighRisk = { flagged: 0, done: 0, cancelled: 0, open: 0 };
  stages = new Map<string, { times: number[]; unowned: number; bounced: number }>();

  stage(id: string) {
    let s = this.stages.get(id);
    if (!s) this.stages.set(id, (s = { times: [], unowned: 0, bounced: 0 }));
    return s;
  }

  result(): PeriodMetrics {
    const stages: Record<string, StageMetrics> = {};
    for (const [id, s] of this.stages) {
      stages[id] = { visits: s.times.length, time: dist(s.times), unownedHours: s.unowned, bouncedFrom: s.bounced };
    }
    return {
      runsStarted: this.started,
      runsFinished: this.finished,
      runsCancelled: this.cancelled,
      cycleTime: dist(this.cycle),
      handOffs: this.handOffs,
      handOffsPerFinishedRun: this.finished ? this.handOffs / this.finished : null,
      bounceBacks: this.bounces,
      defectEscapes: this.escapes,
      mergedPrs: this.merged,
      mergedThroughRun: this.mergedThroughRun,
      flowCompliance: this.merged ? this.mergedThroughRun / this.merged : null,
      changedLines: this.lines,
      defectDensity: this.lines ? (this.escapes / this.lines) * 1000 : null,
      highRisk: this.high,
      stages,
    };
  }
}

class SpendAcc {
  usd = 0;
  tokens = 0;
  calls = 0;
  byModel = new Map<string, { usd: number; tokens: number; calls: number }>();
  byTask = new Map<string, { usd: number; tokens: number; calls: number }>();
  add(e: LedgerEntry) {
    const tokens = e.tokensIn + e.tokensOut;
    this.usd += e.costUsd;
    this.tokens += tokens;
    this.calls++;
    for (const [map, k] of [
      [this.byModel, `${e.provider}/${e.model}`],
      [this.byTask, e.task],
    ] as const) {
      const r = map.get(k) ?? { usd: 0, tokens: 0, calls: 0 };
      r.usd += e.costUsd;
      r.tokens += tokens;
      r.calls++;
      map.set(k, r);
    }
  }
  result(): Spend {
    return {
      usd: this.usd,
      tokens: this.tokens,
      calls: this.calls,
      usdPer1kTokens: this.tokens ? (this.usd / this.tokens) * 1000 : null,
      byModel: Object.fromEntries(this.byModel),
      byTask: Object.fromEntries(this.byTask),
    };
  }
}

interface GroupAcc {
  cur: Acc;
  prev: Acc;
  spendCur: SpendAcc;
  spendPrev: SpendAcc;
}

function newGroup(): GroupAcc {
  return { cur: new Acc(), prev: new Acc(), spendCur: new SpendAcc(), spendPrev: new SpendAcc() };
}

function finishGroup(g: GroupAcc): KpiGroup {
  const current = g.cur.result();
  const previous = g.prev.result();
  const spend = { current: g.spendCur.result(), previous: g.spendPrev.result() };
  const trends: KpiTrends = {
    runsStarted: trend(current.runsStarted, previous.runsStarted),
    runsFinished: trend(current.runsFinished, previous.runsFinished),
    cycleTimeMedianHours: trend(current.cycleTime.median, previous.cycleTime.median),
    cycleTimeP90Hours: trend(current.cycleTime.p90, previous.cycleTime.p90),
    handOffs: trend(current.handOffs, previous.handOffs),
    handOffsPerFinishedRun: trend(current.handOffsPerFinishedRun, previous.handOffsPerFinishedRun),
    bounceBacks: trend(current.bounceBacks, previous.bounceBacks),
    defectEscapes: trend(current.defectEscapes, previous.defectEscapes),
    flowCompliance: trend(current.flowCompliance, previous.flowCompliance),
    defectDensity: trend(current.defectDensity, previous.defectDensity),
    highRiskFlagged: trend(current.highRisk.flagged, previous.highRisk.flagged),
    spendUsd: trend(spend.current.usd, spend.previous.usd),
    usdPer1kTokens: trend(spend.current.usdPer1kTokens, spend.previous.usdPer1kTokens),
  };
  for (const id of new Set([...Object.keys(current.stages), ...Object.keys(previous.stages)])) {
    trends[`stage:${id}:medianHours`] = trend(
      current.stages[id]?.time.median ?? null,
      previous.stages[id]?.time.median ?? null,
    );
  }
  return { current, previous, spend, trends };
}

/** The previous period: same length, ending where this one starts. */
export function previousPeriod(since: string, until: string): { since: string; until: string } {
  const s = Date.parse(since);
  const u = Date.parse(until);
  return { since: new Date(s - (u - s)).toISOString(), until: since };
}

/**
 * How far before the previous period the caller should load transitions so runs finishing in the window have
 * their start (cycle time) and bug runs can see the merges they refer to (defect escapes).
 */
export function loadSince(since: string, until: string, lookbackDays = 180): string {
  return new Date(Date.parse(previousPeriod(since, until).since) - lookbackDays * DAY_MS).toISOString();
}

export function computeKpis(
  transitions: readonly TransitionRecord[],
  ledger: readonly LedgerEntry[],
  opts: KpiOptions,
): KpiReport {
  return computeKpisFromRuns(buildRuns(transitions), ledger, opts);
}

export function computeKpisFromRuns(runs: readonly Run[], ledger: readonly LedgerEntry[], opts: KpiOptions): KpiReport {
  const since = Date.parse(opts.since);
  const until = Date.parse(opts.until);
  if (!(since < until))
    throw new Error(`the report period is empty: since ${opts.since} must be before until ${opts.until}`);
  const prevSince = since - (until - since);
  const windowMs = (opts.defectWindowDays ?? 30) * DAY_MS;
  const bugLabel = (opts.bugLabel ?? 'bug').toLowerCase();

  const overall = newGroup();
  const byRepo = new Map<string, GroupAcc>();
  const byFlow = new Map<string, GroupAcc>();
  const groupsFor = (repo: string, flow: string): GroupAcc[] => {
    let r = byRepo.get(repo);
    if (!r) byRepo.set(repo, (r = newGroup()));
    let f = byFlow.get(flow);
    if (!f) byFlow.set(flow, (f = newGroup()));
    return [overall, r, f];
  };
  /** Which accumulator of a group a moment belongs to, if any. */
  const which = (g: GroupAcc, at: number): Acc | undefined =>
    at >= since && at < until ? g.cur : at >= prevSince && at < since ? g.prev : undefined;

  // Merges by repo+PR, for defect escapes.
  const merges = new Map<string, Array<{ at: number; issue: number }>>();
  for (const run of runs) {
    // Only the closing transition can be a 'done'.
    const t = run.transitions[run.transitions.length - 1];
    if (t?.kind === 'done' && t.pr !== undefined) {
      const k = `${run.repo}#${t.pr}`;
      const list = merges.get(k) ?? [];
      list.push({ at: run.endedAt!, issue: run.issue });
      merges.set(k, list);
    }
  }

  const escapes: DefectEscape[] = [];
  for (const run of runs) {
    // Runs entirely outside both periods contribute nothing (and should not create empty repo/flow groups).
    if (run.startedAt >= until || (run.endedAt !== undefined && run.endedAt < prevSince)) continue;
    const groups = groupsFor(run.repo, run.flow);
    for (const g of groups) {
      if (!run.partial) {
        const a = which(g, run.startedAt);
        if (a) a.started++;
      }
      if (run.endedAt !== undefined) {
        const a = which(g, run.endedAt);
        if (a) {
          if (run.status === 'done') {
            a.finished++;
            if (!run.partial) a.cycle.push((run.endedAt - run.startedAt) / HOUR_MS);
          } else a.cancelled++;
        }
      }
      for (const s of run.stays) {
        if (s.leftAt === undefined) continue;
        const a = which(g, s.leftAt);
        if (!a) continue;
        const hours = (s.leftAt - s.enteredAt) / HOUR_MS;
        const st = a.stage(s.stage);
        st.times.push(hours);
        if (s.owners.length === 0) st.unowned += hours;
        if (s.leftBy === 'back') st.bounced++;
      }
      // Hand-offs and bounce-backs by the time of the transition that made them.
      for (const at of run.handOffAt) {
        const a = which(g, at);
        if (a) a.handOffs++;
      }
      for (const at of run.backAt) {
        const a = which(g, at);
        if (a) a.bounces++;
      }
      if (run.highRiskAt !== undefined) {
        const a = which(g, run.highRiskAt);
        if (a) {
          a.high.flagged++;
          // "How it ended" as seen at the end of the period the flag belongs to.
          const end = a === g.cur ? until : since;
          if (run.endedAt !== undefined && run.endedAt < end) a.high[run.status === 'done' ? 'done' : 'cancelled']++;
          else a.high.open++;
        }
      }
    }
    // Defect escapes.
    if (!run.partial && run.labels.some((l) => l.toLowerCase() === bugLabel)) {
      let found: DefectEscape | undefined;
      for (const ref of run.refs) {
        for (const m of merges.get(`${run.repo}#${ref}`) ?? []) {
          if (m.at <= run.startedAt && run.startedAt - m.at <= windowMs) {
            found = {
              repo: run.repo,
              issue: run.issue,
              pr: ref,
              mergedOnIssue: m.issue,
              daysAfterMerge: (run.startedAt - m.at) / DAY_MS,
            };
            break;
          }
        }
        if (found) break;
      }
      if (found) {
        let counted = false;
        for (const g of groups) {
          const a = which(g, run.startedAt);
          if (a) {
            a.escapes++;
            counted = a === g.cur;
          }
        }
        if (counted) escapes.push(found);
      }
    }
  }

  // Merged PRs: through a run when a run of the repo lists the PR.
  const carried = new Set<string>();
  for (const run of runs) for (const pr of run.prs) carried.add(`${run.repo}#${pr}`);
  for (const m of opts.merges ?? []) {
    const at = parseIso(m.at);
    if (!(at >= prevSince && at < until)) continue;
    let r = byRepo.get(m.repo);
    if (!r) byRepo.set(m.repo, (r = newGroup()));
    const through = carried.has(`${m.repo}#${m.pr}`);
    for (const g of [overall, r]) {
      const a = which(g, at)!;
      a.merged++;
      a.lines += m.lines;
      if (through) a.mergedThroughRun++;
    }
  }

  for (const e of ledger) {
    const at = parseIso(e.at);
    const cur = at >= since && at < until;
    if (!cur && !(at >= prevSince && at < since)) continue;
    let r = byRepo.get(e.repo);
    if (!r) byRepo.set(e.repo, (r = newGroup()));
    for (const g of [overall, r]) (cur ? g.spendCur : g.spendPrev).add(e);
  }

  const fin = (m: Map<string, GroupAcc>) =>
    Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)).map(([k, g]) => [k, finishGroup(g)]));
  return {
    period: { since: new Date(since).toISOString(), until: new Date(until).toISOString() },
    previous: { since: new Date(prevSince).toISOString(), until: new Date(since).toISOString() },
    overall: finishGroup(overall),
    byRepo: fin(byRepo),
    byFlow: fin(byFlow),
    escapes,
    stageOrder: stageOrder(runs),
  };
}

export interface WeekBucket {
  week: string;
  since: string;
  medianCycleHours: number | null;
  finished: number;
}

/**
 * Median cycle time of runs finished in each of the `weeks` ISO weeks ending at `end` (a Monday 00:00 UTC), in one
 * pass (the same figures computeKpis gives per week, without a pass per week).
 */
export function weeklyCycle(runs: readonly Run[], end: number, weeks: number): WeekBucket[] {
  const WEEK = 7 * DAY_MS;
  const start = end - weeks * WEEK;
  const buckets = Array.from({ length: weeks }, () => ({ cycles: [] as number[], finished: 0 }));
  for (const r of runs) {
    if (r.status !== 'done' || r.endedAt === undefined) continue;
    const b = buckets[Math.floor((r.endedAt - start) / WEEK)];
    if (!b) continue; // outside [start, end)
    b.finished++;
    if (!r.partial) b.cycles.push((r.endedAt - r.startedAt) / HOUR_MS);
  }
  return buckets.map((b, i) => {
    const s = new Date(start + i * WEEK);
    return {
      week: isoWeekOf(s),
      since: s.toISOString(),
      medianCycleHours: dist(b.cycles).median,
      finished: b.finished,
    };
  });
}
