// The card's words for times and owners, rendered from a run state (pure): the e2e test (test/e2e/card.test.ts)
// covers the card GitHub actually gets.
import { renderCard } from '../../src/github/card.js';
import { ago, eventWords, humanSpan } from '../../src/engine/words.js';
import { testFlow, testRun } from '../tasks/fake-router.js';

const flow = testFlow();
flow.stages[0]!.enter = ['assign', 'risk'];

function run() {
  const r = testRun(7, 'build');
  r.startedAt = r.enteredAt = '2026-03-02T09:00:00Z';
  r.owners = ['dev'];
  r.history = [
    {
      at: '2026-03-02T09:00:00Z',
      from: null,
      to: 'build',
      event: 'issue.labeled',
      detail: 'flow:feature',
      by: 'pm',
      kind: 'start',
      owners: ['dev'],
    },
    {
      at: '2026-03-02T10:30:00Z',
      from: 'build',
      to: 'build',
      event: 'pr.synchronize',
      pr: 4,
      by: 'dev',
      kind: 'manual',
      owners: ['dev'],
    },
  ];
  return r;
}

it('says times relative to the update, with the exact time in a title', () => {
  const body = renderCard(run(), flow, { now: '2026-03-02T11:00:00Z', assignees: ['dev'] });
  expect(body).toContain('in Build since <span title="2026-03-02 09:00 UTC">2 h ago</span>');
  expect(body).toContain('| <span title="2026-03-02 10:30 UTC">30 min ago</span> | in Build | dev pushed to #4 |');
  expect(body).toContain('- **Owner:** `dev` ·');
});

it('says who holds the issue when GitHub disagrees with the stage owner', () => {
  const body = renderCard(run(), flow, { now: '2026-03-02T11:00:00Z', assignees: ['carol'] });
  expect(body).toContain('**Owner:** `carol` (assigned on GitHub); the stage owner `dev` is not assigned on GitHub');
  flow.stages[0]!.enter = ['risk'];
  expect(renderCard(run(), flow, { assignees: [] })).toContain(
    'nobody assigned on GitHub; the stage owner `dev` is not assigned: Build has no `assign`',
  );
});

it('puts times and events in words', () => {
  expect(humanSpan(45_000)).toBe('45 s');
  expect(humanSpan(3 * 3_600_000)).toBe('3 h');
  expect(humanSpan(3 * 86_400_000)).toBe('3 d');
  expect(ago('2026-03-02T09:00:00Z', '2026-03-02T09:00:30Z')).toBe('just now');
  expect(eventWords({ event: 'command:still-broken', by: 'bob' })).toBe('bob: `/baton still-broken`');
  expect(eventWords({ event: 'checks.completed', by: 'ci', pr: 2, detail: 'failure' })).toBe('checks on #2: failure');
  expect(eventWords({ event: 'review.changes_requested', by: 'carol', pr: 2 })).toBe('carol requested changes on #2');
});

it('a hostile label name stays inside its code span', () => {
  const r = run();
  r.history[0]!.detail = 'x` <img src=x onerror=alert(1)> @acme/everyone | `';
  const body = renderCard(r, flow, { now: '2026-03-02T11:00:00Z' });
  const row = body.split('\n').find((l) => l.includes('started in'))!;
  expect(row).toContain('pm added `x   img src=x onerror=alert(1)  @acme/everyone    `');
  expect(row.split('|').length).toBe(6);
});
