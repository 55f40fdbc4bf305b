// The dashboard's data: board columns in flow order, cancelled runs apart, titles, and charts without fake data.
import { board, kpiPayload, timeline } from '../../src/report/dashboard/data.js';
import { buildRuns, stageOrder } from '../../src/report/runs.js';
import type { LedgerEntry } from '../../src/store/types.js';
import { ledgerRow, run } from './fixtures.js';

const d = (day: number, hour = 0) => new Date(Date.UTC(2026, 0, day, hour)).toISOString();
const SINCE = Date.parse(d(1));
const UNTIL = Date.parse(d(20));
const STAGES = ['spec', 'build', 'review', 'checks', 'merge', 'done'];

describe('stageOrder', () => {
  it('follows the flow even when the window holds only the ends of runs (partial runs)', () => {
    // Runs that began before the window: their first transitions here are late moves, so "position in the run"
    // would put merge and review before spec. The forward moves themselves say what comes after what.
    const runs = buildRuns([
      ...run('acme/web', [
        { issue: 1, from: 'merge', to: 'done', kind: 'done', at: d(2) },
        { issue: 1, to: 'spec', kind: 'start', at: d(3) },
      ]),
      ...run('acme/web', [
        { issue: 2, from: 'review', to: 'checks', kind: 'forward', at: d(2) },
        { issue: 2, to: 'merge', kind: 'forward', at: d(3) },
      ]),
      ...run('acme/web', [
        { issue: 3, from: 'build', to: 'review', kind: 'forward', at: d(2) },
        { issue: 3, to: 'checks', kind: 'forward', at: d(3) },
      ]),
      ...run('acme/web', [
        { issue: 4, to: 'spec', kind: 'start', at: d(4) },
        { issue: 4, to: 'build', kind: 'forward', at: d(5) },
      ]),
    ]);
    expect(stageOrder(runs)).toEqual(STAGES);
  });

  it("takes the flow's own stage list from a run's start, so stages nobody is in still get their place", () => {
    const runs = buildRuns(run('acme/web', [{ issue: 1, to: 'spec', kind: 'start', at: d(2), stages: STAGES }]));
    expect(stageOrder(runs)).toEqual(STAGES);
  });

  it('ignores back moves and survives a cycle of forward moves (a flow whose stages were reordered)', () => {
    const runs = buildRuns([
      ...run('acme/web', [
        { issue: 1, to: 'a', kind: 'start', at: d(2) },
        { issue: 1, to: 'b', kind: 'forward', at: d(3) },
        { issue: 1, to: 'a', kind: 'back', at: d(4) },
      ]),
      ...run('acme/web', [
        { issue: 2, to: 'b', kind: 'start', at: d(2) },
        { issue: 2, to: 'a', kind: 'forward', at: d(3) },
        { issue: 2, to: 'end', kind: 'done', at: d(4) },
      ]),
    ]);
    const order = stageOrder(runs);
    expect([...order].sort()).toEqual(['a', 'b', 'end']);
    expect(order[2]).toBe('end');
  });
});

describe('board', () => {
  const transitions = [
    ...run('acme/web', [
      { issue: 1, to: 'spec', kind: 'start', at: d(2), title: 'Export to CSV', stages: STAGES },
      { issue: 1, to: 'build', kind: 'forward', at: d(3) },
      { issue: 1, to: 'build', kind: 'manual', at: d(4), title: 'Export to CSV and XLSX' },
    ]),
    ...run('acme/web', [
      { issue: 2, to: 'spec', kind: 'start', at: d(2), title: 'Dropped idea' },
      { issue: 2, to: 'spec', kind: 'cancel', at: d(3) },
    ]),
    ...run('acme/web', [
      { issue: 3, to: 'spec', kind: 'start', at: d(2) },
      { issue: 3, to: 'done', kind: 'done', at: d(6) },
    ]),
  ];
  const b = board(buildRuns(transitions), SINCE, UNTIL);

  it('has a column per flow stage in order, folds finished work and sets cancelled runs apart', () => {
    expect(b.columns.map((c) => [c.stage, c.kind, c.runs.map((r) => r.issue)])).toEqual([
      ['spec', 'active', []],
      ['build', 'active', [1]],
      ['review', 'active', []],
      ['checks', 'active', []],
      ['merge', 'active', []],
      ['done', 'done', [3]],
      ['cancelled', 'cancelled', [2]],
    ]);
  });

  it("shows the issue's newest recorded title, and none when no move carried one", () => {
    const cards = b.columns.flatMap((c) => c.runs);
    expect(Object.fromEntries(cards.map((r) => [r.issue, r.title]))).toEqual({
      1: 'Export to CSV and XLSX',
      2: 'Dropped idea',
      3: undefined,
    });
    expect(timeline(transitions, 'acme/web', 1).title).toBe('Export to CSV and XLSX');
  });
});

describe('timeline', () => {
  it('keeps same-second moves in the order they were recorded', () => {
    const at = d(5);
    const t = timeline(
      run('acme/web', [
        { issue: 7, to: 'spec', kind: 'start', at, id: `acme/web#7:${at}:>spec:start:issue.labeled` },
        { issue: 7, to: 'build', kind: 'forward', at, id: `acme/web#7:${at}:spec>build:forward:issue.labeled` },
        { issue: 7, to: 'review', kind: 'forward', at, id: `acme/web#7:${at}:build>review:forward:pr.opened` },
      ]),
      'acme/web',
      7,
    );
    expect(t.entries.map((e) => e.to)).toEqual(['spec', 'build', 'review']);
  });
});

describe('kpiPayload spend', () => {
  const runs = buildRuns(run('acme/web', [{ issue: 1, to: 'spec', kind: 'start', at: d(2) }]));
  const offline: LedgerEntry = { ...ledgerRow(d(3), 0, 100, 100, 'rules'), provider: 'offline' };

  it('charts nothing when the only answers were free (the offline rules): that is no AI spend', () => {
    expect(kpiPayload(runs, [offline], SINCE, UNTIL).spend).toEqual({ labels: [], usd: [] });
  });

  it('charts the models that cost something, dearest first', () => {
    const paid = [offline, ledgerRow(d(3), 0.01, 10, 10), ledgerRow(d(4), 0.05, 10, 10, 'gpt-4o')];
    expect(kpiPayload(runs, paid, SINCE, UNTIL).spend).toEqual({
      labels: ['openai/gpt-4o', 'openai/gpt-4o-mini'],
      usd: [0.05, 0.01],
    });
  });
});
