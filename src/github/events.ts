// Webhook payload → engine events. The only place that knows webhook payload shapes: a table of one typed function
// per event (payload types from @octokit/webhooks), as Prow's hook dispatches to its plugins. Lookups that need GitHub
// or the store (a PR's linked issue, a commenter's permission, a PR's approvals) are injected, and asked only when
// needed. Adding an event: a function and a row in EVENTS.
import type { EmitterWebhookEvent } from '@octokit/webhooks';
import { linkTarget } from '../engine/commands.js';
import type { BatonEvent, PrRef } from '../engine/types.js';
import { isBot } from './bots.js';
import { combineChecks, type CheckRunLike, type StatusLike } from './combined-checks.js';
import { linkedIssue, parseCommand } from './links.js';

type P = Record<string, any>;

export interface Lookups {
  /** Issue linked to a PR earlier (store), when the PR's own text does not say. */
  issueForPr(pr: number): Promise<number | undefined>;
  permission(login: string): Promise<'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none'>;
  /** Logins whose latest review on the PR is an approval. */
  approvals(pr: number): Promise<string[]>;
  pull(pr: number): Promise<
    | {
        number: number;
        user: { login: string };
        head: { sha: string; ref: string };
        draft: boolean;
        title: string;
        body: string | null;
      }
    | undefined
  >;
  /** Every check run and commit status on a commit (to tell whether all of them are finished). */
  checksOn?(sha: string): Promise<{ runs: CheckRunLike[]; statuses: StatusLike[] }>;
  /** Open PRs whose head is `sha`: check events of fork PRs and status events name no PR. */
  prsForSha?(sha: string): Promise<number[]>;
}

export interface Normalized {
  events: BatonEvent[];
  /** A PR that changes `.github/flow.yml`: validate it and report a check run on its head. */
  flowCheck?: { pr: number; headSha: string; headRef: string };
  /** A push that changed the default branch's flow.yml: the remembered org flow / absent file is read again. */
  configPushed?: boolean;
  /** Why there is nothing to do, for logs. */
  ignored?: string;
}

export const FLOW_PATH = '.github/flow.yml';
/** The delivery name of SLA timer jobs (not a GitHub event). */
export const SLA_EVENT = 'baton.sla';
/** The delivery name of the reconcile sweep's jobs (src/app/reconcile.ts): events it derived from GitHub's state. */
export const RECONCILE_EVENT = 'baton.reconcile';

export function isBotSender(payload: P): boolean {
  return isBot(payload.sender);
}

/** The ordering key of a delivery: one issue's jobs run in order, one at a time. Cheap: no GitHub calls. */
export async function orderingKey(
  name: string,
  payload: P,
  issueForPr: (pr: number) => Promise<number | undefined>,
): Promise<string> {
  const repo = payload.repository?.full_name ?? 'unknown/unknown';
  const viaPr = async (pr: P | undefined, number?: number): Promise<string> => {
    const n = number ?? pr?.number;
    const byText = pr ? linkedIssue(pr, repo)?.issue : undefined;
    const issue = byText ?? (n !== undefined ? await issueForPr(n) : undefined);
    return issue !== undefined ? `${repo}#${issue}` : `${repo}!pr${n}`;
  };
  switch (name) {
    case 'issues':
      return `${repo}#${payload.issue.number}`;
    case 'issue_comment': {
      if (!payload.issue.pull_request) return `${repo}#${payload.issue.number}`;
      const cmd = parseCommand(payload.comment?.body);
      const target = cmd?.command === 'link' ? linkTarget(cmd.args) : undefined;
      if (target !== undefined) return `${repo}#${target}`;
      return viaPr(undefined, payload.issue.number);
    }
    case 'pull_request':
    case 'pull_request_review':
      return viaPr(payload.pull_request);
    case 'workflow_run': {
      const prs: P[] = payload.workflow_run?.pull_requests ?? [];
      if (prs.length) return viaPr(undefined, prs[0]!.number);
      return `${repo}!sha:${payload.workflow_run?.head_sha}`;
    }
    case 'status':
      return `${repo}!sha:${payload.sha}`;
    case 'check_suite':
    case 'check_run': {
      const prs: P[] = (payload.check_suite ?? payload.check_run)?.pull_requests ?? [];
      if (prs.length) return viaPr(undefined, prs[0]!.number);
      return `${repo}!sha:${(payload.check_suite ?? payload.check_run)?.head_sha}`;
    }
    case SLA_EVENT:
    case RECONCILE_EVENT:
      return `${repo}#${payload.issue}`;
    default:
      return `${repo}!${name}`;
  }
}

type Payload<K extends GitHubEvent> = EmitterWebhookEvent<K>['payload'];
type GitHubEvent =
  | 'issues'
  | 'pull_request'
  | 'pull_request_review'
  | 'check_suite'
  | 'check_run'
  | 'issue_comment'
  | 'push'
  | 'status'
  | 'workflow_run';

/** What every event function gets besides its payload. */
interface EventContext {
  name: string;
  repo: string;
  actor: string;
  lookups: Lookups;
  botLogin?: string;
  /** The fields every engine event carries. */
  base(issue: number, at: string, id: string, issueAuthor?: string): Omit<BatonEvent & { type: 'sla.tick' }, 'type'>;
  /**
   * The id of an occurrence whose payload carries no id of its own (a label added, an issue closed, a PR reopened):
   * its content plus the delivery's GUID. Timestamps have one-second precision, so content alone cannot tell a label
   * removed and re-added within a second from a redelivery; the GUID can — GitHub gives each event one GUID, shared
   * by all its deliveries, redeliveries included ("guid: Unique identifier for the event (shared with all deliveries
   * for all webhooks that subscribe to this event)", https://docs.github.com/en/rest/apps/webhooks#get-a-delivery-for-an-app-webhook;
   * https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers). Without a GUID (the Action's
   * event file) the content stands alone.
   */
  occurrence(content: string): string;
}

type EventFn<T> = (payload: T, c: EventContext) => Promise<Normalized>;

interface ReconcilePayload {
  repository: { full_name: string };
  issue: number;
  events: BatonEvent[];
}

interface SlaPayload {
  repository: { full_name: string };
  issue: number;
  entry: string;
  at: string;
}

const nothing = (ignored: string): Normalized => ({ events: [], ignored });
const now = () => new Date().toISOString();

function prRef(pr: {
  number: number;
  user?: { login: string } | null;
  head?: { sha: string; ref: string };
  draft?: boolean;
}): PrRef {
  return {
    number: pr.number,
    author: pr.user?.login ?? 'ghost',
    headSha: pr.head?.sha as string,
    headRef: pr.head?.ref,
    draft: !!pr.draft,
  };
}

const issues: EventFn<Payload<'issues'>> = async (payload, c) => {
  const issue = payload.issue;
  if (issue.pull_request) return nothing('issue event on a PR');
  const at = issue.updated_at ?? now();
  const label = 'label' in payload ? payload.label : undefined;
  const b = (t: string) =>
    c.base(
      issue.number,
      at,
      c.occurrence(`${t}:${c.repo}#${issue.number}:${label?.name ?? ''}:${at}`),
      issue.user?.login,
    );
  switch (payload.action) {
    case 'labeled':
    case 'unlabeled': {
      // GitHub's schema makes `label` optional and real deliveries omit it (a label deleted meanwhile): nothing to match.
      if (!label?.name) return nothing(`issues.${payload.action} without a label`);
      const type = payload.action === 'labeled' ? 'issue.labeled' : 'issue.unlabeled';
      return { events: [{ ...b(type), type, label: label?.name as string }] };
    }
    case 'closed': {
      // `completed` or `not_planned`: a merge that closes the issue ("Fixes #N") closes it as completed.
      const reason = issue.state_reason;
      return { events: [{ ...b('issue.closed'), type: 'issue.closed', ...(reason ? { reason } : {}) }] };
    }
    case 'reopened':
      return { events: [{ ...b('issue.reopened'), type: 'issue.reopened' }] };
    default:
      return nothing(`issues.${payload.action}`);
  }
};

const pullRequest: EventFn<Payload<'pull_request'>> = async (payload, c) => {
  const pr = payload.pull_request;
  const action = payload.action;
  const touchesFlow = action === 'opened' || action === 'synchronize' || action === 'reopened';
  const flowCheck = touchesFlow ? { pr: pr.number, headSha: pr.head.sha, headRef: pr.head.ref } : undefined;
  const link = linkedIssue(pr, c.repo);
  const issue = link?.issue ?? (await c.lookups.issueForPr(pr.number));
  const out: Normalized = { events: [], ...(flowCheck ? { flowCheck } : {}) };
  if (issue === undefined)
    return { ...out, ignored: out.flowCheck ? undefined : `PR #${pr.number} is not linked to an issue` };
  const ref = prRef(pr);
  const at: string = (action === 'closed' ? (pr.closed_at ?? pr.merged_at) : pr.updated_at) ?? now();
  // Opening and merging happen once per PR, and linking the same issue twice is one link; reopening, marking ready,
  // pushing a sha seen before and closing can repeat, so those are told apart by their delivery (see occurrence).
  const once = action === 'opened' || action === 'edited' || (action === 'closed' && !!pr.merged);
  const mk = (type: Extract<BatonEvent, { pr: PrRef; type: `pr.${string}` }>['type'], extra = '') =>
    ({
      ...c.base(
        issue,
        at,
        ((x: string) => (once ? x : c.occurrence(x)))(`${type}:${c.repo}!${pr.number}:${extra || pr.head.sha}`),
      ),
      type,
      pr: ref,
      ...(link ? { linkedBy: link.by } : {}),
    }) as BatonEvent;
  switch (action) {
    case 'opened':
    case 'reopened':
      out.events.push(mk('pr.opened', `${action}:${pr.head.sha}`));
      break;
    case 'ready_for_review':
      out.events.push(mk('pr.ready_for_review'));
      break;
    case 'synchronize':
      out.events.push(mk('pr.synchronize', payload.after ?? pr.head.sha));
      break;
    case 'closed':
      out.events.push(pr.merged ? mk('pr.merged', pr.merge_commit_sha ?? pr.head.sha) : mk('pr.closed', at));
      break;
    case 'edited':
      if (link) out.events.push(mk('pr.linked', `edited:${link.issue}`));
      break;
    default:
      return { ...out, ignored: out.flowCheck ? undefined : `pull_request.${action}` };
  }
  return out;
};

const pullRequestReview: EventFn<Payload<'pull_request_review'>> = async (payload, c) => {
  if (payload.action !== 'submitted') return nothing(`pull_request_review.${payload.action}`);
  const pr = payload.pull_request;
  const issue = linkedIssue(pr, c.repo)?.issue ?? (await c.lookups.issueForPr(pr.number));
  if (issue === undefined) return nothing(`review on unlinked PR #${pr.number}`);
  const review = payload.review;
  const state = String(review.state).toLowerCase();
  const type =
    state === 'approved' ? 'review.approved' : state === 'changes_requested' ? 'review.changes_requested' : undefined;
  if (!type) return nothing('comment-only review');
  // A deleted account's review has `user: null`: it counts as the ghost user's.
  const reviewer = review.user?.login ?? 'ghost';
  const approvals = type === 'review.approved' ? await c.lookups.approvals(pr.number) : [];
  if (type === 'review.approved' && !approvals.includes(reviewer)) approvals.push(reviewer);
  return {
    events: [
      {
        ...c.base(issue, review.submitted_at ?? pr.updated_at, `review:${c.repo}:${review.id}`),
        type,
        pr: prRef(pr),
        reviewer,
        approvals,
        ...(review.html_url ? { url: review.html_url } : {}),
      },
    ],
  };
};

/**
 * The PRs a check result is about: the ones GitHub attaches (at most five), or, when it attaches none (a PR from a
 * fork: "pull_requests" is empty, https://docs.github.com/en/webhooks/webhook-events-and-payloads#check_suite; and
 * every commit status), the open PRs whose head is the commit.
 */
async function prsOf(c: EventContext, sha: string, attached?: Array<{ number: number } | null>): Promise<number[]> {
  const listed = (attached ?? []).filter((p): p is { number: number } => !!p).map((p) => p.number);
  if (listed.length) return listed.slice(0, 5);
  return ((await c.lookups.prsForSha?.(sha)) ?? []).slice(0, 5);
}

/** One `checks.completed` per linked PR, carrying the state of every check and status on the head. */
async function checksCompleted(
  c: EventContext,
  sha: string,
  prs: number[],
  id: string,
  at: string,
  result: { conclusion: string; check: string; suite: boolean },
): Promise<Normalized> {
  const events: BatonEvent[] = [];
  let all: ReturnType<typeof combineChecks> | undefined;
  for (const number of prs) {
    const issue = await c.lookups.issueForPr(number);
    if (issue === undefined) continue;
    if (!all && c.lookups.checksOn) {
      const { runs, statuses } = await c.lookups.checksOn(sha);
      all = combineChecks(runs, statuses, c.botLogin?.replace(/\[bot\]$/, ''));
    }
    events.push({
      ...c.base(issue, at, id),
      type: 'checks.completed',
      pr: { number, author: '', headSha: sha },
      ...result,
      ...(all ? { all } : {}),
    });
  }
  return events.length ? { events } : { events, ignored: `${c.name} on no linked PR` };
}

/** check_suite and check_run completions. */
async function checks(
  c: EventContext,
  action: string,
  check: {
    id: number;
    head_sha: string;
    conclusion: string | null;
    name?: string;
    app?: { slug?: string; name?: string } | null;
    pull_requests?: Array<{ number: number }>;
    completed_at?: string | null;
    updated_at?: string | null;
  },
): Promise<Normalized> {
  if (action !== 'completed') return nothing(`${c.name}.${action}`);
  if (c.botLogin && check.app?.slug && `${check.app.slug}[bot]`.toLowerCase() === c.botLogin.toLowerCase())
    return nothing('own check');
  const at = check.completed_at ?? check.updated_at ?? now();
  return checksCompleted(
    c,
    check.head_sha,
    await prsOf(c, check.head_sha, check.pull_requests),
    `${c.name}:${c.repo}:${check.id}:${check.conclusion}:${at}`,
    at,
    {
      conclusion: String(check.conclusion),
      check: c.name === 'check_run' ? (check.name as string) : (check.app?.name ?? 'suite'),
      suite: c.name === 'check_suite',
    },
  );
}

/**
 * A commit status (Jenkins, CircleCI, Buildkite post statuses, not checks): a finished one is a check result on
 * every open PR whose head is that commit (https://docs.github.com/en/webhooks/webhook-events-and-payloads#status).
 */
const status: EventFn<Payload<'status'>> = async (payload, c) => {
  if (payload.state === 'pending') return nothing('status pending');
  const at = payload.updated_at ?? now();
  return checksCompleted(
    c,
    payload.sha,
    await prsOf(c, payload.sha),
    `status:${c.repo}:${payload.id}:${payload.state}`,
    at,
    { conclusion: payload.state === 'success' ? 'success' : 'failure', check: payload.context, suite: false },
  );
};

const checkSuite: EventFn<Payload<'check_suite'>> = (payload, c) =>
  checks(c, payload.action, payload.check_suite as Parameters<typeof checks>[2]);
const checkRun: EventFn<Payload<'check_run'>> = (payload, c) =>
  checks(c, payload.action, payload.check_run as Parameters<typeof checks>[2]);

/**
 * A finished workflow run: how CI on GitHub Actions reports to a Baton that runs as an action, since check_suite
 * events of Actions' own suites start no workflows
 * (https://docs.github.com/en/actions/reference/workflows-and-actions/events-that-trigger-workflows#workflow_run).
 * The workflow's name is the check name; the run stands for the whole suite.
 */
const workflowRun: EventFn<Payload<'workflow_run'>> = async (payload, c) => {
  if (payload.action !== 'completed') return nothing(`workflow_run.${payload.action}`);
  const w = payload.workflow_run;
  const events: BatonEvent[] = [];
  for (const p of (w.pull_requests ?? []).slice(0, 5)) {
    if (!p) continue;
    const issue = await c.lookups.issueForPr(p.number);
    if (issue === undefined) continue;
    const at = w.updated_at ?? now();
    events.push({
      ...c.base(issue, at, `workflow_run:${c.repo}:${w.id}:${w.run_attempt ?? 1}:${w.conclusion}`),
      type: 'checks.completed',
      pr: { number: p.number, author: '', headSha: w.head_sha },
      conclusion: String(w.conclusion),
      check: w.name ?? payload.workflow?.name ?? 'workflow',
      suite: true,
    });
  }
  return events.length ? { events } : { events, ignored: 'workflow_run on no linked PR' };
};

const issueComment: EventFn<Payload<'issue_comment'>> = async (payload, c) => {
  if (payload.action !== 'created') return nothing(`issue_comment.${payload.action}`);
  const cmd = parseCommand(payload.comment?.body);
  if (!cmd) return nothing('not a command');
  const onPr = !!payload.issue.pull_request;
  let issue: number = payload.issue.number;
  let pr: PrRef | undefined;
  if (cmd.command === 'link') {
    const target = linkTarget(cmd.args);
    if (target !== undefined) {
      const p = await c.lookups.pull(onPr ? payload.issue.number : target);
      if (p) pr = { number: p.number, author: p.user.login, headSha: p.head.sha, headRef: p.head.ref, draft: p.draft };
      if (onPr) issue = target;
    }
  } else if (onPr) {
    const linked = await c.lookups.issueForPr(payload.issue.number);
    if (linked === undefined) return nothing(`command on unlinked PR #${payload.issue.number}`);
    issue = linked;
  }
  const permission = await c.lookups.permission(c.actor);
  const comment = payload.comment;
  return {
    events: [
      {
        ...c.base(
          issue,
          comment.created_at ?? now(),
          `command:${c.repo}:${comment.id}`,
          onPr ? undefined : payload.issue.user?.login,
        ),
        type: 'command',
        command: cmd.command,
        args: cmd.args,
        commentId: comment.id,
        permission,
        ...(pr ? { pr } : {}),
      },
    ],
  };
};

/** Baton's own timer (src/app/timers.ts), queued like a webhook so it is ordered with the issue's other jobs. */
const slaTick: EventFn<SlaPayload> = async (payload, c) => ({
  events: [
    {
      id: `sla:${c.repo}#${payload.issue}:${payload.entry}`,
      type: 'sla.tick',
      at: payload.at,
      actor: 'baton',
      repo: c.repo,
      issue: payload.issue,
    },
  ],
});

/** Missed transitions found by the reconcile sweep: already engine events, decided like any other. */
const reconciled: EventFn<ReconcilePayload> = async (payload, c) => ({
  events: (payload.events ?? []).filter((e) => e.repo === c.repo && e.issue === payload.issue),
});

/**
 * A push payload lists at most 2048 commits (https://docs.github.com/en/webhooks/webhook-events-and-payloads#push):
 * a push at that cap may have changed the flow in a commit it does not list, so it counts as a change.
 */
export const PUSH_COMMITS_CAP = 2048;

const push: EventFn<Payload<'push'>> = async (payload) => {
  const commits = payload.commits ?? [];
  const changed =
    commits.length >= PUSH_COMMITS_CAP ||
    commits.some((commit) =>
      [...(commit.added ?? []), ...(commit.modified ?? []), ...(commit.removed ?? [])].includes(FLOW_PATH),
    );
  const toDefault = payload.ref === `refs/heads/${payload.repository?.default_branch}`;
  return { events: [], configPushed: changed && toDefault, ignored: 'push' };
};

interface EventRow<T> {
  fn: EventFn<T>;
  /** Bot senders are dropped unless the event is about bots' work (CI results) or Baton's own timers. */
  fromBots?: boolean;
  /** The sender only started the work the event reports (a workflow run): even Baton's own is not an echo. */
  fromSelf?: boolean;
  /** Reaches Baton only as an Action (a workflow trigger): the App does not subscribe to it (app.yml). */
  actionOnly?: boolean;
}

/** The events Baton reads; any other delivery is recorded and ignored. */
const EVENTS: { [K in GitHubEvent]: EventRow<Payload<K>> } & {
  [SLA_EVENT]: EventRow<SlaPayload>;
  [RECONCILE_EVENT]: EventRow<ReconcilePayload>;
} = {
  // Other bots' work moves runs like people's: a merge queue's merge, a pre-commit/Renovate push, a bot's review or
  // label. Only commands from bots are ignored (and flow.yml's `ignore_bots:` drops named bots altogether).
  issues: { fn: issues, fromBots: true },
  pull_request: { fn: pullRequest, fromBots: true },
  pull_request_review: { fn: pullRequestReview, fromBots: true },
  check_suite: { fn: checkSuite, fromBots: true },
  check_run: { fn: checkRun, fromBots: true },
  status: { fn: status, fromBots: true },
  issue_comment: { fn: issueComment },
  // A bot's push (Renovate, a merge queue) changes flow.yml like anyone's.
  push: { fn: push, fromBots: true },
  workflow_run: { fn: workflowRun, fromBots: true, fromSelf: true, actionOnly: true },
  [SLA_EVENT]: { fn: slaTick, fromBots: true, fromSelf: true },
  [RECONCILE_EVENT]: { fn: reconciled, fromBots: true, fromSelf: true },
};

/** The GitHub webhook events Baton reads (recovery ignores failed deliveries of any other). */
export const GITHUB_EVENTS: readonly string[] = Object.keys(EVENTS).filter(
  (k) => k !== SLA_EVENT && k !== RECONCILE_EVENT,
);

/**
 * Deliveries Baton reads outside the event registry: repository moves (app/worker.ts) and installation changes
 * (app/inventory.ts). Recovery fetches their missed deliveries like any other.
 */
export const EVENTS_READ_ELSEWHERE: readonly string[] = ['repository', 'installation', 'installation_repositories'];

/** Of those, the ones the App must subscribe to in app.yml (the rest reach only the Action). */
export const APP_EVENTS: readonly string[] = GITHUB_EVENTS.filter(
  (k) => !(EVENTS as Record<string, EventRow<unknown>>)[k]?.actionOnly,
);

/** `delivery`: the X-GitHub-Delivery GUID the payload came with, when there is one (see `occurrence`). */
export async function normalize(
  name: string,
  payload: P,
  lookups: Lookups,
  botLogin?: string,
  delivery?: string,
): Promise<Normalized> {
  const repo: string = payload.repository?.full_name;
  if (!repo) return nothing(`no repository in ${name}`);
  const actor: string = payload.sender?.login ?? 'ghost';
  const row = (EVENTS as Record<string, EventRow<unknown> | undefined>)[name];
  if (!row?.fromSelf && botLogin !== undefined && actor.toLowerCase() === botLogin.toLowerCase())
    return nothing('own event');
  if (isBotSender(payload) && !row?.fromBots) return nothing(`bot sender ${actor}`);
  if (!row) return nothing(`${name}${payload.action ? `.${payload.action}` : ''}`);
  const context: EventContext = {
    name,
    repo,
    actor,
    lookups,
    ...(botLogin !== undefined ? { botLogin } : {}),
    base: (issue, at, id, issueAuthor) => ({ id, at, actor, repo, issue, issueAuthor }),
    occurrence: (content) => (delivery ? `${content}@${delivery}` : content),
  };
  return row.fn(payload, context);
}
