// RunStates reads a run from its status card (the source of truth) and writes it back conditionally: found by id,
// else by its marker among the bot's comments, else rebuilt from the store's copy; a forged card, a copy older than
// the issue and a stale writer are refused. Over HTTP against the sandbox, with a real SQLite store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunStates, StaleRunError } from '../../src/github/runs.js';
import { renderCard } from '../../src/github/card.js';
import { openStore } from '../../src/store/index.js';
import type { StoreWithJobs } from '../../src/store/types.js';
import type { RunState } from '../../src/engine/types.js';
import { BOT, REPO, taskRepo, type TaskRepo } from '../support/sandbox-repo.js';
import { testFlow, testRun } from '../tasks/fake-router.js';

const flow = testFlow();
const render = (r: RunState) => renderCard(r, flow);
const dirs: string[] = [];
const stores: StoreWithJobs[] = [];
let gh: TaskRepo;

async function freshStore(): Promise<StoreWithJobs> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-runs-'));
  dirs.push(dir);
  const s = await openStore({ dataDir: dir });
  stores.push(s);
  return s;
}

beforeEach(async () => {
  gh = await taskRepo({ now: new Date('2026-11-20T00:00:00Z'), users: ['pm', 'mallory'] });
});
afterEach(async () => {
  await gh.stop();
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const newIssue = () => gh.sb.createIssue({ repo: REPO, title: 'A feature', author: 'pm', at: '2026-10-31T00:00:00Z' });
const cards = (issue: number) => gh.sb.comments(issue, REPO).filter((c) => c.body.includes('baton:card'));

test('a new issue has no run and no comments; the first write creates the card, the next read finds it by id', async () => {
  const runs = new RunStates(await freshStore(), () => BOT);
  const issue = newIssue().number;
  const first = await runs.read(gh.port, issue);
  expect(first).toEqual({ run: null, noComments: true });
  const id = await runs.write(gh.port, testRun(issue), render, first);
  expect(cards(issue).map((c) => c.id)).toEqual([id]);
  gh.sb.resetCounts();
  const again = await runs.read(gh.port, issue);
  expect(again).toMatchObject({ cardId: id, run: { issue, stage: 'build', version: 1 } });
  // Found by its id: one comment read, no listing.
  expect(gh.sb.requests().byRoute['GET /repos/{owner}/{repo}/issues/{issue_number}/comments']).toBeUndefined();
});

test('with an empty store (a new disk) the card is found by its marker among the bot’s comments', async () => {
  const issue = newIssue().number;
  const writer = new RunStates(await freshStore(), () => BOT);
  const id = await writer.write(gh.port, testRun(issue), render, await writer.read(gh.port, issue));
  const reader = new RunStates(await freshStore(), () => BOT);
  expect(await reader.read(gh.port, issue)).toMatchObject({ cardId: id, run: { issue, version: 1 } });
});

test('a card posted by someone else is not a run', async () => {
  const issue = newIssue().number;
  const real = new RunStates(await freshStore(), () => BOT);
  await real.write(gh.port, testRun(issue), render, await real.read(gh.port, issue));
  const forgedBody = render({ ...testRun(issue), stage: 'done', status: 'done', version: 7 });
  gh.sb.comment(issue, forgedBody, { by: 'mallory', repo: REPO });
  const reader = new RunStates(await freshStore(), () => BOT);
  const r = await reader.read(gh.port, issue);
  expect(r.run).toMatchObject({ stage: 'build', version: 1 });
  expect(r.cardId).not.toBe(cards(issue).at(-1)?.id);
});

test('a deleted card is rebuilt from the store’s copy, and the next write posts a new card', async () => {
  const store = await freshStore();
  const runs = new RunStates(store, () => BOT);
  const issue = newIssue().number;
  const id = await runs.write(gh.port, testRun(issue), render, await runs.read(gh.port, issue));
  gh.sb.deleteComment(id, { repo: REPO, by: 'pm' });
  const r = await runs.read(gh.port, issue);
  expect(r).toMatchObject({ restored: true, run: { issue, version: 1 } });
  expect(r.cardId).toBeUndefined();
  const id2 = await runs.write(gh.port, { ...r.run!, stage: 'done' }, render, r);
  expect(id2).not.toBe(id);
  expect(cards(issue)).toHaveLength(1);
  expect(await runs.read(gh.port, issue)).toMatchObject({ cardId: id2, run: { stage: 'done', version: 2 } });
});

test('a copy of a run that started before the issue existed (an earlier repository of that name) is not restored', async () => {
  const store = await freshStore();
  const runs = new RunStates(store, () => BOT);
  const issue = newIssue().number;
  await store.kvSet(
    'run',
    `${REPO}#${issue}`,
    JSON.stringify({ ...testRun(issue), startedAt: '2026-01-01T00:00:00Z' }),
  );
  const r = await runs.read(gh.port, issue);
  expect(r.run).toBeNull();
  expect(r.restored).toBeUndefined();
});

test('a writer holding an older version is refused with StaleRunError; the newer state stays on the card', async () => {
  const runs = new RunStates(await freshStore(), () => BOT);
  const issue = newIssue().number;
  await runs.write(gh.port, testRun(issue), render, await runs.read(gh.port, issue));
  const a = await runs.read(gh.port, issue);
  const b = await runs.read(gh.port, issue);
  await runs.write(gh.port, { ...a.run!, stage: 'done' }, render, a);
  await expect(runs.write(gh.port, { ...b.run!, stage: 'build', status: 'cancelled' }, render, b)).rejects.toThrow(
    StaleRunError,
  );
  expect(await runs.read(gh.port, issue)).toMatchObject({ run: { stage: 'done', version: 2 } });
});
