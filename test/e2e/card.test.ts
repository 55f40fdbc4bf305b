// The status card as people read it, end to end over the sandbox (real Probot and Octokit over HTTP): its owner line
// agrees with GitHub's assignees at every step, a bounce-back says why with the review linked and does not strike
// Review through as passed, events are words, and a finished card says done and stops offering commands.
import { readFileSync } from 'node:fs';
import { DEMO_SCENARIO_PATH } from '../../src/sandbox/local-baton.js';
import { parseScenario } from '../../src/sandbox/scenario.js';
import { playScenario } from '../../src/sandbox/play.js';
import { card, local } from '../support/local.js';

type Local = Awaited<ReturnType<typeof local>>;
let lb: Local;
afterEach(async () => {
  await lb?.cleanup();
});

/** The logins the card says hold the issue: the code spans of its Owner/Assigned line before any "; the stage owner". */
function holders(body: string): string[] {
  const line = body.split('\n').find((l) => /^- \*\*(Owner|Assigned):\*\*/.test(l)) ?? '';
  const held = line.split(';')[0]!.split(' · ')[0]!;
  return [...held.matchAll(/`([^`]+)`/g)].map((m) => m[1]!).sort();
}

it('the card agrees with GitHub at every step of the demo, explains the bounce-back, and ends done', async () => {
  lb = await local();
  const scenario = parseScenario(readFileSync(DEMO_SCENARIO_PATH, 'utf8'), DEMO_SCENARIO_PATH);
  const seen: Array<{ step: string; body: string; assignees: string[] }> = [];
  const r = await playScenario(lb, scenario, {
    onEntry: (e) => {
      const n = [...lb.sandbox.state.repos.get(lb.seeded.repo)!.issues.values()].find((i) => !i.pull)!.number;
      const body = card(lb, n).body!;
      seen.push({ step: e.step, body, assignees: [...lb.sandbox.issue(n, lb.seeded.repo).assignees].sort() });
    },
  });
  expect(r.ok).toBe(true);
  for (const s of seen) {
    // Owner and GitHub's assignees never disagree, whichever stage assigns and whichever does not.
    expect({ step: s.step, held: holders(s.body) }).toEqual({ step: s.step, held: s.assignees });
    expect(s.body).not.toMatch(/^\| \| \|$/m); // no empty header row
    expect(s.body).not.toMatch(/pr\.synchronize|review\.changes_requested|command:|issue\.labeled/);
    expect(s.body).not.toMatch(/\d{4}-\d\d-\d\d[ T]\d\d:\d\d(?!(:\d\d)? UTC")/); // ISO only inside a title
  }
  // Back in Build after carol's review: why, with the review linked; Review is ahead, not passed.
  const back = seen.find((s) => s.step.includes('asks for changes'))!.body;
  expect(back).toMatch(
    /> ↩︎ \*\*Back in Build\*\* from Review: carol requested changes on #\d+ \(\[the review\]\(http[^)]+#pullrequestreview-\d+\)\)/,
  );
  expect(back).toContain('~~Spec~~ → **[Build]** → Review → Checks');
  expect(back).toMatch(/<span title="\d{4}-\d\d-\d\d \d\d:\d\d UTC">just now<\/span>/);
  expect(back).toContain('`/baton status`');
  // Once pushed again the banner goes.
  expect(seen.find((s) => s.step.includes('pushes a fix'))!.body).not.toContain('Back in');
  // Done: says so, no "since", no commands; the docs summary is linked.
  const done = seen.at(-1)!.body;
  expect(done).toMatch(/^### ✅ Baton · feature: done$/m);
  expect(done).toContain('**Done** ✅');
  expect(done).toMatch(/- \*\*Finished\*\* <span title=/);
  expect(done).not.toMatch(/since|Commands:/);
  expect(done).toMatch(/\*\*Docs:\*\* \[summary of #\d+\]\(http[^)]+#issuecomment-\d+\)/);
  expect(done).toMatch(/\| carol requested changes on #\d+ \(\[review\]\(http/);
  expect(done).toMatch(/\| bob pushed to #\d+ \|/);
}, 120_000);
