// Rebuilds runs from the flat transition log. Pure. Shared by the KPIs, the digest and the dashboard board, so
// "which stage is run X in" has exactly one definition: the `to` of its latest transition.
import type { TransitionRecord } from '../store/types.js';

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
  /** Highest risk level seen on the run, and when it was first 'high'. */
  risk?: 'low' | 'medium' | 'high';
  highRiskAt?: number;
  transitions: TransitionRecord[];
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
  if (a.length !== b.length) return false;
  const s = new Set(a);
  return b.every((x) => s.has(x));
}

const RISK_RANK = { low: 1, medium: 2, high: 3 } as const;

/** Groups transitions into runs (a 'start' opens a new run on its issue) and derives stays, hand-offs, bounces. */
export function buildRuns(transitions: readonly TransitionRecord[]): Run[] {
  const byIssue = new Map<string, Array<{ t: TransitionRecord; at: number; idx: number }>>();
  for (const t of transitions) {
    const k = `${t.repo}#${t.issue}`;
    let list = byIssue.get(k);
    if (!list) byIssue.set(k, (list = []));
    list.push({ t, at: Date.parse(t.at), idx: historyIndex(t.id) });
  }
  const runs: Run[] = [];
  for (const list of byIssue.values()) {
    list.sort((a, b) => a.at - b.at || a.idx - b.idx);
    let run: Run | undefined;
    for (const { t, at } of list) {
      if (!run || t.kind === 'start' || run.status !== 'active') {
        run = {
          key: `${t.repo}#${t.issue}@${t.at}`,
          repo: t.repo,
          issue: t.issue,
          flow: t.flow,
          startedAt: at,
          status: 'active',
          stage: t.to,
          owners: t.owners ?? [],
          labels: t.labels ?? [],
          refs: t.refs ?? [],
          prs: [],
          transitions: [],
          stays: [],
          handOffs: 0,
          bounceBacks: 0,
          partial: t.kind !== 'start',
        };
        runs.push(run);
      } else {
        const last = run.stays[run.stays.length - 1];
        last.leftAt = at;
        last.leftBy = t.kind;
        if (!sameSet(run.owners, t.owners ?? [])) run.handOffs++;
        if (t.kind === 'back') run.bounceBacks++;
      }
      run.transitions.push(t);
      run.stage = t.to;
      run.owners = t.owners ?? [];
      if (t.pr !== undefined && !run.prs.includes(t.pr)) run.prs.push(t.pr);
      if (t.risk && (!run.risk || RISK_RANK[t.risk] > RISK_RANK[run.risk])) run.risk = t.risk;
      if (t.risk === 'high' && run.highRiskAt === undefined) run.highRiskAt = at;
      if (t.kind === 'done' || t.kind === 'cancel') {
        run.status = t.kind === 'done' ? 'done' : 'cancelled';
        run.endedAt = at;
      } else {
        run.stays.push({ stage: t.to, enteredAt: at, owners: t.owners ?? [] });
      }
    }
  }
  return runs;
}
