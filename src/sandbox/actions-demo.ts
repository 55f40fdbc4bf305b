// The sandbox with Baton running as a GitHub Action instead of an App: the sandbox's App is GitHub Actions itself
// (its bot is github-actions[bot]), and an ActionsRunner runs the README's workflow for every delivery. Shaped like
// LocalBaton so the demo scenario plays through it unchanged.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ACTIONS_BOT } from './actions.js';
import { ActionsRunner, type RunnerOptions } from './actions-runner.js';
import { Sandbox } from './github-server.js';
import { DEMO_FLOW_PATH } from './local-baton.js';
import { seedDemo, type SeededDemo } from './seed.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The committed bundle the action runs (action.yml `runs.main`). */
export const ACTION_ENTRY = join(root, 'dist', 'index.js');
/** GitHub Actions' App id (the sandbox's CI already uses it). */
const ACTIONS_APP_ID = 15368;

export interface WorkflowSpec {
  on: RunnerOptions['on'];
  permissions: Record<string, string>;
}

/** The "Baton on Actions" workflow from the README: its triggers and the Baton job's permissions. */
export function readmeWorkflow(readme = readFileSync(join(root, 'README.md'), 'utf8')): {
  text: string;
  spec: WorkflowSpec;
} {
  const m = /```yaml\n(# \.github\/workflows\/baton\.yml\n[\s\S]*?)```/.exec(readme);
  if (!m) throw new Error('README.md has no "# .github/workflows/baton.yml" block');
  const wf = parse(m[1]!) as {
    on: Record<string, { workflows?: string[] } | null>;
    jobs: Record<string, { permissions?: Record<string, string>; steps?: Array<{ with?: Record<string, string> }> }>;
  };
  const job = Object.values(wf.jobs).find((j) => j.permissions && 'issues' in j.permissions);
  if (!job?.permissions) throw new Error('the README workflow has no job with issues permissions');
  return {
    text: m[1]!,
    spec: {
      on: {
        events: Object.keys(wf.on),
        ...(wf.on.workflow_run?.workflows ? { workflowRunOf: wf.on.workflow_run.workflows } : {}),
      },
      permissions: job.permissions,
    },
  };
}

export interface ActionsDemo {
  sandbox: Sandbox;
  seeded: SeededDemo;
  runner: ActionsRunner;
  /** For playScenario's "who is Baton" (comments by this login are Baton's). */
  baton: { bot: string };
  settle(): Promise<void>;
  stop(): Promise<void>;
}

export async function startActionsDemo(
  o: {
    flowYml?: string;
    clock?: () => Date;
    workflow?: Partial<WorkflowSpec>;
    runner?: Partial<RunnerOptions>;
    latencyMs?: number;
  } = {},
): Promise<ActionsDemo> {
  const sandbox = new Sandbox({
    secret: 'actions',
    appId: ACTIONS_APP_ID,
    botLogin: ACTIONS_BOT,
    appSlug: 'github-actions',
    latencyMs: o.latencyMs ?? 0,
    ...(o.clock ? { clock: o.clock } : {}),
  });
  await sandbox.start(0);
  const seeded = seedDemo(sandbox, { flowYml: o.flowYml ?? readFileSync(DEMO_FLOW_PATH, 'utf8') });
  const spec = { ...readmeWorkflow().spec, ...(o.workflow ?? {}) };
  const runner = new ActionsRunner(sandbox, seeded.repo, {
    on: spec.on,
    permissions: spec.permissions,
    entry: ACTION_ENTRY,
    ...(o.runner ?? {}),
  });
  await runner.start();
  return {
    sandbox,
    seeded,
    runner,
    baton: { bot: ACTIONS_BOT },
    async settle() {
      await runner.settle();
    },
    async stop() {
      await runner.stop();
      await sandbox.stop();
    },
  };
}
