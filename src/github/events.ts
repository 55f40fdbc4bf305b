// Webhook payload → engine events. The only place that knows webhook payload shapes. Lookups that need GitHub or the
// store (a PR's linked issue, a commenter's permission, a PR's approvals) are injected, and asked only when needed.
import type { BatonEvent, PrRef } from '../engine/types.js';
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
}

export interface Normalized {
  events: BatonEvent[];
  /** A PR that changes `.github/flow.yml`: validate it and report a check run on its head. */
  flowCheck?: { pr: number; headSha: string; headRef: string };
  /** A push that changed the default branch's flow.yml (cache invalidation is by blob sha; this only logs). */
  configPushed?: boolean;
  /** Why there is nothing to do, for logs. */
  ignored?: string;
}

export const FLOW_PATH = '.github/flow.yml';
/** The delivery name of SLA timer jobs (not a GitHub event). */
export const SLA_EVENT = 'baton.sla';

export function isBotSender(payload: P): boolean {
  const s = payload.sender;
  return !!s && (s.type === 'Bot' || /\[bot\]$/.test(String(s.login)));
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
      const target = cmd?.command === 'link' ? Number(String(cmd.args[0] ?? '').replace('#', '')) : NaN;
      if (Number.isInteger(target) && target > 0) return `${repo}#${target}`;
      return viaPr(undefined, payload.issue.number);
    }
    case 'pull_request':
    case 'pull_request_review':
      return viaPr(payload.pull_request);
    case 'check_suite':
    case 'check_run': {
      const prs: P[] = (payload.check_suite ?? payload.check_run)?.pull_requests ?? [];
      if (prs.length) return viaPr(undefined, prs[0]!.number);
      return `${repo}!sha:${(payload.check_suite ?? payload.check_run)?.head_sha}`;
    }
    case SLA_EVENT:
      return `${repo}#${payload.issue}`;
    default:
      return `${repo}!${name}`;
  }
}

function prRef(pr: P): PrRef {
  return { number: pr.number, author: pr.user?.login, headSha: pr.head?.sha, headRef: pr.head?.ref, draft: !!pr.draft };
}

export async function normalize(name: string, payload: P, lookups: Lookups, botLogin?: string): Promise<Normalized> {
  const repo: string = payload.repository?.full_name;
  if (!repo) return { events: [], ignored: `no repository in ${name}` };
  const action: string | undefined = payload.action;
  const actor: string = payload.sender?.login ?? 'ghost';
  const own = botLogin !== undefined && actor.toLowerCase() === botLogin.toLowerCase() && name !== SLA_EVENT;
  if (own) return { events: [], ignored: 'own event' };
  const checkEvent = name === 'check_suite' || name === 'check_run';
  if (isBotSender(payload) && !checkEvent && name !== SLA_EVENT) return { events: [], ignored: `bot sender ${actor}` };

  const base = (issue: number, at: string, id: string, issueAuthor?: string) => ({
    id,
    at,
    actor,
    repo,
    issue,
    issueAuthor,
  });

  if (name === 'issues') {
    const issue = payload.issue as P;
    if (issue.pull_request) return { events: [], ignored: 'issue event on a PR' };
    const at = issue.updated_at ?? new Date().toISOString();
    const author = issue.user?.login;
    const b = (t: string) =>
      base(issue.number, at, `${t}:${repo}#${issue.number}:${payload.label?.name ?? ''}:${at}`, author);
    if (action === 'labeled')
      return { events: [{ ...b('issue.labeled'), type: 'issue.labeled', label: payload.label.name }] };
    if (action === 'unlabeled')
      return { events: [{ ...b('issue.unlabeled'), type: 'issue.unlabeled', label: payload.label.name }] };
    if (action === 'closed') return { events: [{ ...b('issue.closed'), type: 'issue.closed' }] };
    if (action === 'reopened') return { events: [{ ...b('issue.reopened'), type: 'issue.reopened' }] };
    return { events: [], ignored: `issues.${action}` };
  }

  if (name === 'pull_request') {
    const pr = payload.pull_request as P;
    const touchesFlow = action === 'opened' || action === 'synchronize' || action === 'reopened';
    const flowCheck = touchesFlow ? { pr: pr.number, headSha: pr.head.sha, headRef: pr.head.ref } : undefined;
    const link = linkedIssue(pr, repo);
    const issue = link?.issue ?? (await lookups.issueForPr(pr.number));
    const out: Normalized = { events: [], ...(flowCheck ? { flowCheck } : {}) };
    if (issue === undefined)
      return { ...out, ignored: out.flowCheck ? undefined : `PR #${pr.number} is not linked to an issue` };
    const ref = prRef(pr);
    const at: string =
      (action === 'closed' ? (pr.closed_at ?? pr.merged_at) : pr.updated_at) ?? new Date().toISOString();
    const mk = (type: Extract<BatonEvent, { pr: PrRef; type: `pr.${string}` }>['type'], extra = '') =>
      ({
        ...base(issue, at, `${type}:${repo}!${pr.number}:${extra || pr.head.sha}`),
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
  }

  if (name === 'pull_request_review') {
    if (action !== 'submitted') return { events: [], ignored: `pull_request_review.${action}` };
    const pr = payload.pull_request as P;
    const issue = linkedIssue(pr, repo)?.issue ?? (await lookups.issueForPr(pr.number));
    if (issue === undefined) return { events: [], ignored: `review on unlinked PR #${pr.number}` };
    const review = payload.review as P;
    const state = String(review.state).toLowerCase();
    const type =
      state === 'approved'
        ? 'review.approved'
        : state === 'changes_requested'
          ? 'review.changes_requested'
          : 'review.commented';
    if (type === 'review.commented') return { events: [], ignored: 'comment-only review' };
    const approvals = type === 'review.approved' ? await lookups.approvals(pr.number) : [];
    if (type === 'review.approved' && !approvals.includes(review.user.login)) approvals.push(review.user.login);
    return {
      events: [
        {
          ...base(issue, review.submitted_at ?? pr.updated_at, `review:${repo}:${review.id}`),
          type,
          pr: prRef(pr),
          reviewer: review.user.login,
          approvals,
        } as BatonEvent,
      ],
    };
  }

  if (checkEvent) {
    if (action !== 'completed') return { events: [], ignored: `${name}.${action}` };
    const c = (payload.check_suite ?? payload.check_run) as P;
    if (botLogin && c.app?.slug && `${c.app.slug}[bot]`.toLowerCase() === botLogin.toLowerCase())
      return { events: [], ignored: 'own check' };
    const prs: P[] = c.pull_requests ?? [];
    const events: BatonEvent[] = [];
    for (const p of prs.slice(0, 5)) {
      const issue = await lookups.issueForPr(p.number);
      if (issue === undefined) continue;
      const at = c.completed_at ?? c.updated_at ?? new Date().toISOString();
      events.push({
        ...base(issue, at, `${name}:${repo}:${c.id}:${c.conclusion}:${at}`),
        type: 'checks.completed',
        pr: { number: p.number, author: '', headSha: c.head_sha },
        conclusion: String(c.conclusion),
        check: name === 'check_run' ? c.name : (c.app?.name ?? 'suite'),
        suite: name === 'check_suite',
      });
    }
    return events.length ? { events } : { events, ignored: `${name} on no linked PR` };
  }

  if (name === 'issue_comment') {
    if (action !== 'created') return { events: [], ignored: `issue_comment.${action}` };
    const cmd = parseCommand(payload.comment?.body);
    if (!cmd) return { events: [], ignored: 'not a command' };
    const onPr = !!payload.issue.pull_request;
    let issue: number = payload.issue.number;
    let pr: PrRef | undefined;
    if (cmd.command === 'link') {
      const target = Number(String(cmd.args[0] ?? '').replace(/^#/, ''));
      if (Number.isInteger(target) && target > 0) {
        const p = await lookups.pull(onPr ? payload.issue.number : target);
        if (p)
          pr = { number: p.number, author: p.user.login, headSha: p.head.sha, headRef: p.head.ref, draft: p.draft };
        if (onPr) issue = target;
      }
    } else if (onPr) {
      const linked = await lookups.issueForPr(payload.issue.number);
      if (linked === undefined) return { events: [], ignored: `command on unlinked PR #${payload.issue.number}` };
      issue = linked;
    }
    const permission = await lookups.permission(actor);
    const comment = payload.comment as P;
    return {
      events: [
        {
          ...base(
            issue,
            comment.created_at ?? new Date().toISOString(),
            `command:${repo}:${comment.id}`,
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
  }

  if (name === SLA_EVENT) {
    // Baton's own timer (src/app/sla.ts), queued like a webhook so it is ordered with the issue's other jobs.
    return {
      events: [
        {
          id: `sla:${repo}#${payload.issue}:${payload.entry}`,
          type: 'sla.tick',
          at: payload.at,
          actor: 'baton',
          repo,
          issue: payload.issue,
        },
      ],
    };
  }

  if (name === 'push') {
    const changed = (payload.commits ?? []).some((c: P) =>
      [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])].includes(FLOW_PATH),
    );
    const toDefault = payload.ref === `refs/heads/${payload.repository?.default_branch}`;
    return { events: [], configPushed: changed && toDefault, ignored: 'push' };
  }

  return { events: [], ignored: `${name}${action ? `.${action}` : ''}` };
}
