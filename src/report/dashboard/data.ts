// The dashboard's JSON payloads, computed from runs. Pure.
import type { LedgerEntry, TransitionRecord } from '../../store/types.js';
import { buildRuns, stageOrder, type Run } from '../runs.js';
import { computeKpisFromRuns, weeklyCycle, type KpiReport } from '../kpis.js';
import { DAY_MS, HOUR_MS, weekStart } from '../stats.js';

export interface RunCard {
  repo: string;
  issue: number;
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

export interface Board {
  columns: Array<{ stage: string; count: number; runs: RunCard[] }>;
}

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
  for (const r of visible) {
    const list = by.get(r.stage) ?? [];
    list.push(r);
    by.set(r.stage, list);
  }
  return {
    columns: stageOrder(visible).map((stage) => {
      const list = (by.get(stage) ?? []).sort((a, b) => lastAt(b) - lastAt(a) || a.issue - b.issue);
      return {
        stage,
        count: list.length,
        runs: list.slice(0, perColumn).map((r) => ({
          repo: r.repo,
          issue: r.issue,
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
        })),
      };
    }),
  };
}

export interface Timeline {
  repo: string;
  issue: number;
  entries: Array<
    Pick<TransitionRecord, 'at' | 'from' | 'to' | 'kind' | 'event' | 'by' | 'owners' | 'pr' | 'risk'> & {
      hoursInPrevious: number | null;
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
      });
      prev = at;
    }
  }
  return { repo, issue, entries };
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
): KpiPayload {
  const report = computeKpisFromRuns(runs, ledger, {
    since: new Date(since).toISOString(),
    until: new Date(until).toISOString(),
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
    spend: { labels: models.map(([m]) => m), usd: models.map(([, v]) => Number(v.usd.toFixed(6))) },
  };
}

function round(v: number | null): number | null {
  return v === null ? null : Number(v.toFixed(2));
}
