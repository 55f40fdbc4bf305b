// `npm run bench -- action`: the demo story through the action entry, one fresh `node dist/index.js` per workflow job
// as a runner would start it, against the sandbox. Figures: time from process start to the engine's decision (cold
// start), GitHub requests per event (counted by the sandbox; 304s are free), whether the demo reached done — and the
// same cold start for a one-file bundle without the lazy LLM/task chunks, so the split's worth is measured, not assumed.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAction } from '../scripts/build-action.js';
import { startActionsDemo } from '../src/sandbox/actions-demo.js';
import type { JobRun } from '../src/sandbox/actions-runner.js';
import { DEMO_SCENARIO_PATH, type LocalBaton } from '../src/sandbox/local-baton.js';
import { playScenario } from '../src/sandbox/play.js';
import { parseScenario } from '../src/sandbox/scenario.js';

const decidedMs = (j: JobRun): number | undefined => {
  const m = /::debug::baton decided (\d+) ms after process start/.exec(j.stdout);
  return m ? Number(m[1]) : undefined;
};
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : Number.NaN;
};

/** Cold start of `entry` on N fresh runs (a new issue labelled with the trigger each time). */
async function coldStarts(entry: string | undefined, n: number): Promise<number[]> {
  const demo = await startActionsDemo(entry ? { runner: { entry } } : {});
  try {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const issue = demo.sandbox.createIssue({ title: `cold ${i}`, by: 'alice', repo: demo.seeded.repo }).number;
      demo.sandbox.labelIssue(issue, 'flow:feature', { by: 'alice', repo: demo.seeded.repo });
      for (const j of await demo.runner.settle()) {
        const ms = decidedMs(j);
        if (ms !== undefined) out.push(ms);
      }
    }
    return out;
  } finally {
    await demo.stop();
  }
}

export default async function bench({ log }: { log: (...a: unknown[]) => void }) {
  const scenario = parseScenario(readFileSync(DEMO_SCENARIO_PATH, 'utf8'), DEMO_SCENARIO_PATH);
  const demo = await startActionsDemo();
  let reached = false;
  let jobs: JobRun[] = [];
  let requests = 0;
  try {
    demo.sandbox.resetCounts();
    const r = await playScenario(demo as unknown as LocalBaton, scenario);
    reached = r.ok && r.finalStage === 'done';
    jobs = demo.runner.jobs;
    requests = demo.sandbox.requests().total;
  } finally {
    await demo.stop();
  }
  const decided = jobs.map(decidedMs).filter((x): x is number => x !== undefined);
  const failed = jobs.filter((j) => j.exitCode !== 0).length;
  log(`demo: ${jobs.length} jobs (${failed} failed), reached done: ${reached}`);
  log(`  per job: ${jobs.map((j) => `${j.eventName}:${decidedMs(j) ?? '-'}ms/${j.ms}ms`).join(' ')}`);
  log(`  GitHub requests: ${requests} (${(requests / Math.max(1, jobs.length)).toFixed(1)} per event)`);

  const N = 6;
  const split = await coldStarts(undefined, N);
  const dir = mkdtempSync(join(tmpdir(), 'baton-onefile-'));
  let oneFile: number[] = [];
  try {
    await buildAction(dir, { split: false });
    oneFile = await coldStarts(join(dir, 'index.js'), N);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  log(
    `cold start to decision (p50/p90 of ${N}): split ${pct(split, 50)}/${pct(split, 90)} ms, one file ${pct(oneFile, 50)}/${pct(oneFile, 90)} ms`,
  );

  return {
    cold_start_ms: pct([...decided, ...split], 50),
    cold_start_p90_ms: pct([...decided, ...split], 90),
    cold_start_one_file_ms: pct(oneFile, 50),
    split_speedup: Math.round((pct(oneFile, 50) / pct(split, 50)) * 100) / 100,
    job_ms_p50: pct(
      jobs.map((j) => j.ms),
      50,
    ),
    github_requests_per_event: Math.round((requests / Math.max(1, jobs.length)) * 10) / 10,
    jobs: jobs.length,
    failed_jobs: failed,
    demo_reached_done: reached && failed === 0,
  };
}
