import { computeKpis } from '../../src/report/kpis.js';
import { csvField, render } from '../../src/report/format.js';
import { runReport } from '../../src/cli/report.js';
import { PERIOD, sampleLedger, sampleTransitions, run } from './fixtures.js';
import { memStore } from './mem-store.js';

const report = computeKpis(sampleTransitions(), sampleLedger(), PERIOD);

describe('render', () => {
  it('json round-trips the report', () => {
    expect(JSON.parse(render(report, 'json'))).toEqual(JSON.parse(JSON.stringify(report)));
  });

  it('table aligns the headline figures with deltas and percentages', () => {
    const text = render(report, 'table');
    const line = text.split('\n').find((l) => l.startsWith('all') && l.includes('cycle time median'))!;
    expect(line.split(/\s{2,}/)).toEqual(['all', 'cycle time median', '24.0h', '36.0h', '-12.0h', '-33%']);
    expect(text).toContain('acme/web#4 → PR #11');
  });

  it('md renders a table with one row per metric and scope', () => {
    const md = render(report, 'md');
    expect(md).toContain('| all | hand-offs | 8 | 2 | +6 | +300% |');
    expect(md).toContain('| repo acme/api | runs finished | 1 |');
  });

  it('csv has raw numbers, one row per scope and metric', () => {
    const lines = render(report, 'csv').trim().split('\r\n');
    expect(lines[0]).toBe('scope,metric,unit,current,previous,delta,pct');
    expect(lines).toContain('all,bounce-backs,,1,0,1,');
    expect(lines).toContain('all,cycle time p90,h,48,45.6,2.4,5.263158');
  });

  it('prints one table for one repo and one flow, and lists stages in flow order', () => {
    const t = run('acme/web', [
      { issue: 1, to: 'spec', kind: 'start', at: '2026-01-09T00:00:00Z' },
      { issue: 1, to: 'build', kind: 'forward', at: '2026-01-09T02:00:00Z' },
      { issue: 1, to: 'accept', kind: 'forward', at: '2026-01-09T03:00:00Z' },
      { issue: 1, to: 'done', kind: 'done', at: '2026-01-09T04:00:00Z' },
    ]);
    const text = render(computeKpis(t, [], PERIOD), 'table');
    expect(text).not.toMatch(/^repo /m);
    expect(text).not.toMatch(/^flow /m);
    expect((text.match(/runs started/g) ?? []).length).toBe(1);
    const stages = [...text.matchAll(/time in (\w+) \(median\)/g)].map((m) => m[1]);
    expect(stages).toEqual(['spec', 'build', 'accept']);
    expect(text).toMatch(/time in build \(median\)\s+1\.0h/);
  });

  it('escapes untrusted names in md and csv', () => {
    const t = [
      ...run('evil/|x', [{ issue: 1, to: 'a', kind: 'start', at: '2026-01-09T00:00:00Z' }]),
      ...run('acme/web', [{ issue: 2, to: 'a', kind: 'start', at: '2026-01-09T00:00:00Z' }]),
    ];
    const r = computeKpis(t, [], PERIOD);
    expect(render(r, 'md')).toContain('repo evil/\\|x');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('-12.5')).toBe('-12.5');
  });
});

describe('runReport', () => {
  const io = () => {
    const o = { out: '', err: '' };
    return { o, io: { out: (s: string) => (o.out += s), err: (s: string) => (o.err += s) } };
  };
  const now = () => new Date(PERIOD.until);

  it('prints the requested format for the last --since window, filtered by --repo', async () => {
    const store = memStore(sampleTransitions(), sampleLedger());
    const { o, io: i } = io();
    const code = await runReport(['--since', '7d', '--format', 'json', '--repo', 'acme/api'], i, { store, now });
    expect(code).toBe(0);
    const r = JSON.parse(o.out);
    expect(r.period).toEqual(PERIOD);
    expect(Object.keys(r.byRepo)).toEqual(['acme/api']);
    expect(r.overall.current.runsFinished).toBe(1);
  });

  it('opens and closes the store itself when none is given', async () => {
    const store = memStore(sampleTransitions(), []);
    const { o, io: i } = io();
    const code = await runReport(['--since', '7d'], i, { openStore: async () => store, now });
    expect(code).toBe(0);
    expect(o.out).toContain('cycle time median');
    expect(store.closed).toBe(true);
  });

  it('rejects bad flags with the fix', async () => {
    const { o, io: i } = io();
    expect(await runReport(['--format', 'xml'], i, { store: memStore() })).toBe(2);
    expect(o.err).toMatch(/use one of table, md, json, csv/);
    expect(await runReport(['--since', 'soon'], i, { store: memStore() })).toBe(2);
    expect(o.err).toMatch(/e\.g\. 30d/);
  });
});
