// What a task (risk, docs) is given: every side effect is injected so the task itself stays testable.
import type { GitHubPort } from '../github/port.js';
import type { LlmRouter } from '../llm/types.js';
import type { Flow } from '../flow/types.js';
import type { RunState, TaskResult } from '../engine/types.js';

export interface TaskContext {
  port: GitHubPort;
  router: LlmRouter;
  flow: Flow;
  run: RunState;
  pr: number;
  org: string;
  repo: string;
  now: () => Date;
  /** Members of a flow role (users without '@', teams as 'org/team'). */
  roleMembers: (role: string) => { users: string[]; teams: string[] };
  /** Members of team slugs, keyed by the lower-cased slug (the worker's cached directory; listed per team if absent). */
  teamMembers?: (slugs: string[]) => Promise<Record<string, string[]>>;
  /** Approvals count only on the PR's current head (BATON_DISMISS_STALE_APPROVALS; default true). */
  dismissStaleApprovals?: boolean;
}

export type { TaskResult };
