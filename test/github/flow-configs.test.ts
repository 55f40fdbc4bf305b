// FlowConfigs: which flow a repository runs (its own file, else the org flow in <owner>/.github), opting out, the last
// good flow kept while the file is broken (reported once per broken version), and what it remembers between events
// (absence and the org flow, until a push or maxAgeMs). Over HTTP against the sandbox, with a real SQLite store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowConfigs, formatProblems, MAX_LISTED_PROBLEMS } from '../../src/github/config.js';
import { openStore } from '../../src/store/index.js';
import type { StoreWithJobs } from '../../src/store/types.js';
import type { FlowProblem } from '../../src/flow/types.js';
import { REPO, taskRepo, type TaskRepo } from '../support/sandbox-repo.js';

const FLOW = '.github/flow.yml';
const flowText = (trigger: string, extra = '') => `version: 1
trigger: ${trigger}
${extra}stages:
  - id: build
    on: [{ event: pr.merged, to: done }]
  - id: done
`;
const CONTENTS = 'GET /repos/{owner}/{repo}/contents/{path}';

let gh: TaskRepo;
let store: StoreWithJobs;
let dir: string;
let clock = 0;

beforeEach(async () => {
  gh = await taskRepo({ now: new Date('2026-11-20T00:00:00Z'), users: ['carol'] });
  dir = mkdtempSync(join(tmpdir(), 'baton-flows-'));
  store = await openStore({ dataDir: dir });
  clock = 1_000_000;
});
afterEach(async () => {
  await gh.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const configs = () => new FlowConfigs(store, FLOW, 600_000, () => clock);
const commit = (repo: string, text: string | null) =>
  gh.sb.commitFiles(repo, 'main', { [FLOW]: text }, { by: 'carol' });
const orgFlow = (text: string) => gh.sb.addRepo('acme/.github', { defaultBranch: 'main', files: { [FLOW]: text } });

test("a repository's own flow file is the flow it runs", async () => {
  commit(REPO, flowText('flow:own'));
  const r = await configs().get(gh.port, 'main');
  expect(r).toMatchObject({ source: 'repo', flow: { trigger: 'flow:own' } });
  expect(r.problem).toBeUndefined();
});

test('without one, the org flow in <owner>/.github runs; `extends: org` builds on it; `enabled: false` opts out', async () => {
  orgFlow(flowText('flow:org'));
  const c = configs();
  expect(await c.get(gh.port, 'main')).toMatchObject({ source: 'org', flow: { trigger: 'flow:org' } });
  commit(REPO, 'version: 1\nextends: org\ntrigger: flow:child\n');
  expect(await configs().get(gh.port, 'main')).toMatchObject({
    source: 'repo',
    flow: { trigger: 'flow:child', stages: [{ id: 'build' }, { id: 'done' }] },
  });
  commit(REPO, 'version: 1\nenabled: false\n');
  const off = await configs().get(gh.port, 'main');
  expect(off).toMatchObject({ disabled: true, source: 'repo' });
  expect(off.flow).toBeUndefined();
});

test('no own file and no org flow: nothing runs', async () => {
  expect(await configs().get(gh.port, 'main')).toEqual({});
});

test('a broken file keeps the last good flow running and is reported once per broken version', async () => {
  const c = configs();
  commit(REPO, flowText('flow:good'));
  expect((await c.get(gh.port, 'main')).flow?.trigger).toBe('flow:good');
  commit(REPO, 'version: 1\ntrigger: flow:bad\nstages: nope\n');
  const first = await c.get(gh.port, 'main');
  expect(first.flow?.trigger).toBe('flow:good');
  expect(first.problem).toMatchObject({ firstReport: true, repo: REPO });
  expect(first.problem!.problems.length).toBeGreaterThan(0);
  expect((await c.get(gh.port, 'main')).problem?.firstReport).toBe(false);
  // A replica with its own cache, and after a restart: the report is still once (the store remembers it).
  expect((await configs().get(gh.port, 'main')).problem?.firstReport).toBe(false);
  commit(REPO, 'version: 1\ntrigger: flow:bad\nstages: still nope\n');
  const second = await c.get(gh.port, 'main');
  expect(second.problem?.firstReport).toBe(true);
  expect(second.flow?.trigger).toBe('flow:good');
});

test('a base in another owner’s repository is refused, with the reason', async () => {
  commit(REPO, 'version: 1\nextends: evil/secrets:flow.yml\ntrigger: flow:x\n');
  const r = await configs().get(gh.port, 'main');
  expect(r.flow).toBeUndefined();
  expect(formatProblems(r.problem!.problems)).toMatch(/bases are read only from repositories of acme/);
});

test('the absence of an own file and the org flow are remembered until a push or maxAgeMs', async () => {
  orgFlow(flowText('flow:org'));
  const c = configs();
  await c.get(gh.port, 'main');
  gh.sb.resetCounts();
  // Remembered: the own file is one conditional GET per event at most; the org file is not asked again.
  await c.get(gh.port, 'main');
  expect(gh.sb.requests().byRoute[CONTENTS] ?? 0).toBe(0);
  // The org flow changes and a push says so: read again at once.
  gh.sb.commitFiles('acme/.github', 'main', { [FLOW]: flowText('flow:org2') }, { by: 'carol' });
  expect((await c.get(gh.port, 'main')).flow?.trigger).toBe('flow:org');
  await c.pushed('acme/.github', 'sha-after');
  expect((await c.get(gh.port, 'main')).flow?.trigger).toBe('flow:org2');
  // The repository gains its own file, and the push is lost: maxAgeMs bounds how long the absence is trusted.
  commit(REPO, flowText('flow:own'));
  expect((await c.get(gh.port, 'main')).source).toBe('org');
  clock += 600_000;
  expect(await c.get(gh.port, 'main')).toMatchObject({ source: 'repo', flow: { trigger: 'flow:own' } });
});

test('formatProblems lists at most MAX_LISTED_PROBLEMS and points to baton validate for the rest', () => {
  const p = (i: number): FlowProblem => ({ path: FLOW, line: i, col: 1, message: `m${i}`, severity: 'error' });
  const text = formatProblems(Array.from({ length: MAX_LISTED_PROBLEMS + 5 }, (_, i) => p(i + 1)));
  const lines = text.split('\n');
  expect(lines).toHaveLength(MAX_LISTED_PROBLEMS + 1);
  expect(lines[0]).toBe(`${FLOW}:1:1: error: m1`);
  expect(lines.at(-1)).toMatch(/… and 5 more problems: run `npx baton validate`/);
});
