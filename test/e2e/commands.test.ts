// Quiet commands, end to end (real Probot and Octokit over HTTP against the sandbox): a command whose effect the card
// and GitHub already show gets a 👍 reaction instead of a comment; a reply carries information or a refusal; status
// is in words; an unknown command gets one line with "did you mean".
import { local, botComments } from '../support/local.js';
import { parseScenario } from '../../src/sandbox/scenario.js';
import { playScenario } from '../../src/sandbox/play.js';

type Local = Awaited<ReturnType<typeof local>>;
let lb: Local;
afterEach(async () => {
  await lb?.cleanup();
});

it('five commands on one issue: two reactions, three short answers, one card', async () => {
  lb = await local();
  const repo = lb.seeded.repo;
  const issue = lb.sandbox.createIssue({ title: 'Commands', body: '', by: 'alice', repo }).number;
  lb.sandbox.labelIssue(issue, 'flow:feature', { repo, by: 'alice' });
  await lb.settle();
  expect(botComments(lb, issue)).toHaveLength(1); // the card

  const said: Record<string, number> = {};
  for (const c of ['/baton assign @bob', '/baton status', '/baton stauts', '/baton advance', '/baton help']) {
    said[c] = lb.sandbox.comment(issue, c, { repo, by: 'alice' }).id;
    await lb.settle();
  }
  const bot = lb.sandbox.comments(issue, repo).filter((c) => c.user === 'baton-sandbox[bot]');
  // The card, plus one answer each for status, the typo and help.
  expect(bot).toHaveLength(4);
  const answers = bot.filter((c) => !c.body.includes('<!-- baton:card -->')).map((c) => c.body.split('\n\n<!--')[0]!);
  expect(answers[0]).toMatch(
    /^In \*\*Spec\*\* \(1 of 6\) (for|since) <span title="\d{4}-\d\d-\d\d \d\d:\d\d UTC">(just now|\d+ min)<\/span>, owned by @\u200bbob\. No pull request linked yet\.$/,
  );
  expect(answers[0]).not.toMatch(/\d{4}-\d\d-\d\dT\d\d/);
  expect(answers[1]).toBe(
    '`/baton stauts` is not a command here. Did you mean `/baton status`? (`/baton help` lists them.)',
  );
  expect(answers[2]).toMatch(/^Baton commands/);

  // assign and advance: a 👍 from the bot on the command itself, over GitHub's reactions API.
  const reactions = (id: number) => lb.sandbox.state.comments.get(id)?.reactions ?? [];
  for (const c of ['/baton assign @bob', '/baton advance'])
    expect(reactions(said[c]!).map((r) => `${r.user}:${r.content}`)).toEqual(['baton-sandbox[bot]:+1']);
  for (const c of ['/baton status', '/baton stauts', '/baton help']) expect(reactions(said[c]!)).toEqual([]);
  expect(lb.sandbox.issue(issue, repo).assignees).toEqual(['bob']);
  expect(lb.sandbox.issue(issue, repo).labels).toContain('baton:build');
}, 120_000);

it('the CLI timeline shows the 👍 a command got', async () => {
  lb = await local();
  const scenario = parseScenario(
    'issue: { title: Commands, by: alice }\nsteps:\n  - { label: "flow:feature", by: alice }\n  - { comment: "/baton assign @bob", by: alice }\n',
    'commands.yml',
  );
  const r = await playScenario(lb, scenario);
  expect(r.timeline.at(-1)!.reactions).toEqual([
    'assigned bob',
    'unassigned alice',
    `reacted 👍 to the command on #${r.issue}`,
  ]);
}, 120_000);
