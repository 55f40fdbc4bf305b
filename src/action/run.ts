// One workflow job = one event, through the same engine as the app: the payload is normalised by github/events.ts,
// the flow is loaded from the default branch, the run is read from its card, engine/decide.ts decides, and the
// effects go through github/apply.ts with the journal of src/action/job-store.ts. The app's Worker does all of that
// for a recorded delivery; here the delivery is the runner's GITHUB_EVENT_PATH and the store lives for one job.
// `schedule` (and `workflow_dispatch`) sweep SLAs and post the weekly digest.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Octokit } from '@octokit/rest';
import type { Flow } from '../flow/types.js';
import { decide, STAGE_LABEL_PREFIX } from '../engine/decide.js';
import type { RunState } from '../engine/types.js';
import { Worker } from '../app/worker.js';
import { createLogger } from '../ops/log.js';
import { RepoRegistry } from '../app/timers.js';
import { FlowConfigs } from '../github/config.js';
import { configProblemTitle } from '../github/config-problem.js';
import { normalize, orderingKey, SLA_EVENT, type Lookups } from '../github/events.js';
import { linkedIssue } from '../github/links.js';
import { GitHubPort, type OctokitLike } from '../github/port.js';
import { RunStates } from '../github/runs.js';
import { CARD_MARKER, parseCard } from '../github/card.js';
import { HIGH_RISK_LABEL } from '../engine/decide.js';
import { lazyRouter, lazyTasks } from './lazy.js';
import { lastDue } from '../report/scheduler.js';
import { transitionEffect } from '../report/transition-effect.js';
import { isoWeek } from '../report/stats.js';
import type { TransitionRecord } from '../store/types.js';
import type { ActionInputs } from './inputs.js';
import { JobStore } from './job-store.js';
import { requestLog, type Degradation, type WriteRecord } from './requests.js';
import { errorMessage } from '../ops/errors.js';
import { approvers } from '../github/reviews.js';

type P = Record<string, any>;

export interface Decided {
  issue: string;
  event: string;
  note?: string;
}

export interface ActionResult {
  eventName: string;
  /** What the job did: one event, the scheduled sweep, a decision without writes, or only the concurrency group. */
  mode: 'event' | 'schedule' | 'read-only' | 'route';
  /** Why the job ran read-only (a fork's pull request), or why it did nothing. */
  reason?: string;
  decisions: Decided[];
  transitions: TransitionRecord[];
  /** The run's stage after the job, and whether it moved. */
  stage?: string;
  status?: RunState['status'];
  moved: boolean;
  writes: WriteRecord[];
  degraded: Degradation[];
  /** LLM spend of this job, and of the run so far. */
  spendUsd: number;
  runSpendUsd?: number;
  requests: number;
  /** Effects the engine wanted but a read-only token could not apply. */
  wouldApply: string[];
  /** The concurrency group of the event (route mode). */
  group?: string;
  /** ms from process start to the (first) decision. */
  decidedAtMs?: number;
  /** The job failed: why, and what to do. */
  failed?: string;
  verified: boolean;
}

export interface RunOptions {
  /** Inject a client (tests of the degraded paths use the real one; this is for callers with their own auth). */
  octokit?: OctokitLike;
  now?: () => Date;
}

/** Fork pull requests run with a read-only GITHUB_TOKEN (pull_request, pull_request_review, …; not _target). */
export function forkReason(eventName: string, payload: P): string | undefined {
  if (!/^pull_request(_review|_review_comment)?$/.test(eventName)) return undefined;
  const head = payload.pull_request?.head?.repo?.full_name;
  const base = payload.repository?.full_name;
  if (!head || !base || head === base) return undefined;
  return `this ${eventName} event comes from the fork ${head}, so the workflow token is read-only`;
}

/** The event name the app's normaliser knows: pull_request_target carries a pull_request payload. */
const APP_EVENT: Record<string, string> = { pull_request_target: 'pull_request' };

export async function runAction(inputs: ActionInputs, opts: RunOptions = {}): Promise<ActionResult> {
  const now = opts.now ?? (() => new Date());
  const result: ActionResult = {
    eventName: inputs.eventName,
    mode: 'event',
    decisions: [],
    transitions: [],
    moved: false,
    writes: [],
    degraded: [],
    spendUsd: 0,
    requests: 0,
    wouldApply: [],
    verified: inputs.runAttempt > 1,
  };
  let payload: P;
  try {
    payload = JSON.parse(readFileSync(inputs.eventPath, 'utf8')) as P;
  } catch (err) {
    result.failed = `Could not read the event payload at ${inputs.eventPath} (GITHUB_EVENT_PATH): ${errorMessage(err)}`;
    return result;
  }
  const base =
    opts.octokit ??
    new Octokit({
      baseUrl: inputs.apiUrl,
      auth: inputs.token,
      userAgent: 'baton-action',
      log: { debug() {}, info() {}, warn() {}, error() {} },
    });
  const reqs = requestLog(base);
  result.writes = reqs.writes;
  result.degraded = reqs.degraded;
  const port = new GitHubPort(reqs.octokit, inputs.repo);
  const repoName = port.fullName;
  const store = new JobStore(
    async (_repo, pr) => {
      // No store to remember links: the PR itself says which issue it closes (keyword or branch name).
      const pull = await port.findPull(pr);
      return pull ? linkedIssue(pull, repoName)?.issue : undefined;
    },
    async (ns, key) => {
      // A broken flow.yml is reported once per blob: an earlier job's report issue is on GitHub.
      if (ns !== 'flow-problem') return false;
      const title = configProblemTitle(key.slice(key.lastIndexOf('@') + 1));
      return (await port.listIssues({ state: 'all' })).some((i) => i.title === title);
    },
    (scope) => {
      // `run_usd` holds across jobs: the card this job read says what the run has spent.
      const m = /^run:(.+)#(\d+)$/.exec(scope.scope);
      if (!m || m[1] !== repoName) return 0;
      const run = cardIn(reqs.cards.filter((b) => parseCard(b)?.issue === Number(m[2])));
      return run?.spendUsd ?? 0;
    },
  );
  const eventName = APP_EVENT[inputs.eventName] ?? inputs.eventName;
  // The repository of the event must be the job's (a payload from elsewhere is not ours to act on).
  if (!payload.repository) payload.repository = { full_name: repoName };

  try {
    if (inputs.mode === 'route') {
      result.mode = 'route';
      result.group = await orderingKey(eventName, payload, (pr) => store.issueForPr(repoName, pr));
      return result;
    }
    const fork = forkReason(inputs.eventName, payload);
    if (fork) {
      result.mode = 'read-only';
      result.reason = fork;
      await decideOnly(port, store, inputs, eventName, payload, result);
      return result;
    }
    const repos = new RepoRegistry(store);
    const worker = makeWorker(inputs, store, reqs.octokit, result, repos);
    if (eventName === 'schedule' || eventName === 'workflow_dispatch') {
      result.mode = 'schedule';
      await sweep(worker, repos, port, store, now(), result, inputs.botLogin);
    } else {
      const id = `actions-run:${inputs.runId}`;
      const key = await orderingKey(eventName, payload, (pr) => store.issueForPr(repoName, pr));
      await store.recordDelivery({ id, name: eventName, key, payload, receivedAt: now().toISOString() });
      await worker.handle({ id, key, name: eventName, attempt: inputs.runAttempt });
    }
  } catch (err) {
    result.failed = explain(err);
  } finally {
    result.requests = reqs.count();
    finish(result, store, reqs);
  }
  return result;
}

function makeWorker(
  inputs: ActionInputs,
  store: JobStore,
  octokit: OctokitLike,
  result: ActionResult,
  repos: RepoRegistry,
): Worker {
  return new Worker({
    store,
    router: (flow: Flow) =>
      lazyRouter({
        store,
        config: { ...(flow.llm ?? {}), budgets: { ...(flow.llm?.budgets ?? {}), ...inputs.budgets } } as Flow['llm'],
        llm: inputs.llm,
      }),
    tasks: lazyTasks,
    octokitFor: async () => octokit,
    botLogin: () => inputs.botLogin,
    flowPath: inputs.flowPath,
    // The job summary is the report; logs would only repeat it (and the runner shows stdout to anyone with read access).
    log: createLogger({ level: 'silent' }),
    hooks: {
      transition: (t) => void result.transitions.push(t),
      decided: (d) => {
        result.decidedAtMs ??= Math.round(performance.now());
        result.decisions.push({ issue: d.issue, event: d.event.type, ...(d.note ? { note: d.note } : {}) });
      },
    },
    // A failed job is a failed workflow run: GitHub's "Re-run jobs" is the retry, so nothing is dead-lettered here.
    maxAttempts: Number.POSITIVE_INFINITY,
    repos,
  });
}

/** The run's stage after the job (from the card Baton wrote, else the one it read), spend, and whether it moved. */
function finish(result: ActionResult, store: JobStore, reqs: ReturnType<typeof requestLog>): void {
  result.moved = result.transitions.some((t) => t.from !== t.to);
  result.spendUsd = Math.round(store.entries.reduce((s, e) => s + e.costUsd, 0) * 1e6) / 1e6;
  const run = cardIn(reqs.cards);
  if (run && result.mode !== 'read-only') {
    result.stage = run.stage;
    result.status = run.status;
    result.runSpendUsd = run.spendUsd;
  }
}

/** Read-only token: decide and report what would have been done; write nothing. */
async function decideOnly(
  port: GitHubPort,
  store: JobStore,
  inputs: ActionInputs,
  eventName: string,
  payload: P,
  result: ActionResult,
): Promise<void> {
  const norm = await normalize(eventName, payload, lookups(port, store), inputs.botLogin);
  if (!norm.events.length) {
    result.reason = `${result.reason}; nothing to decide (${norm.ignored ?? 'no event'})`;
    return;
  }
  const flows = new FlowConfigs(store, inputs.flowPath);
  const branch: string = payload.repository?.default_branch ?? (await port.getRepo()).default_branch;
  const flow = (await flows.get(port, branch)).flow;
  if (!flow) return;
  const runs = new RunStates(store, () => inputs.botLogin);
  for (const ev of norm.events) {
    const read = await runs.read(port, ev.issue);
    const d = decide(flow, read.run, ev, {});
    result.decidedAtMs ??= Math.round(performance.now());
    result.decisions.push({
      issue: `${port.fullName}#${ev.issue}`,
      event: ev.type,
      ...(d.note ? { note: d.note } : {}),
    });
    for (const e of d.effects) if (e.kind !== 'card' && e.kind !== 'transition') result.wouldApply.push(describe(e));
    const run = d.run ?? read.run;
    if (run) {
      result.stage = run.stage;
      result.status = run.status;
    }
  }
}

function describe(e: { kind: string } & Record<string, any>): string {
  switch (e.kind) {
    case 'label.add':
      return `label #${e.issue} ${e.labels.join(', ')}`;
    case 'label.remove':
      return `remove label ${e.label} from #${e.issue}`;
    case 'assign':
      return `assign ${e.users.join(', ')} on #${e.issue}`;
    case 'unassign':
      return `unassign ${e.users.join(', ')} on #${e.issue}`;
    case 'review.request':
      return `request review on #${e.pr} from ${[...e.users, ...e.teams].join(', ')}`;
    case 'comment':
      return `comment on #${e.issue}`;
    case 'react':
      return `react ${e.content} to comment ${e.commentId}`;
    case 'check':
      return `check run "${e.name}" ${e.conclusion}`;
    case 'task':
      return `${e.task} task for #${e.pr}`;
    default:
      return e.kind;
  }
}

function lookups(port: GitHubPort, store: JobStore): Lookups {
  return {
    issueForPr: (pr) => store.issueForPr(port.fullName, pr),
    permission: (login) => port.getPermission(login),
    // Each reviewer's latest verdict, read the one way (github/reviews.ts).
    approvals: async (pr) => approvers(await port.listReviews(pr)),
    pull: (pr) => port.findPull(pr),
  };
}

/**
 * The scheduled sweep: every open issue whose stage label names a stage with an SLA gets an SLA tick (the engine
 * nudges once per stage entry: the card's `nudged` list), then the week's digest if it is due and not yet posted.
 */
async function sweep(
  worker: Worker,
  repos: RepoRegistry,
  port: GitHubPort,
  store: JobStore,
  at: Date,
  result: ActionResult,
  bot: string,
): Promise<void> {
  const repo = await port.getRepo();
  const flow = (await worker.flows.get(port, repo.default_branch)).flow;
  if (!flow) {
    result.reason = 'no valid .github/flow.yml on the default branch';
    return;
  }
  await repos.observe({ repo: port.fullName, defaultBranch: repo.default_branch, flow });
  const withSla = new Set(flow.stages.filter((s) => s.slaMs).map((s) => `${STAGE_LABEL_PREFIX}${s.id}`));
  const open = await port.listIssues({ state: 'open' });
  const due = open.filter((i) => !i.pull_request && i.labels.some((l) => l !== HIGH_RISK_LABEL && withSla.has(l)));
  const repository = { full_name: port.fullName, default_branch: repo.default_branch };
  for (const issue of due) {
    const id = `sla-sweep:${port.fullName}#${issue.number}:${at.toISOString()}`;
    const sla = {
      repository,
      issue: issue.number,
      entry: `sweep@${at.toISOString()}`,
      at: at.toISOString(),
      sender: { login: 'baton', type: 'Bot' },
    };
    await store.recordDelivery({
      id,
      name: SLA_EVENT,
      key: `${port.fullName}#${issue.number}`,
      payload: sla,
      receivedAt: at.toISOString(),
    });
    await worker.handle({ id, key: `${port.fullName}#${issue.number}`, name: SLA_EVENT, attempt: 1 });
  }
  await digestIfDue(worker, port, store, flow, at, result, bot);
}

/** Post the week's digest once: the digest issue's comments say whether this ISO week's is there already. */
async function digestIfDue(
  worker: Worker,
  port: GitHubPort,
  store: JobStore,
  flow: Flow,
  at: Date,
  result: ActionResult,
  bot: string,
): Promise<void> {
  const enabled = flow.digest.enabled ?? flow.digest.issue !== undefined;
  if (!enabled || flow.digest.issue === undefined) return;
  const due = lastDue(flow.digest.cron ?? '0 9 * * 1', at);
  const week = isoWeek(due);
  const marker = `<!-- baton:digest ${week} -->`;
  const comments = await port.listComments(flow.digest.issue);
  if (comments.some((c) => c.body.includes(marker))) return;
  await transitionsFromCards(port, store, flow, at, bot);
  await worker.postDigest(port.fullName, week);
  result.decisions.push({ issue: `${port.fullName}#${flow.digest.issue}`, event: 'digest', note: `posted ${week}` });
}

/**
 * The digest's KPIs come from the transition log; on Actions that log is the cards' history. Read the cards of the
 * runs active in the digest's window (weekly: one listing plus one read per run) into this job's store.
 */
async function transitionsFromCards(
  port: GitHubPort,
  store: JobStore,
  flow: Flow,
  at: Date,
  bot: string,
): Promise<void> {
  const since = new Date(at.getTime() - 9 * 7 * 86_400_000).toISOString();
  const issues = (await port.listIssues({ state: 'all', since })).filter(
    (i) => !i.pull_request && i.labels.some((l) => l.startsWith(STAGE_LABEL_PREFIX) && l !== HIGH_RISK_LABEL),
  );
  for (const issue of issues) {
    // Only Baton's own cards: anyone can write a comment that looks like one.
    const mine = (await port.listComments(issue.number)).filter(
      (c) => c.user.login.toLowerCase() === bot.toLowerCase(),
    );
    const card = cardIn(mine.map((c) => c.body));
    if (!card || card.repo !== port.fullName) continue;
    const record = transitionEffect({ store, repo: port.fullName, flow, run: () => card });
    for (const entry of card.history)
      await record({ kind: 'transition', key: `${card.issue}:${entry.at}`, entry, issue: card.issue });
  }
}

function explain(err: unknown): string {
  const e = err as { status?: number; message?: string; request?: { method?: string; url?: string } };
  const msg = String(e?.message ?? err);
  if (e?.status === 403 && /not accessible by integration/i.test(msg)) {
    const where = e.request ? ` (${e.request.method} ${new URL(String(e.request.url)).pathname})` : '';
    return `GitHub refused a write${where}: the token lacks a permission. Give the job \`issues: write\`, \`pull-requests: write\` and \`contents: write\` in its \`permissions:\` block (see README "Baton on Actions").`;
  }
  if (e?.status === 401)
    return 'GitHub answered 401: the token is invalid or expired. Pass `github-token: ${{ github.token }}` or an App token.';
  return msg;
}

/** The last card state in what Baton read or wrote during the job. */
export function cardIn(bodies: string[]): RunState | undefined {
  for (let i = bodies.length - 1; i >= 0; i--) if (bodies[i]!.includes(CARD_MARKER)) return parseCard(bodies[i]!);
  return undefined;
}
