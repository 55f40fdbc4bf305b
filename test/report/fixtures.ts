// Hand-built transition sets for the report tests: every expected number in the tests is derived from these by hand.
import type { LedgerEntry, TransitionRecord } from '../../src/store/types.js';

type T = Partial<TransitionRecord> & Pick<TransitionRecord, 'issue' | 'to' | 'kind' | 'at'>;

/** Builds one run's transitions with ids `${repo}#${issue}:${index}` as the engine records them. */
export function run(repo: string, steps: T[], flow = 'feature'): TransitionRecord[] {
  let from: string | null = null;
  return steps.map((s, i) => {
    const t: TransitionRecord = {
      id: `${repo}#${s.issue}:${i}`,
      repo,
      flow,
      from,
      event: 'issue.labeled',
      by: 'alice',
      owners: [],
      ...s,
    };
    if (s.from === undefined) t.from = from;
    from = s.to;
    return t;
  });
}

export const PERIOD = { since: '2026-01-08T00:00:00.000Z', until: '2026-01-15T00:00:00.000Z' };

const d = (day: number, hour = 0) => new Date(Date.UTC(2026, 0, day, hour)).toISOString();

export function sampleTransitions(): TransitionRecord[] {
  return [
    // #1: bounce from review back to build, PR 11 merged on day 10 06:00. Cycle 54h, 5 hand-offs.
    ...run('acme/web', [
      { issue: 1, to: 'spec', kind: 'start', at: d(8), owners: ['alice'], labels: ['feature'] },
      { issue: 1, to: 'build', kind: 'forward', at: d(8, 10), owners: ['bob'] },
      { issue: 1, to: 'review', kind: 'forward', at: d(9), owners: ['carol'], pr: 11 },
      { issue: 1, to: 'build', kind: 'back', at: d(9, 12), owners: ['bob'], pr: 11 },
      { issue: 1, to: 'review', kind: 'forward', at: d(10), owners: ['carol'], pr: 11 },
      { issue: 1, to: 'done', kind: 'done', at: d(10, 6), owners: [], pr: 11 },
    ]),
    // #2: high risk, done. Cycle 12h, 1 hand-off (alice → nobody at done).
    ...run('acme/web', [
      { issue: 2, to: 'spec', kind: 'start', at: d(9), owners: ['alice'] },
      { issue: 2, to: 'build', kind: 'forward', at: d(9, 2), owners: ['alice'] },
      { issue: 2, to: 'done', kind: 'done', at: d(9, 12), owners: [], pr: 12, risk: 'high' },
    ]),
    // #3 in another repo: spec unowned for 6h. Cycle 24h, 2 hand-offs.
    ...run('acme/api', [
      { issue: 3, to: 'spec', kind: 'start', at: d(10), owners: [] },
      { issue: 3, to: 'build', kind: 'forward', at: d(10, 6), owners: ['bob'] },
      { issue: 3, to: 'done', kind: 'done', at: d(11), owners: [] },
    ]),
    // #4: a bug referring to PR 11, 1.75 days after it merged → a defect escape. Still open.
    ...run(
      'acme/web',
      [{ issue: 4, to: 'spec', kind: 'start', at: d(12), owners: ['alice'], labels: ['bug'], refs: [11] }],
      'bugfix',
    ),
    // #7: flagged high, still open.
    ...run('acme/web', [
      { issue: 7, to: 'spec', kind: 'start', at: d(13), owners: ['alice'] },
      { issue: 7, to: 'review', kind: 'forward', at: d(13, 5), owners: ['alice'], pr: 70, risk: 'high' },
    ]),
    // #8: partial (its start is not in the log): counts as finished, not in cycle time.
    ...run('acme/web', [
      { issue: 8, to: 'review', kind: 'forward', at: d(11), owners: ['dave'], from: 'build' },
      { issue: 8, to: 'done', kind: 'done', at: d(12), owners: ['dave'] },
    ]).map((t, i) => ({ ...t, id: `acme/web#8:${i + 5}` })),
    // Previous period: cycle 24h and 48h, one hand-off each.
    ...run('acme/web', [
      { issue: 5, to: 'spec', kind: 'start', at: d(2), owners: ['alice'] },
      { issue: 5, to: 'done', kind: 'done', at: d(3), owners: [], pr: 5 },
    ]),
    ...run('acme/web', [
      { issue: 6, to: 'spec', kind: 'start', at: d(3), owners: ['alice'] },
      { issue: 6, to: 'done', kind: 'done', at: d(5), owners: [], pr: 6 },
    ]),
  ];
}

export function ledgerRow(
  at: string,
  costUsd: number,
  tokensIn: number,
  tokensOut: number,
  model = 'gpt-4o-mini',
  task = 'risk',
): LedgerEntry {
  return {
    id: `${at}:${costUsd}:${model}`,
    at,
    task,
    repo: 'acme/web',
    org: 'acme',
    provider: 'openai',
    model,
    tokensIn,
    tokensOut,
    costUsd,
    latencyMs: 100,
    cacheHit: false,
    ok: true,
  };
}

export function sampleLedger(): LedgerEntry[] {
  return [
    ledgerRow(d(9), 0.01, 1000, 1000),
    ledgerRow(d(10), 0.002, 500, 500, 'gemini-2.0-flash', 'docs'),
    ledgerRow(d(3), 0.003, 800, 200),
  ];
}
