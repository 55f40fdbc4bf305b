// The `task` effect: run a risk or docs task for a PR and hand its result back as a `task.done` event, so the
// engine, not the worker, decides what the result means for the run.
import { roleOf } from '../engine/owners.js';
import type { BatonEvent, Effect, RunState, TaskResult } from '../engine/types.js';
import type { Flow } from '../flow/types.js';
import type { GitHubPort } from '../github/port.js';
import type { LlmRouter } from '../llm/types.js';
import { errorMessage } from '../ops/errors.js';
import type { TaskContext } from './types.js';

export interface TaskRunners {
  risk(ctx: TaskContext): Promise<TaskResult>;
  docs(ctx: TaskContext): Promise<TaskResult>;
}

export interface TaskEffectDeps {
  port: GitHubPort;
  flow: Flow;
  router: LlmRouter;
  tasks: TaskRunners;
  run: () => RunState;
  /** Where the `task.done` events go; the worker decides them after the current effects. */
  followUps: BatonEvent[];
  /** The event being decided (its time stamps the follow-up). */
  cause?: BatonEvent;
  dismissStaleApprovals?: boolean;
  /** Members of team slugs, keyed by the lower-cased slug (cached by the worker). */
  teamMembers?: (slugs: string[]) => Promise<Record<string, string[]>>;
}

export function taskEffect(d: TaskEffectDeps): (e: Effect) => Promise<void> {
  return async (e) => {
    if (e.kind !== 'task') return;
    const run = d.run();
    const ctx: TaskContext = {
      port: d.port,
      router: d.router,
      flow: d.flow,
      run,
      pr: e.pr,
      org: d.port.ref.owner,
      repo: d.port.fullName,
      now: () => new Date(),
      roleMembers: (role) => roleOf(d.flow, role),
      ...(d.teamMembers ? { teamMembers: d.teamMembers } : {}),
      ...(d.dismissStaleApprovals !== undefined ? { dismissStaleApprovals: d.dismissStaleApprovals } : {}),
    };
    let result: TaskResult;
    try {
      result = await (e.task === 'risk' ? d.tasks.risk(ctx) : d.tasks.docs(ctx));
    } catch (err) {
      // A task failing (GitHub trouble) is retried with the job; the LLM side never throws (offline fallback).
      throw Object.assign(new Error(`${e.task} task for PR #${e.pr} failed: ${errorMessage(err)}`), { cause: err });
    }
    d.followUps.push({
      id: `${e.key}:done`,
      type: 'task.done',
      task: e.task,
      pr: e.pr,
      result,
      at: d.cause?.at ?? new Date().toISOString(),
      actor: 'baton',
      repo: d.port.fullName,
      issue: run.issue,
    });
  };
}
