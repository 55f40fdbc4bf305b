// A pure, seeded generator of a realistic team history for the sandbox (`baton sandbox --history 90d`): N runs over
// a period as a time-ordered list of GitHub-level actions (open issue, label, approve spec, open PR, request
// changes, push, approve, checks, merge, close, bug reports referring back to merged PRs). The same seed gives the
// same plan. Stage durations are log-normal (most work is quick, a few items drag), as cycle times are in practice.
//
// `historyToTransitions` turns a plan into the transitions the default flow (spec → build → review → ready → done)
// would record: the bench and demo seeding use it; the sandbox plays the actions through the real engine instead.
import type { TransitionRecord } from '../store/types.js';
import { DAY_MS, HOUR_MS } from './stats.js';

interface ActionBase {
  /** ISO time at which the sandbox should play the action. */
  at: string;
  issue: number;
  /** Login of who does it. */
  actor: string;
}

export type HistoryAction =
  | (ActionBase & { action: 'open-issue'; args: { title: string; body: string; labels: string[]; refs: number[] } })
  | (ActionBase & { action: 'label'; args: { label: string } })
  | (ActionBase & { action: 'approve-spec'; args: { command: string } })
  | (ActionBase & {
      action: 'open-pr';
      args: { pr: number; branch: string; title: string; highRisk: boolean; files: string[] };
    })
  | (ActionBase & { action: 'request-changes'; args: { pr: number } })
  | (ActionBase & { action: 'push'; args: { pr: number } })
  | (ActionBase & { action: 'approve'; args: { pr: number; senior: boolean } })
  | (ActionBase & { action: 'checks'; args: { pr: number; conclusion: 'success' | 'failure' } })
  | (ActionBase & { action: 'merge'; args: { pr: number } })
  | (ActionBase & { action: 'close'; args: { reason: 'not_planned' } });

export type HistoryActionKind = HistoryAction['action'];

export interface HistoryTeam {
  pm: string;
  devs: string[];
  reviewers: string[];
  seniors: string[];
}

export interface HistoryOptions {
  repo?: string;
  /** How many runs to start over the period (default 60). */
  runs?: number;
  /** Period length in days (default 90). */
  days?: number;
  /** End of the period (ISO; default: now is NOT used — pass it, the generator is pure). */
  end: string;
  seed?: number;
  team?: Partial<HistoryTeam>;
  /** The label that starts a run (default `baton`). */
  startLabel?: string;
  /** First issue number (default 1) and first PR number (default 1000). */
  firstIssue?: number;
  firstPr?: number;
}

export interface HistoryPlan {
  repo: string;
  start: string;
  end: string;
  seed: number;
  team: HistoryTeam;
  startLabel: string;
  /** Every action, sorted by time (ties keep per-issue order). */
  actions: HistoryAction[];
  /** What the plan intends per issue, for checking what the sandbox produced. */
  runs: Array<{
    issue: number;
    kind: 'feature' | 'bug';
    pr?: number;
    bounces: number;
    highRisk: boolean;
    outcome: 'merged' | 'cancelled' | 'open';
    refs: number[];
  }>;
}

const DEFAULT_TEAM: HistoryTeam = {
  pm: 'pat-pm',
  devs: ['dana-dev', 'devon-dev', 'dru-dev'],
  reviewers: ['rae-review', 'remy-review'],
  seniors: ['sage-senior'],
};

/** mulberry32: tiny, fast, good enough for plausible data, and identical on every platform. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOPICS = [
  'login form',
  'billing export',
  'search filters',
  'CSV import',
  'dark mode',
  'rate limiter',
  'audit log',
  'webhook retries',
  'onboarding email',
  'settings page',
  'API pagination',
  'cache warmup',
];
const FILES = [
  'src/auth/session.ts',
  'src/billing/invoice.ts',
  'src/ui/Settings.tsx',
  'src/api/routes.ts',
  'db/migrations/0042.sql',
  'src/search/query.ts',
  'README.md',
  'src/jobs/retry.ts',
];

export function generateHistory(o: HistoryOptions): HistoryPlan {
  const seed = o.seed ?? 42;
  const rand = rng(seed);
  const pick = <T>(a: readonly T[]): T => cyclic(a, Math.floor(rand() * a.length));
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  /** Log-normal hours with the given median and spread (sigma). */
  const hours = (median: number, sigma = 0.8) => median * Math.exp(sigma * normal());

  const repo = o.repo ?? 'acme/sandbox';
  const team: HistoryTeam = { ...DEFAULT_TEAM, ...o.team };
  const startLabel = o.startLabel ?? 'baton';
  const end = Date.parse(o.end);
  if (!Number.isFinite(end)) throw new Error(`history end "${o.end}" is not an ISO date`);
  const days = o.days ?? 90;
  const start = end - days * DAY_MS;
  const nRuns = o.runs ?? 60;
  let nextIssue = o.firstIssue ?? 1;
  let nextPr = o.firstPr ?? 1000;

  const actions: Array<HistoryAction & { seq: number }> = [];
  let seq = 0;
  const push = (a: HistoryAction, t: number) => {
    if (t < end)
      actions.push({ ...a, at: new Date(Math.round(t / 1000) * 1000).toISOString(), seq: seq++ } as HistoryAction & {
        seq: number;
      });
  };
  const runs: HistoryPlan['runs'] = [];
  const merged: Array<{ pr: number; at: number; topic: string }> = [];

  const planRun = (issue: number, t0: number, kind: 'feature' | 'bug', topic: string, refs: number[]) => {
    const dev = pick(team.devs);
    const labels = kind === 'bug' ? ['bug'] : ['enhancement'];
    const title = kind === 'bug' ? `Bug: ${topic} regressed` : `Add ${topic}`;
    const body = refs.length ? `Regression from #${refs[0]}.` : `As a user I want ${topic}.`;
    push({ at: '', issue, actor: team.pm, action: 'open-issue', args: { title, body, labels, refs } }, t0);
    let t = t0 + hours(0.5, 1) * HOUR_MS;
    push({ at: '', issue, actor: team.pm, action: 'label', args: { label: startLabel } }, t);
    const run: HistoryPlan['runs'][number] = { issue, kind, bounces: 0, highRisk: false, outcome: 'open', refs };
    runs.push(run);
    if (rand() < 0.05) {
      push(
        { at: '', issue, actor: team.pm, action: 'close', args: { reason: 'not_planned' } },
        t + hours(24) * HOUR_MS,
      );
      run.outcome = t + hours(24) * HOUR_MS < end ? 'cancelled' : 'open';
      return;
    }
    t += hours(kind === 'bug' ? 2 : 8) * HOUR_MS;
    push({ at: '', issue, actor: team.pm, action: 'approve-spec', args: { command: 'approve' } }, t);
    t += hours(kind === 'bug' ? 6 : 20, 0.9) * HOUR_MS;
    const pr = nextPr++;
    const highRisk = rand() < 0.12;
    run.pr = pr;
    run.highRisk = highRisk;
    const files = highRisk
      ? ['db/migrations/0042.sql', 'src/auth/session.ts']
      : [pick(FILES), pick(FILES)].filter((f, i, a) => a.indexOf(f) === i);
    push(
      {
        at: '',
        issue,
        actor: dev,
        action: 'open-pr',
        args: { pr, branch: `${issue}-${topic.replace(/\s+/g, '-')}`, title: `${title} (#${issue})`, highRisk, files },
      },
      t,
    );
    const bounces = rand() < 0.25 ? (rand() < 0.3 ? 2 : 1) : 0;
    run.bounces = bounces;
    for (let b = 0; b < bounces; b++) {
      t += hours(6) * HOUR_MS;
      push({ at: '', issue, actor: pick(team.reviewers), action: 'request-changes', args: { pr } }, t);
      t += hours(5) * HOUR_MS;
      push({ at: '', issue, actor: dev, action: 'push', args: { pr } }, t);
    }
    t += hours(highRisk ? 12 : 6) * HOUR_MS;
    push(
      {
        at: '',
        issue,
        actor: highRisk ? pick(team.seniors) : pick(team.reviewers),
        action: 'approve',
        args: { pr, senior: highRisk },
      },
      t,
    );
    t += hours(0.4, 0.5) * HOUR_MS;
    push({ at: '', issue, actor: 'github-actions[bot]', action: 'checks', args: { pr, conclusion: 'success' } }, t);
    t += hours(2) * HOUR_MS;
    push({ at: '', issue, actor: dev, action: 'merge', args: { pr } }, t);
    if (t < end) {
      run.outcome = 'merged';
      merged.push({ pr, at: t, topic });
    }
  };

  // Arrivals spread over the period with jitter; bugs appear later, after the merges they refer to.
  const arrivals = Array.from({ length: nRuns }, (_, i) => start + ((i + rand()) / nRuns) * (days - 3) * DAY_MS).sort(
    (a, b) => a - b,
  );
  for (const t0 of arrivals) planRun(nextIssue++, t0, 'feature', pick(TOPICS), []);
  for (const m of [...merged]) {
    if (rand() < 0.1) {
      const t0 = m.at + hours(72, 1) * HOUR_MS;
      if (t0 < end - DAY_MS) planRun(nextIssue++, t0, 'bug', m.topic, [m.pr]);
    }
  }

  actions.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.seq - b.seq));
  return {
    repo,
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    seed,
    team,
    startLabel,
    actions: actions.map(({ seq: _seq, ...a }) => a as HistoryAction),
    runs: runs.sort((a, b) => a.issue - b.issue),
  };
}

/** The transitions the default flow would record for `plan` (see the header comment). */
export function historyToTransitions(plan: HistoryPlan, flow = 'feature'): TransitionRecord[] {
  const out: TransitionRecord[] = [];
  const state = new Map<
    number,
    {
      stage: string;
      idx: number;
      labels: string[];
      refs: number[];
      dev?: string;
      risk?: 'high' | 'low';
      pr?: number;
      done: boolean;
    }
  >();
  for (const a of plan.actions) {
    const s = state.get(a.issue);
    if (a.action === 'open-issue') {
      state.set(a.issue, { stage: '', idx: 0, labels: a.args.labels, refs: a.args.refs, done: false });
      continue;
    }
    if (!s || s.done) continue;
    const move = (to: string, kind: TransitionRecord['kind'], event: string, owners: string[]) => {
      const t: TransitionRecord = {
        id: `${plan.repo}#${a.issue}:${s!.idx++}`,
        repo: plan.repo,
        issue: a.issue,
        flow,
        from: s!.stage || null,
        to,
        kind,
        event,
        by: a.actor,
        at: a.at,
        owners,
      };
      if (kind === 'start') {
        t.labels = s!.labels;
        if (s!.refs.length) t.refs = s!.refs;
      }
      if (s!.pr !== undefined) t.pr = s!.pr;
      if (s!.risk) t.risk = s!.risk;
      out.push(t);
      s!.stage = to;
      if (kind === 'done' || kind === 'cancel') s!.done = true;
    };
    switch (a.action) {
      case 'label':
        move('spec', 'start', 'issue.labeled', [plan.team.pm]);
        break;
      case 'approve-spec':
        s.dev = cyclic(plan.team.devs, a.issue);
        move('build', 'forward', 'command', [s.dev]);
        break;
      case 'open-pr':
        s.dev = a.actor;
        s.pr = a.args.pr;
        s.risk = a.args.highRisk ? 'high' : 'low';
        move('review', 'forward', 'pr.opened', a.args.highRisk ? plan.team.seniors : plan.team.reviewers);
        break;
      case 'request-changes':
        move('build', 'back', 'review.changes_requested', [s.dev ?? a.actor]);
        break;
      case 'push':
        if (s.stage === 'build')
          move('review', 'forward', 'pr.synchronize', s.risk === 'high' ? plan.team.seniors : plan.team.reviewers);
        break;
      case 'approve':
        move('ready', 'forward', 'review.approved', [s.dev ?? a.actor]);
        break;
      case 'merge':
        move('done', 'done', 'pr.merged', []);
        break;
      case 'close':
        move('cancelled', 'cancel', 'issue.closed', []);
        break;
      case 'checks':
        break;
    }
  }
  return out;
}

/** The i-th member of a non-empty list, wrapping around. */
function cyclic<T>(a: readonly T[], i: number): T {
  if (!a.length) throw new Error('history: a team needs at least one member in each role');
  return a[i % a.length] as T;
}
