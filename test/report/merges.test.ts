import { computeKpis } from '../../src/report/kpis.js';
import { loadMerges, monthsBetween, recordMerge, type MergeRecord } from '../../src/report/merges.js';
import { render } from '../../src/report/format.js';
import { PERIOD, sampleTransitions } from './fixtures.js';
import { memStore } from './mem-store.js';

describe('merge records', () => {
  it('keeps merged PRs only, one record per PR, and reads back the months a period covers', async () => {
    const store = memStore();
    const pr = (number: number, merged_at: string | null, merged = true) => ({
      number,
      merged,
      merged_at,
      additions: 30,
      deletions: 10,
    });
    expect(await recordMerge(store, 'acme/web', pr(1, '2026-01-31T23:00:00Z'))).toBe(true);
    expect(await recordMerge(store, 'acme/web', pr(1, '2026-01-31T23:00:00Z'))).toBe(true); // a redelivery
    expect(await recordMerge(store, 'acme/web', pr(2, '2026-02-01T01:00:00Z'))).toBe(true);
    expect(await recordMerge(store, 'acme/web', pr(3, null, false))).toBe(false); // closed without merging
    expect(await recordMerge(store, 'acme/api', pr(4, '2026-02-01T02:00:00Z'))).toBe(true);
    const all = await loadMerges(store, ['acme/web'], '2026-01-01T00:00:00Z', '2026-03-01T00:00:00Z');
    expect(all).toEqual([
      { repo: 'acme/web', pr: 1, at: '2026-01-31T23:00:00Z', lines: 40 },
      { repo: 'acme/web', pr: 2, at: '2026-02-01T01:00:00Z', lines: 40 },
    ]);
    // The period bounds hold within a month, too.
    expect(
      (await loadMerges(store, ['acme/web', 'acme/api'], '2026-02-01T00:00:00Z', '2026-02-02T00:00:00Z')).map(
        (m) => m.pr,
      ),
    ).toEqual([2, 4]);
  });

  it('lists the months a period touches', () => {
    expect(monthsBetween('2025-12-20T00:00:00Z', '2026-02-01T00:00:00Z')).toEqual(['2025-12', '2026-01']);
    expect(monthsBetween('2025-12-20T00:00:00Z', '2026-02-01T00:00:01Z')).toEqual(['2025-12', '2026-01', '2026-02']);
  });
});

describe('flow compliance and defect density', () => {
  // PR 11 went through run #1 (acme/web); PR 50 and 51 were merged with no run; PR 60 is in the previous period.
  const merges: MergeRecord[] = [
    { repo: 'acme/web', pr: 11, at: '2026-01-10T06:00:00Z', lines: 300 },
    { repo: 'acme/web', pr: 50, at: '2026-01-11T06:00:00Z', lines: 500 },
    { repo: 'acme/api', pr: 51, at: '2026-01-12T06:00:00Z', lines: 200 },
    { repo: 'acme/web', pr: 60, at: '2026-01-03T06:00:00Z', lines: 100 },
  ];
  const r = computeKpis(sampleTransitions(), [], { ...PERIOD, merges });

  it('is the share of merged PRs a run carried, per repo and overall', () => {
    const c = r.overall.current;
    expect(c.mergedPrs).toBe(3);
    expect(c.mergedThroughRun).toBe(1);
    expect(c.flowCompliance).toBeCloseTo(1 / 3);
    expect(r.byRepo['acme/web']?.current.flowCompliance).toBe(0.5);
    expect(r.byRepo['acme/api']?.current.flowCompliance).toBe(0);
    expect(r.overall.previous.flowCompliance).toBe(0);
  });

  it('puts defect escapes over the lines changed by the merges of the period', () => {
    // One escape (#4 refers to PR 11) over 1,000 changed lines.
    expect(r.overall.current.changedLines).toBe(1000);
    expect(r.overall.current.defectDensity).toBe(1);
    expect(r.overall.previous.defectDensity).toBe(0);
  });

  it('is unknown, not 0 %, when no merge was recorded', () => {
    const none = computeKpis(sampleTransitions(), [], PERIOD);
    expect(none.overall.current.flowCompliance).toBeNull();
    expect(none.overall.current.defectDensity).toBeNull();
    expect(render(none, 'table')).toMatch(/flow compliance \(merged PRs through a run\)\s+–/);
  });

  it('shows both in the report beside defect escapes', () => {
    const table = render(r, 'table');
    expect(table).toMatch(/defect escapes[^\n]*\n[^\n]*defect density \(per 1k changed lines\)\s+1\s/);
    expect(table).toMatch(/all\s+flow compliance \(merged PRs through a run\)\s+33%\s+0%\s+\+33 pts/);
  });
});
