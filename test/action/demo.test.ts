// The whole demo story through the action entry (dist/index.js), one fresh process per workflow job with the
// runner's environment, against the sandbox — and the card it ends with is the App's.
import { readFileSync } from 'node:fs';
import type { LocalBaton } from '../../src/sandbox/local-baton.js';
import { DEMO_SCENARIO_PATH } from '../../src/sandbox/local-baton.js';
import { startActionsDemo, type ActionsDemo } from '../../src/sandbox/actions-demo.js';
import { parseScenario } from '../../src/sandbox/scenario.js';
import { playScenario } from '../../src/sandbox/play.js';
import { parseCard } from '../../src/github/card.js';
import { local } from '../support/local.js';

const scenario = parseScenario(readFileSync(DEMO_SCENARIO_PATH, 'utf8'), DEMO_SCENARIO_PATH);

function cardOf(sb: ActionsDemo['sandbox'] | LocalBaton['sandbox'], repo: string, issue: number) {
  const cards = sb.comments(issue, repo).filter((c) => c.body.includes('<!-- baton:card -->'));
  return { count: cards.length, body: cards.at(-1)!.body, run: parseCard(cards.at(-1)!.body)! };
}

/** The card as people see it, without times (the two modes ran at different moments). */
const visible = (body: string) =>
  body
    .replace(/<!-- baton:state [^>]+ -->/, '')
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g, 'T')
    .replace(/#issuecomment-\d+/g, '#c')
    // Ids the sandbox hands out and wall-clock durations differ between the two runs; the story must not.
    .replace(/#pullrequestreview-\d+/g, '#r')
    .replace(/ title="[^"]*"/g, ' title="T"')
    .replace(/, [\w .]+ after it started\./g, ', N after it started.');

let demo: ActionsDemo | undefined;
afterEach(async () => {
  await demo?.stop();
  demo = undefined;
});

describe('the demo on Actions', () => {
  it('goes from label to done through one process per event, with the same card as the App', async () => {
    demo = await startActionsDemo();
    const r = await playScenario(demo as unknown as LocalBaton, scenario);
    expect(r.ok).toBe(true);
    expect(r.finalStage).toBe('done');
    const jobs = demo.runner.jobs;
    // Every job ran as its own process, and none failed.
    expect(jobs.map((j) => j.exitCode).filter((c) => c !== 0)).toEqual([]);
    expect(jobs.map((j) => j.eventName)).toEqual(
      expect.arrayContaining(['issues', 'pull_request_target', 'pull_request_review', 'workflow_run']),
    );
    // Baton's own writes (github-actions[bot]) started no job: a job per human or CI event only.
    expect(
      jobs.every((j) => (j.payload as any).sender?.login !== 'github-actions[bot]' || j.eventName === 'workflow_run'),
    ).toBe(true);
    // The merge moves the run to done; GitHub then closes the "Fixes #N" issue itself, and that job leaves it done.
    const last = jobs.findLast((j) => j.eventName === 'pull_request_target' && (j.payload as any).action === 'closed')!;
    expect(last.outputs).toMatchObject({ stage: 'done', moved: 'true', mode: 'event' });
    const closed = jobs.at(-1)!;
    expect([closed.eventName, (closed.payload as any).action]).toEqual(['issues', 'closed']);
    expect(closed.outputs).toMatchObject({ stage: 'done', moved: 'false' });
    expect(last.summary).toMatch(/\| Decision \| acme\/web#1: pr\.merged → .*done/);
    expect(last.summary).toMatch(/\| Effects applied \| \d+: /);

    const action = cardOf(demo.sandbox, demo.seeded.repo, r.issue);
    expect(action.count).toBe(1);
    expect(action.run.status).toBe('done');
    expect(demo.sandbox.issue(r.pr!, demo.seeded.repo).labels).toContain('baton:high-risk');
    const riskComments = demo.sandbox
      .comments(r.pr!, demo.seeded.repo)
      .filter((c) => c.user === 'github-actions[bot]' && c.body.includes('baton:risk'));
    expect(riskComments).toHaveLength(1);

    // The App, on the same story.
    const app = await local();
    try {
      const ra = await playScenario(app, scenario);
      const appCard = cardOf(app.sandbox, app.seeded.repo, ra.issue);
      const moves = (h: typeof action.run.history) => h.map((x) => `${x.from ?? '∅'}>${x.to}:${x.kind}:${x.event}`);
      expect(moves(action.run.history)).toEqual(moves(appCard.run.history));
      expect(action.run.prs.map((p) => [p.number, p.state, p.risk?.level])).toEqual(
        appCard.run.prs.map((p) => [p.number, p.state, p.risk?.level]),
      );
      expect(visible(action.body)).toBe(visible(appCard.body));
    } finally {
      await app.cleanup();
    }
    // Eleven node processes and the App on a busy machine: minutes, not seconds, when the whole suite runs.
  }, 300_000);
});
