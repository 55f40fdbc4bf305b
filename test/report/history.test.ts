import { generateHistory, historyToTransitions } from '../../src/report/history.js';
import { computeKpis } from '../../src/report/kpis.js';

const END = '2026-04-01T00:00:00.000Z';

describe('generateHistory', () => {
  const plan = generateHistory({ end: END, runs: 300, days: 90, seed: 7 });

  it('is deterministic for a seed and differs between seeds', () => {
    expect(generateHistory({ end: END, runs: 300, days: 90, seed: 7 })).toEqual(plan);
    expect(generateHistory({ end: END, runs: 300, days: 90, seed: 8 }).actions).not.toEqual(plan.actions);
  });

  it('keeps every action inside the period, in time order, and each issue in a playable order', () => {
    const times = plan.actions.map((a) => a.at);
    expect([...times].sort()).toEqual(times);
    expect(times[0]! >= plan.start && times[times.length - 1]! < plan.end).toBe(true);
    const ORDER = ['open-issue', 'label', 'approve-spec', 'open-pr'];
    const seen = new Map<number, string[]>();
    for (const a of plan.actions) seen.set(a.issue, [...(seen.get(a.issue) ?? []), a.action]);
    for (const [, acts] of seen) {
      expect(acts[0]).toBe('open-issue');
      const firsts = ORDER.map((k) => acts.indexOf(k)).filter((i) => i >= 0);
      expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
      if (acts.includes('merge')) expect(acts.indexOf('approve')).toBeLessThan(acts.indexOf('merge'));
    }
  });

  it('has bounce-backs, high-risk PRs approved by a senior, and bugs referring back to merged PRs', () => {
    expect(plan.runs.filter((r) => r.bounces > 0).length).toBeGreaterThan(30);
    const risky = plan.actions.filter((a) => a.action === 'approve' && a.args.senior);
    expect(risky.length).toBeGreaterThan(10);
    expect(risky.every((a) => plan.team.seniors.includes(a.actor))).toBe(true);
    const bugs = plan.runs.filter((r) => r.kind === 'bug');
    expect(bugs.length).toBeGreaterThan(5);
    const mergedPrs = new Set(plan.runs.filter((r) => r.outcome === 'merged').map((r) => r.pr));
    expect(bugs.every((b) => b.refs.length === 1 && mergedPrs.has(b.refs[0]))).toBe(true);
  });

  it('uses log-normal stage durations: the spec stage median is near 8h with a long tail', () => {
    const label = new Map<number, number>();
    const spec: number[] = [];
    for (const a of plan.actions) {
      if (a.action === 'label') label.set(a.issue, Date.parse(a.at));
      if (a.action === 'approve-spec' && plan.runs.find((r) => r.issue === a.issue)!.kind === 'feature')
        spec.push((Date.parse(a.at) - label.get(a.issue)!) / 3_600_000);
    }
    spec.sort((a, b) => a - b);
    const median = spec[spec.length >> 1]!;
    expect(median).toBeGreaterThan(6);
    expect(median).toBeLessThan(10.5);
    expect(spec[Math.floor(spec.length * 0.95)]).toBeGreaterThan(2.5 * median);
  });

  it('turns into transitions the KPIs can read (bounces, escapes, risk)', () => {
    const t = historyToTransitions(plan);
    const k = computeKpis(t, [], { since: plan.start, until: plan.end });
    expect(k.overall.current.runsStarted).toBe(plan.runs.length);
    expect(k.overall.current.runsFinished).toBe(plan.runs.filter((r) => r.outcome === 'merged').length);
    expect(k.overall.current.bounceBacks).toBe(plan.actions.filter((a) => a.action === 'request-changes').length);
    expect(k.overall.current.defectEscapes).toBeGreaterThan(0);
    expect(k.overall.current.highRisk.flagged).toBe(
      plan.runs.filter((r) => r.highRisk && t.some((x) => x.issue === r.issue && x.risk === 'high')).length,
    );
  });
});
