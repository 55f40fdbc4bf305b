// The dashboard's JSON payloads, computed from runs. Pure.
import type { LedgerEntry, TransitionRecord } from '../../store/types.js';
import { buildRuns, stageOrder, type Run } from '../runs.js';
import { computeKpisFromRuns, weeklyCycle, type KpiReport } from '../kpis.js';
import type { MergeRecord } from '../merges.js';
import { DAY_MS, HOUR_MS, weekStart } from '../stats.js';
import { eventWords } from '../../engine/words.js';

export interface RunCard {
  repo: string;
  issue: number;
  /** The issue's title as last recorded (older data has none). */
  title?: string;
  flow: string;
  stage: string;
  status: Run['status'];
  owners: string[];
  startedAt: string;
  lastAt: string;
  ageHours: number;
  risk?: string;
  bounceBacks: number;
  /** The partner API token that started the run, when one did. */
  source?: string;
}

export interface BoardColumn {
  stage: string;
  /** `active`: runs working in this stage; `done`: finished runs; `cancelled`: runs stopped early, set apart. */
  kind: 'active' | 'done' | 'cancelled';
  count: number;
  runs: RunCard[];
}

export interface Board {
  columns: BoardColumn[];
}

/** The column cancelled runs are set apart in: they stopped, so they belong to no stage's work. */
export const CANCELLED_COLUMN = 'cancelled';

export function board(
  runs: readonly Run[],
  since: number,
  until: number,
  perColumn = 50,
  sources: ReadonlyMap<string, string> = new Map(),
): Board {
  // A run always has its first transition's time.
  const lastAt = (r: Run) => r.times[r.times.length - 1] ?? r.startedAt;
  const visible = runs.filter((r) => {
    const last = lastAt(r);
    return last < until && (r.status === 'active' || last >= since);
  });
  const by = new Map<string, Run[]>();
  const cancelled: Run[] = [];
  for (const r of visible) {
    if (r.status === 'cancelled') {
      cancelled.push(r);
      continue;
    }
    const list = by.get(r.stage) ?? [];
    list.push(r);
    by.set(r.stage, list);
  }
  const card = (r: Run): RunCard => ({
    repo: r.repo,
    issue: r.issue,
    ...(r.title !== undefined ? { title: r.title } : {}),
    flow: r.flow,
    stage: r.stage,
    status: r.status,
    owners: r.owners,
    startedAt: new Date(r.startedAt).toISOString(),
    lastAt: new Date(lastAt(r)).toISOString(),
    ageHours: ((r.endedAt ?? until) - r.startedAt) / HOUR_MS,
    ...(r.risk ? { risk: r.risk } : {}),
    bounceBacks: r.bounceBacks,
    ...(sources.has(`${r.repo}#${r.issue}`) ? { source: sources.get(`${r.repo}#${r.issue}`)! } : {}),
  });
  const column = (stage: string, kind: BoardColumn['kind'], list: Run[]): BoardColumn => {
    list.sort((a, b) => lastAt(b) - lastAt(a) || a.issue - b.issue);
    return { stage, kind, count: list.length, runs: list.slice(0, perColumn).map(card) };
  };
  // A stage runs finish in (the `to` of a done move) is where finished work collects: the board folds it away.
  const terminal = new Set(visible.flatMap((r) => r.transitions.filter((t) => t.kind === 'done').map((t) => t.to)));
  const columns = stageOrder(visible).map((stage) => {
    const list = by.get(stage) ?? [];
    const kind = terminal.has(stage) && list.every((r) => r.status === 'done') ? 'done' : 'active';
    return column(stage, kind, list);
  });
  if (cancelled.length) columns.push(column(CANCELLED_COLUMN, 'cancelled', cancelled));
  return { columns };
}

export interface Timeline {
  repo: string;
  issue: number;
  /** The issue's title as last recorded. */
  title?: string;
  entries: Array<
    Pick<TransitionRecord, 'at' | 'from' | 'to' | 'kind' | 'event' | 'by' | 'owners' | 'pr' | 'risk'> & {
      hoursInPrevious: number | null;
      /** What happened, in words ("bob pushed to #2"), as the status card says it. */
      what: string;
    }
  >;
}

export function timeline(transitions: readonly TransitionRecord[], repo: string, issue: number): Timeline {
  const mine = transitions.filter((t) => t.repo === repo && t.issue === issue);
  const runs = buildRuns(mine);
  const entries: Timeline['entries'] = [];
  for (const r of runs) {
    let prev: number | undefined;
    for (const t of r.transitions) {
      const at = Date.parse(t.at);
      entries.push({
        at: t.at,
        from: t.from,
        to: t.to,
        kind: t.kind,
        event: t.event,
        by: t.by,
        owners: t.owners ?? [],
        ...(t.pr !== undefined ? { pr: t.pr } : {}),
        ...(t.risk ? { risk: t.risk } : {}),
        hoursInPrevious: prev === undefined ? null : (at - prev) / HOUR_MS,
        what: eventWords({ event: t.event, by: t.by, ...(t.pr !== undefined ? { pr: t.pr } : {}) }),
      });
      prev = at;
    }
  }
  const title = runs.findLast((r) => r.title !== undefined)?.title;
  return { repo, issue, ...(title !== undefined ? { title } : {}), entries };
}

export interface KpiPayload {
  report: Pick<KpiReport, 'period' | 'previous' | 'overall' | 'escapes'>;
  stageChart: { labels: string[]; median: Array<number | null>; p90: Array<number | null> };
  trend: { labels: string[]; median: Array<number | null>; finished: number[] };
  spend: { labels: string[]; usd: number[] };
}

export function kpiPayload(
  runs: readonly Run[],
  ledger: readonly LedgerEntry[],
  since: number,
  until: number,
  merges: readonly MergeRecord[] = [],
): KpiPayload {
  const report = computeKpisFromRuns(runs, ledger, {
    since: new Date(since).toISOString(),
    until: new Date(until).toISOString(),
    merges,
  });
  const order = stageOrder(runs).filter((s) => report.overall.current.stages[s]);
  const stages = report.overall.current.stages;
  // Weekly trend across the period (at least 8 weeks so a short period still shows a direction, at most 26).
  const weeks = Math.min(26, Math.max(8, Math.ceil((until - weekStart(new Date(since)).getTime()) / (7 * DAY_MS))));
  const end = weekStart(new Date(until - 1)).getTime() + 7 * DAY_MS;
  const buckets = weeklyCycle(runs, end, weeks);
  const trend: KpiPayload['trend'] = {
    labels: buckets.map((b) => b.week),
    median: buckets.map((b) => round(b.medianCycleHours)),
    finished: buckets.map((b) => b.finished),
  };
  const models = Object.entries(report.overall.spend.current.byModel).sort(([, a], [, b]) => b.usd - a.usd);
  return {
    report: { period: report.period, previous: report.previous, overall: report.overall, escapes: report.escapes },
    stageChart: {
      labels: order,
      median: order.map((s) => round(stages[s]?.time.median ?? null)),
      p90: order.map((s) => round(stages[s]?.time.p90 ?? null)),
    },
    trend,
    // Only models that cost something: the offline rules "spend" $0, which is no AI spend to chart.
    spend: {
      labels: models.filter(([, v]) => v.usd > 0).map(([m]) => m),
      usd: models.filter(([, v]) => v.usd > 0).map(([, v]) => Number(v.usd.toFixed(6))),
    },
  };
}

function round(v: number | null): number | null {
  return v === null ? null : Number(v.toFixed(2));
}
