// Rebuilds runs from the flat transition log. Pure. Shared by the KPIs, the digest and the dashboard board, so
// "which stage is run X in" has exactly one definition: the `to` of its latest transition.
import type { TransitionRecord } from '../store/types.js';
import { parseIso } from './stats.js';

export interface Stay {
  stage: string;
  /** Epoch ms. */
  enteredAt: number;
  /** Epoch ms; undefined while the run is still in this stage. */
  leftAt?: number;
  owners: string[];
  /** How the stay ended: the kind of the transition that left it. */
  leftBy?: TransitionRecord['kind'];
}

export interface Run {
  /** 'owner/repo#12@<start ISO>' — an issue can carry several runs over time. */
  key: string;
  repo: string;
  issue: number;
  flow: string;
  startedAt: number;
  /** Epoch ms of the done/cancel transition. */
  endedAt?: number;
  status: 'active' | 'done' | 'cancelled';
  stage: string;
  owners: string[];
  labels: string[];
  refs: number[];
  prs: number[];
  /** The issue's title, newest recorded (absent when no transition of the run carried one). */
  title?: string;
  /** Highest risk level seen on the run, and when it was first 'high'. */
  risk?: 'low' | 'medium' | 'high';
  highRiskAt?: number;
  transitions: TransitionRecord[];
  /** Epoch ms of each transition, parallel to `transitions`. */
  times: number[];
  /** When each hand-off / bounce-back happened (epoch ms). */
  handOffAt: number[];
  backAt: number[];
  stays: Stay[];
  /** Transitions (not the start) where the owner set changed. */
  handOffs: number;
  bounceBacks: number;
  /** True when the log does not hold this run's start (it began before the queried window). */
  partial: boolean;
}

/** The history index from `${repo}#${issue}:${index}`: orders two transitions recorded in the same millisecond. */
function historyIndex(id: string): number {
  const i = id.lastIndexOf(':');
  const n = i < 0 ? NaN : Number(id.slice(i + 1));
  return Number.isFinite(n) ? n : 0;
}

function sameSet(a: string[], b: string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  // Owner sets are tiny: a nested scan beats building a Set.
  for (const x of b) if (!a.includes(x)) return false;
  return true;
}

const RISK_RANK = { low: 1, medium: 2, high: 3 } as const;

/** Groups transitions into runs (a 'start' opens a new run on its issue) and derives stays, hand-offs, bounces. */
export function buildRuns(transitions: readonly TransitionRecord[]): Run[] {
  // Hot path (100k events): parse each time once, group per issue, and sort a group only when it arrived out of
  // order (the stores already return transitions ordered by time).
  const byIssue = new Map<string, { items: Entry[]; sorted: boolean }>();
  for (const t of transitions) {
    const e: Entry = { t, at: parseIso(t.at), h: historyIndex(t.id) };
    const k = t.repo + '#' + t.issue;
    let g = byIssue.get(k);
    if (!g) byIssue.set(k, (g = { items: [], sorted: true }));
    const prev = g.items[g.items.length - 1];
    if (prev && byTime(e, prev) < 0) g.sorted = false;
    g.items.push(e);
  }
  const runs: Run[] = [];
  for (const g of byIssue.values()) {
    if (!g.sorted) g.items.sort(byTime);
    let run: Run | undefined;
    for (const { t, at } of g.items) {
      const owners = t.owners ?? [];
      if (!run || t.kind === 'start' || run.status !== 'active') {
        run = newRun(t, at, owners);
        runs.push(run);
      } else {
        // An active run always has the stay it is in.
        const last = run.stays[run.stays.length - 1];
        if (last) {
          last.leftAt = at;
          last.leftBy = t.kind;
        }
        if (!sameSet(run.owners, owners)) {
          run.handOffs++;
          run.handOffAt.push(at);
        }
        if (t.kind === 'back') {
          run.bounceBacks++;
          run.backAt.push(at);
        }
      }
      run.transitions.push(t);
      run.times.push(at);
      run.stage = t.to;
      run.owners = owners;
      if (t.title !== undefined) run.title = t.title;
      if (t.pr !== undefined && !run.prs.includes(t.pr)) run.prs.push(t.pr);
      if (t.risk && (!run.risk || RISK_RANK[t.risk] > RISK_RANK[run.risk])) run.risk = t.risk;
      if (t.risk === 'high' && run.highRiskAt === undefined) run.highRiskAt = at;
      if (t.kind === 'done' || t.kind === 'cancel') {
        run.status = t.kind === 'done' ? 'done' : 'cancelled';
        run.endedAt = at;
      } else {
        run.stays.push({ stage: t.to, enteredAt: at, owners });
      }
    }
  }
  return runs;
}

interface Entry {
  t: TransitionRecord;
  /** Epoch ms. */
  at: number;
  /** History index, for two transitions in the same millisecond. */
  h: number;
}

const byTime = (a: Entry, b: Entry) => a.at - b.at || a.h - b.h;

function newRun(t: TransitionRecord, at: number, owners: string[]): Run {
  return {
    key: `${t.repo}#${t.issue}@${t.at}`,
    repo: t.repo,
    issue: t.issue,
    flow: t.flow,
    startedAt: at,
    status: 'active',
    stage: t.to,
    owners,
    labels: t.labels ?? [],
    refs: t.refs ?? [],
    prs: [],
    transitions: [],
    times: [],
    handOffAt: [],
    backAt: [],
    stays: [],
    handOffs: 0,
    bounceBacks: 0,
    partial: t.kind !== 'start',
  };
}

/**
 * Stages in flow order, for board columns and charts. The flows' own stage lists (recorded on each run's start)
 * and every forward move (`from` came before `to`) are precedence edges; a topological sort of them is the order,
 * so a window holding only the ends of long runs still shows `spec` before `build`. Ties, and cycles (a flow edited
 * to reorder its stages), fall back to the median position at which runs enter a stage; terminal stages go last.
 */
export function stageOrder(runs: readonly Run[]): string[] {
  const pos = new Map<string, number[]>();
  const terminal = new Set<string>();
  const after = new Map<string, Set<string>>();
  const edge = (a: string, b: string) => {
    if (a === b) return;
    let set = after.get(a);
    if (!set) after.set(a, (set = new Set()));
    set.add(b);
  };
  const seen = (s: string) => {
    if (!pos.has(s)) pos.set(s, []);
  };
  const lists = new Set<string>();
  for (const r of runs) {
    r.transitions.forEach((t, i) => {
      if (t.stages && !lists.has(t.stages.join('\u0000'))) {
        lists.add(t.stages.join('\u0000'));
        t.stages.forEach((s, j) => {
          seen(s);
          if (j > 0) edge(t.stages![j - 1]!, s);
        });
      }
      // A cancel names the stage the run was in when it stopped, not a stage it entered: it says nothing of order.
      if (t.kind === 'cancel') return;
      if (t.kind === 'done') terminal.add(t.to);
      if ((t.kind === 'forward' || t.kind === 'done') && t.from !== null) {
        seen(t.from);
        edge(t.from, t.to);
      }
      seen(t.to);
      pos.get(t.to)!.push(i);
    });
  }
  const score = new Map<string, number>();
  for (const [s, list] of pos) {
    const a = Float64Array.from(list).sort();
    score.set(s, (terminal.has(s) ? 1e6 : 0) + (a[a.length >> 1] ?? 0));
  }
  const rank = (a: string, b: string) =>
    Number(terminal.has(a)) - Number(terminal.has(b)) || score.get(a)! - score.get(b)! || a.localeCompare(b);
  // Kahn's algorithm over the few stages there are; a terminal stage waits until only terminal ones are left.
  const indegree = new Map<string, number>([...pos.keys()].map((s) => [s, 0]));
  for (const set of after.values()) for (const b of set) indegree.set(b, (indegree.get(b) ?? 0) + 1);
  const left = new Set(pos.keys());
  const out: string[] = [];
  while (left.size) {
    const all = [...left].sort(rank);
    // Non-terminal stages first; within them the first one nothing else must precede. In a cycle none is ready:
    // the best-ranked one goes, which drops its incoming edges.
    const pool = all.some((s) => !terminal.has(s)) ? all.filter((s) => !terminal.has(s)) : all;
    const next = pool.find((s) => indegree.get(s) === 0) ?? pool[0]!;
    left.delete(next);
    out.push(next);
    for (const b of after.get(next) ?? []) indegree.set(b, indegree.get(b)! - 1);
  }
  return out;
}
