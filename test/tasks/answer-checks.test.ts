// The tasks' own answer checks: they refuse schema-valid answers that disagree with what Baton computed.
import { digestCheck } from '../../src/report/digest.js';
import { changedExports, docsCheck, removedExports } from '../../src/tasks/docs/check.js';
import { riskCheck } from '../../src/tasks/risk/check.js';
import type { RiskNarrative } from '../../src/tasks/risk/narrative.js';
import type { DocsAnswer } from '../../src/tasks/docs/run.js';

const narrative = (over: Partial<RiskNarrative> = {}): RiskNarrative => ({
  level: 'high',
  summary: 'Changes the session handling.',
  concerns: [{ text: 'Session tokens now live longer.', file: 'src/auth/session.ts' }],
  what_to_test: ['Log in and out.'],
  reviewer_focus: ['src/auth/session.ts'],
  ...over,
});

describe('risk', () => {
  const check = riskCheck({
    level: 'high',
    files: ['src/auth/session.ts', 'src/app.ts'],
    mustName: ['src/auth/session.ts'],
  });
  it('accepts an answer that agrees with Baton', () => {
    expect(check({ text: '', data: narrative() })).toBeUndefined();
  });
  it('refuses another level, a missing level, an invented file, an unnamed flagged path', () => {
    expect(check({ text: '', data: narrative({ level: 'low' }) })).toMatch(/level low disagrees with Baton's high/);
    expect(check({ text: '', data: narrative({ level: undefined }) })).toMatch(/level \(none\)/);
    expect(
      check({
        text: '',
        data: narrative({
          concerns: [
            { text: 'x', file: 'src/auth/session.ts' },
            { text: 'y', file: 'lib/other.ts' },
          ],
        }),
      }),
    ).toMatch(/names lib\/other\.ts, which is not in the change/);
    expect(check({ text: '', data: narrative({ summary: 'See src/db/pool.ts too.' }) })).toMatch(/src\/db\/pool\.ts/);
    expect(
      check({ text: '', data: narrative({ concerns: [{ text: 'generic' }], reviewer_focus: ['everything'] }) }),
    ).toMatch(/does not mention the flagged path src\/auth\/session\.ts/);
  });
});

describe('docs', () => {
  const files = [
    {
      filename: 'src/api/cart.ts',
      patch: '@@ -1 +1 @@\n+export function addItem(x) {\n-export const dropItem = 1;\n+export class Cart {}',
    },
  ];
  it('finds added and removed exports in patches', () => {
    expect(changedExports(files)).toEqual(['addItem', 'Cart']);
    expect(removedExports(files)).toEqual(['dropItem']);
  });
  const answer = (summary: string): DocsAnswer => ({
    changelog_entry: 'Add cart API',
    summary,
    what_changed: [],
    why: '',
    how_to_use: '',
  });
  const check = docsCheck(['addItem', 'Cart'], ['src/api/cart.ts'], ['dropItem']);
  it('requires every changed export and the removal called breaking', () => {
    expect(check({ text: '', data: answer('Adds addItem and Cart. Breaking: removes dropItem.') })).toBeUndefined();
    expect(check({ text: '', data: answer('Adds addItem. Breaking: removes dropItem.') })).toMatch(/export Cart/);
    expect(check({ text: '', data: answer('Adds addItem and Cart; dropItem is gone.') })).toMatch(/breaking change/);
    expect(
      check({ text: '', data: answer('Adds addItem and Cart. Breaking: removes dropItem. See src/x.ts.') }),
    ).toMatch(/src\/x\.ts/);
  });
});

describe('digest', () => {
  const check = digestCheck({
    trends: { cycleTimeMedianHours: { delta: -2.5 } },
    current: { finished: 7, median: 17 },
  } as never);
  it('allows only the numbers given and the trend the right way round', () => {
    expect(check({ text: 'The team finished 7 runs in a median of 17 hours, faster than last week.' })).toBeUndefined();
    expect(check({ text: 'The team finished 9 runs.' })).toMatch(/number 9/);
    expect(check({ text: 'Finished 7 runs, slower than last week.' })).toMatch(/"slower"/);
  });
});
