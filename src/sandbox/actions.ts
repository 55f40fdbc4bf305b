// GitHub Actions as the sandbox models it: which webhook deliveries start a workflow run, under which event name and
// payload, and with what token. `baton action` and the tests run Baton's action entry once per triggered run, the way
// a runner would. Each rule cites the GitHub docs page it follows.

/** A delivery as the sandbox sent it. */
export interface SentDelivery {
  event: string;
  payload: Record<string, unknown>;
}

/** A workflow run GitHub Actions would start: its `GITHUB_EVENT_NAME`, the event payload, and whether the token is read-only. */
export interface WorkflowTrigger {
  eventName: string;
  payload: Record<string, unknown>;
  /** Pull requests from forks get a read-only GITHUB_TOKEN. */
  readOnlyToken: boolean;
}

export interface WorkflowOn {
  /** Event names the workflow's `on:` lists, e.g. ['issues', 'issue_comment', 'pull_request_target', 'workflow_run']. */
  events: string[];
  /** `on.workflow_run.workflows`: the workflows whose completion triggers this one (names). */
  workflowRunOf?: string[];
}

type P = Record<string, any>;

/** The login GITHUB_TOKEN writes appear under (https://docs.github.com/en/actions/concepts/security/github_token). */
export const ACTIONS_BOT = 'github-actions[bot]';
/** The GitHub Actions App's slug (its check suites are workflow runs). */
export const ACTIONS_APP_SLUG = 'github-actions';

function isFork(payload: P): boolean {
  const head = payload.pull_request?.head?.repo;
  return !!head && head.full_name !== payload.repository?.full_name;
}

/**
 * The workflow runs a delivery starts. Rules:
 * - "events triggered by the GITHUB_TOKEN, with the exception of workflow_dispatch and repository_dispatch, will not
 *   create a new workflow run" (https://docs.github.com/en/actions/concepts/security/github_token).
 * - check_suite "does not trigger workflows if the check suite was created by GitHub Actions"; a finished workflow
 *   run is reported to other workflows as `workflow_run` instead
 *   (https://docs.github.com/en/actions/reference/workflows-and-actions/events-that-trigger-workflows#check_suite,
 *   #workflow_run). The sandbox's CI is GitHub Actions, so its completed suite is a completed workflow run.
 * - `pull_request_target` runs for the same activity as `pull_request` in the base repository's context, with a
 *   token that can write even for forks; `pull_request` from a fork gets a read-only GITHUB_TOKEN
 *   (https://docs.github.com/en/actions/reference/workflows-and-actions/events-that-trigger-workflows#pull_request_target).
 */
export function workflowTriggers(
  d: SentDelivery,
  on: WorkflowOn,
  /** The workflow a check suite belongs to (sandbox state); the sandbox's own CI is the workflow "CI". */
  suiteWorkflow: (suiteId: number) => string | undefined = () => undefined,
): WorkflowTrigger[] {
  const p = d.payload as P;
  const out: WorkflowTrigger[] = [];
  const fromActions = (p.check_suite ?? p.check_run)?.app?.slug === ACTIONS_APP_SLUG;
  if (d.event === 'check_suite' && fromActions) {
    if (on.events.includes('workflow_run') && p.action === 'completed') {
      const s = p.check_suite as P;
      const name = suiteWorkflow(s.id) ?? 'CI';
      // `on.workflow_run.workflows` is required by GitHub: only the listed workflows' runs trigger.
      if (on.workflowRunOf?.includes(name))
        out.push({ eventName: 'workflow_run', payload: workflowRunPayload(p, s, name), readOnlyToken: false });
    }
    return out;
  }
  if (d.event === 'check_run' && fromActions) return out;
  if (String(p.sender?.login).toLowerCase() === ACTIONS_BOT) return out;
  if (d.event === 'pull_request' && on.events.includes('pull_request_target'))
    out.push({ eventName: 'pull_request_target', payload: p, readOnlyToken: false });
  if (on.events.includes(d.event))
    out.push({ eventName: d.event, payload: p, readOnlyToken: d.event.startsWith('pull_request') && isFork(p) });
  return out;
}

/** The `workflow_run` payload for a completed Actions check suite (the fields GitHub documents and Baton reads). */
function workflowRunPayload(p: P, s: P, name: string): P {
  return {
    action: 'completed',
    workflow_run: {
      id: s.id,
      name,
      head_sha: s.head_sha,
      head_branch: s.head_branch,
      event: 'pull_request',
      status: 'completed',
      conclusion: s.conclusion,
      pull_requests: s.pull_requests ?? [],
      created_at: s.created_at,
      updated_at: s.updated_at,
      run_attempt: 1,
    },
    workflow: { name, path: '.github/workflows/ci.yml' },
    repository: p.repository,
    organization: p.organization,
    sender: p.sender,
  };
}
