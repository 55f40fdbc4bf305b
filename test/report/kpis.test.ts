import { computeKpis, previousPeriod } from '../../src/report/kpis.js';
import { percentile } from '../../src/report/stats.js';
import { PERIOD, sampleLedger, sampleTransitions, run } from './fixtures.js';

describe('percentile', () => {
  it('interpolates linearly', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBeCloseTo(9.1);
    expect(percentile([], 0.5)).toBeNull();
  });
});

describe('computeKpis', () => {
  const r = computeKpis(sampleTransitions(), sampleLedger(), PERIOD);
  const cur = r.overall.current;
  const prev = r.overall.previous;

  it('derives the previous period of equal length', () => {
    expect(r.previous).toEqual({ since: '2026-01-01T00:00:00.000Z', until: '2026-01-08T00:00:00.000Z' });
    expect(previousPeriod(PERIOD.since, PERIOD.until)).toEqual(r.previous);
  });

  it('counts runs started (full runs only) and finished (including partial ones)', () => {
    expect(cur.runsStarted).toBe(5);
    expect(cur.runsFinished).toBe(4);
    expect(prev.runsStarted).toBe(2);
    expect(prev.runsFinished).toBe(2);
  });

  it('computes cycle time median and p90 in hours, leaving partial runs out', () => {
    expect(cur.cycleTime).toEqual({ n: 3, median: 24, p90: 48 });
    expect(prev.cycleTime.median).toBe(36);
    expect(prev.cycleTime.p90).toBeCloseTo(45.6);
    expect(r.overall.trends.cycleTimeMedianHours.delta).toBe(-12);
    expect(r.overall.trends.cycleTimeMedianHours.pct).toBeCloseTo(-33.333, 2);
  });

  it('computes time in each stage, unowned time and stays bounced from', () => {
    expect(cur.stages.build?.visits).toBe(4);
    expect(cur.stages.build?.time.median).toBe(13);
    expect(cur.stages.build?.time.p90).toBeCloseTo(16.8);
    expect(cur.stages.spec?.visits).toBe(4); // 10h, 2h, 6h (unowned), 5h
    expect(cur.stages.spec?.time.median).toBe(5.5);
    expect(cur.stages.spec?.unownedHours).toBe(6);
    expect(cur.stages.review?.time.median).toBe(12);
    expect(cur.stages.review?.bouncedFrom).toBe(1);
    expect(cur.stages.build?.bouncedFrom).toBe(0);
  });

  it('counts hand-offs (owner set changes) and bounce-backs', () => {
    expect(cur.handOffs).toBe(8);
    expect(prev.handOffs).toBe(2);
    expect(cur.bounceBacks).toBe(1);
    expect(prev.bounceBacks).toBe(0);
    expect(r.overall.trends.handOffs).toEqual({ current: 8, previous: 2, delta: 6, pct: 300 });
  });

  it('finds the defect escape: a bug run referring to a PR merged 1.75 days before', () => {
    expect(cur.defectEscapes).toBe(1);
    expect(r.escapes).toEqual([{ repo: 'acme/web', issue: 4, pr: 11, mergedOnIssue: 1, daysAfterMerge: 1.75 }]);
    const narrow = computeKpis(sampleTransitions(), [], { ...PERIOD, defectWindowDays: 1 });
    expect(narrow.overall.current.defectEscapes).toBe(0);
  });

  it('reports high-risk items and how they ended', () => {
    expect(cur.highRisk).toEqual({ flagged: 2, done: 1, cancelled: 0, open: 1 });
  });

  it('reports spend and $ per 1k tokens from the ledger', () => {
    expect(r.overall.spend.current.usd).toBeCloseTo(0.012);
    expect(r.overall.spend.current.tokens).toBe(3000);
    expect(r.overall.spend.current.usdPer1kTokens).toBeCloseTo(0.004);
    expect(r.overall.spend.previous.usdPer1kTokens).toBeCloseTo(0.003);
    expect(Object.keys(r.overall.spend.current.byTask).sort()).toEqual(['docs', 'risk']);
  });

  it('splits by repo and by flow', () => {
    expect(Object.keys(r.byRepo)).toEqual(['acme/api', 'acme/web']);
    expect(r.byRepo['acme/api']?.current.runsFinished).toBe(1);
    expect(r.byRepo['acme/api']?.current.cycleTime.median).toBe(24);
    expect(r.byRepo['acme/web']?.current.runsFinished).toBe(3);
    expect(r.byFlow.bugfix?.current.runsStarted).toBe(1);
    expect(r.byFlow.bugfix?.current.defectEscapes).toBe(1);
  });

  it('opens a new run when an issue starts again after finishing', () => {
    const t = run('o/r', [
      { issue: 9, to: 'a', kind: 'start', at: '2026-01-09T00:00:00Z' },
      { issue: 9, to: 'done', kind: 'done', at: '2026-01-09T01:00:00Z' },
      { issue: 9, to: 'a', kind: 'start', at: '2026-01-10T00:00:00Z' },
      { issue: 9, to: 'done', kind: 'done', at: '2026-01-10T03:00:00Z' },
    ]);
    const k = computeKpis(t, [], PERIOD);
    expect(k.overall.current.runsStarted).toBe(2);
    expect(k.overall.current.cycleTime.median).toBe(2);
  });

  it('refuses an empty period with a useful message', () => {
    expect(() => computeKpis([], [], { since: PERIOD.until, until: PERIOD.since })).toThrow(/must be before/);
  });
});
