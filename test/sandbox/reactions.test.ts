// "Create reaction for an issue comment" as GitHub documents it
// (https://docs.github.com/en/rest/reactions/reactions#create-reaction-for-an-issue-comment): 201 when created, 200
// when the user already reacted so, 422 for a content outside the eight; the comment's `reactions` rollup counts it.
import { Octokit } from '@octokit/rest';
import { Sandbox, seedDemo } from '../../src/sandbox/index.js';
import { GitHubPort } from '../../src/github/port.js';

const BOT = 'baton-test[bot]';
let sb: Sandbox;
let octokit: Octokit;
beforeAll(async () => {
  sb = new Sandbox({ secret: 's', appId: 4244, botLogin: BOT });
  seedDemo(sb, {});
  const log = { debug() {}, info() {}, warn() {}, error() {} };
  octokit = new Octokit({ baseUrl: await sb.start(), auth: sb.tokenFor(BOT), log });
});
afterAll(async () => {
  await sb?.stop();
});

it('creates a reaction once, answers 200 the second time, refuses unknown contents', async () => {
  const issue = sb.createIssue({ title: 'x', by: 'alice' });
  const c = sb.comment(issue.number, '/baton assign @bob', { by: 'alice' });
  const at = { owner: 'acme', repo: 'web', comment_id: c.id };
  const first = await octokit.rest.reactions.createForIssueComment({ ...at, content: '+1' });
  expect(first.status).toBe(201);
  expect(first.data).toMatchObject({ content: '+1', user: { login: BOT } });
  const again = await octokit.rest.reactions.createForIssueComment({ ...at, content: '+1' });
  expect(again.status).toBe(200);
  expect(again.data.id).toBe(first.data.id);
  await expect(
    octokit.request('POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', {
      ...at,
      content: 'wave' as '+1',
    }),
  ).rejects.toMatchObject({ status: 422 });
  const got = await octokit.rest.issues.getComment(at);
  expect(got.data.reactions).toMatchObject({ total_count: 1, '+1': 1 });
  // The port's call: true when acknowledged, false for a comment deleted meanwhile.
  const port = new GitHubPort(octokit, { owner: 'acme', repo: 'web' });
  expect(await port.createReaction(c.id, '+1')).toBe(true);
  expect(await port.createReaction(999_999, '+1')).toBe(false);
});
