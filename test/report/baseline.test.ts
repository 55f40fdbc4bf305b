import { baselineQuery, monthsBefore, readBaseline, renderBaseline, type SearchFn } from '../../src/report/baseline.js';
import { runReport } from '../../src/cli/report.js';
import { memStore } from './mem-store.js';
import { run } from './fixtures.js';

const H = 3_600_000;
const ADOPTED = '2026-04-01T00:00:00.000Z';
const NOW = '2026-06-01T00:00:00.000Z';

/** A fake GitHub search over issues closed at `closed` after `hours`, answering 100 a page, newest first. */
function github(issues: Array<{ closed: string; hours: number }>) {
  const calls: Array<{ q: string; page: number }> = [];
  const search: SearchFn = async (q, page) => {
    calls.push({ q, page });
    const m = /closed:(\S+)\.\.(\S+)/.exec(q)!;
    const lo = Date.parse(m[1]!);
    const hi = Date.parse(m[2]!);
    const hits = issues
      .map((x, i) => ({
        number: i + 1,
        closed_at: x.closed,
        created_at: new Date(Date.parse(x.closed) - x.hours * H).toISOString(),
      }))
      .filter((x) => Date.parse(x.closed_at) >= lo && Date.parse(x.closed_at) <= hi)
      .sort((a, b) => b.created_at.localeCompare(a.created_at));
    return {
      total: hits.length,
      incomplete: false,
      items: hits.slice((page - 1) * 100, page * 100),
      next: page * 100 < hits.length,
    };
  };
  return { calls, search };
}

const many = (n: number, from: string, hours: number) =>
  Array.from({ length: n }, (_, i) => ({ closed: new Date(Date.parse(from) + i * 60_000).toISOString(), hours }));

describe('readBaseline', () => {
  it('compares the months before the first run with the months since, same query on both sides', async () => {
    const gh = github([
      ...many(3, '2026-02-10T00:00:00Z', 100),
      { closed: '2026-01-15T00:00:00Z', hours: 1000 }, // more than 3 months before: outside
      ...many(3, '2026-05-10T00:00:00Z', 20),
    ]);
    const b = await readBaseline(gh.search, { adoptedAt: ADOPTED, now: NOW, months: 2 });
    expect(b.before).toMatchObject({ since: '2026-02-01T00:00:00.000Z', until: ADOPTED, total: 3, read: 3 });
    expect(b.before.cycle.median).toBe(100);
    expect(b.after.cycle.median).toBe(20);
    expect(b.cycleMedianHours).toMatchObject({ current: 20, previous: 100, delta: -80, pct: -80 });
    expect(b.requests).toBe(2);
    expect(gh.calls[0]!.q).toBe(
      'is:issue is:closed linked:pr reason:completed closed:2026-02-01T00:00:00Z..2026-03-31T23:59:59Z',
    );
    expect(b.before.stopped).toBeUndefined();
  });

  it('stops at the request budget, reading both sides in turn, and says so', async () => {
    const gh = github([...many(450, '2026-03-01T00:00:00Z', 50), ...many(250, '2026-05-01T00:00:00Z', 10)]);
    const b = await readBaseline(gh.search, { adoptedAt: ADOPTED, now: NOW, budget: 3 });
    expect(gh.calls.map((c) => [c.q.includes('2026-01-01') ? 'before' : 'since', c.page])).toEqual([
      ['before', 1],
      ['since', 1],
      ['before', 2],
    ]);
    expect(b.before).toMatchObject({ total: 450, read: 200, stopped: 'budget' });
    expect(b.after).toMatchObject({ total: 250, read: 100, stopped: 'budget' });
    const text = renderBaseline('acme/web', b, 'table');
    expect(text).toContain('before: the request budget (3) ran out: 200 of 450 issues read');
    expect(text).toContain('--budget 6 reads more');
    expect(text).toMatch(/issues read\s+200 of 450\s+100 of 250/);
  });

  it('says GitHub stopped it (search rate limit) instead of failing the report', async () => {
    const search: SearchFn = async () => {
      throw Object.assign(new Error('API rate limit exceeded'), { status: 403 });
    };
    const b = await readBaseline(search, { adoptedAt: ADOPTED, now: NOW });
    expect(b.before.stopped).toMatch(/rate limit/);
    expect(b.cycleMedianHours.delta).toBeNull();
    expect(renderBaseline('acme/web', b, 'md')).toContain('| cycle time median | – | – | – |');
  });

  it('months before adoption are calendar months', () => {
    expect(monthsBefore('2026-05-31T00:00:00.000Z', 3)).toBe('2026-03-03T00:00:00.000Z');
    expect(baselineQuery('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z')).toContain(
      'closed:2026-01-01T00:00:00Z..2026-01-31T23:59:59Z',
    );
  });
});

describe('baton report --baseline', () => {
  const io = () => {
    const o = { out: '', err: '' };
    return { o, io: { out: (s: string) => void (o.out += s), err: (s: string) => void (o.err += s) } };
  };
  const transitions = run('acme/web', [
    { issue: 1, to: 'spec', kind: 'start', at: ADOPTED },
    { issue: 1, to: 'done', kind: 'done', at: '2026-05-20T00:00:00.000Z', pr: 2 },
  ]);

  it('adds the comparison for the repo, from its first run, within the budget', async () => {
    const gh = github([...many(2, '2026-03-01T00:00:00Z', 72), ...many(2, '2026-05-01T00:00:00Z', 24)]);
    const { o, io: cli } = io();
    const code = await runReport(['--repo', 'acme/web', '--baseline', '--budget', '5', '--months', '1'], cli, {
      store: memStore(transitions),
      now: () => new Date(NOW),
      github: async () => ({ search: gh.search }),
    });
    expect(o.err).toBe('');
    expect(code).toBe(0);
    expect(o.out).toContain("Before/after adoption — acme/web (Baton's first run 2026-04-01)");
    expect(o.out).toMatch(/cycle time median\s+3\.0d\s+24\.0h\s+-48\.0h \(-67%\)/);
    expect(o.out).toContain('2 GitHub search requests (budget 5).');
  });

  it('puts it in the JSON, and says why when GitHub cannot be read', async () => {
    const gh = github(many(1, '2026-05-01T00:00:00Z', 5));
    const a = io();
    await runReport(['--baseline', '--format', 'json'], a.io, {
      store: memStore(transitions),
      now: () => new Date(NOW),
      github: async () => ({ search: gh.search }),
    });
    expect(JSON.parse(a.o.out).baseline['acme/web'].after.cycle.median).toBe(5);
    const b = io();
    const code = await runReport(['--baseline'], b.io, {
      store: memStore(transitions),
      now: () => new Date(NOW),
      github: async () => 'APP_ID, PRIVATE_KEY not set',
    });
    expect(code).toBe(2);
    expect(b.o.err).toContain('baton report --baseline: APP_ID, PRIVATE_KEY not set');
  });

  it('refuses a budget or months it cannot use', async () => {
    const a = io();
    expect(await runReport(['--baseline', '--budget', '0'], a.io, { store: memStore(transitions) })).toBe(2);
    expect(a.o.err).toContain('--budget "0" must be a whole number');
  });
});
