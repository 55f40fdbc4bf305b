// What the transition effect records for the dashboard: the issue's title on every move an issue event caused,
// and the flow's stage order on a run's start.
import { transitionEffect } from '../../src/report/transition-effect.js';
import type { HistoryEntry, RunState } from '../../src/engine/types.js';
import type { Flow } from '../../src/flow/types.js';
import type { TransitionRecord } from '../../src/store/types.js';

const flow = { name: 'feature', stages: ['spec', 'build', 'done'].map((id) => ({ id })) } as unknown as Flow;
const at = '2026-01-05T10:00:00Z';

function record(entry: HistoryEntry, issue?: { title?: string; body?: string; labels?: string[] }) {
  const got: TransitionRecord[] = [];
  const run = { issue: 3, prs: [], history: [entry], startedAt: at } as unknown as RunState;
  const effect = transitionEffect({
    store: { recordTransitions: async (t) => void got.push(...t) },
    repo: 'acme/web',
    flow,
    run: () => run,
    ...(issue ? { issue } : {}),
  });
  return effect({ kind: 'transition', key: 'k', entry, issue: 3 }).then(() => got[0]!);
}

it('records the title and the stage list on a start from an issue event', async () => {
  const t = await record(
    { at, from: null, to: 'spec', event: 'issue.labeled', by: 'alice', kind: 'start' },
    { title: 'Export to CSV', body: 'Regression from #7', labels: ['bug'] },
  );
  expect(t).toMatchObject({ title: 'Export to CSV', stages: ['spec', 'build', 'done'], refs: [7], labels: ['bug'] });
});

it('records no title for a move a PR event caused (its payload is the PR), and no stage list after the start', async () => {
  const t = await record({ at, from: 'spec', to: 'build', event: 'pr.opened', by: 'bob', kind: 'forward' });
  expect(t.title).toBeUndefined();
  expect(t.stages).toBeUndefined();
});

it("keeps at most GitHub's 256 characters of a title", async () => {
  const t = await record(
    { at, from: 'spec', to: 'build', event: 'command', by: 'bob', kind: 'manual' },
    { title: 'x'.repeat(5000) },
  );
  expect(t.title).toHaveLength(256);
});

it('redacts a secret in the title before it reaches the store', async () => {
  const key = 'ghp_' + 'ZnDtPPitYjSeCTzOa1b2c3d4e5f6g7h8i9j0';
  const t = await record(
    { at, from: null, to: 'spec', event: 'issue.labeled', by: 'alice', kind: 'start' },
    { title: `Login ${key}` },
  );
  expect(t.title).not.toContain(key);
  expect(t.title).toMatch(/^Login \[REDACTED/);
});
