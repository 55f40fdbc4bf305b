import { runJobs, formatAge } from '../../src/cli/jobs.js';
import { openIsolated, type Opened } from '../store/helpers.js';
import type { StoreWithJobs } from '../../src/store/types.js';

describe('baton jobs', () => {
  let o: Opened;
  let out: string[];
  let err: string[];
  const io = { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) };
  const NOW = Date.parse('2025-01-01T01:00:00.000Z');
  const deps = (extra: object = {}) => ({ env: {}, now: () => NOW, openStore: async () => o.twin(), ...extra });

  beforeEach(async () => {
    o = await openIsolated('sqlite');
    out = [];
    err = [];
    const s = o.store;
    await s.recordDelivery({
      id: 'p1',
      name: 'issues',
      key: 'acme/web#1',
      payload: {},
      receivedAt: '2025-01-01T00:58:00.000Z',
    });
    await s.jobs.enqueue({ id: 'p1', key: 'acme/web#1', name: 'issues' }, NOW);
    await s.recordDelivery({
      id: 'd1',
      name: 'pull_request',
      key: 'acme/web#2',
      payload: {},
      receivedAt: '2024-12-31T22:00:00.000Z',
    });
    await s.jobs.enqueue({ id: 'd1', key: 'acme/web#2', name: 'pull_request' }, NOW);
    await s.bumpDeliveryAttempts('d1', 'x');
    await s.finishDelivery('d1', 'dead', 'GitHub said 404: Not Found');
  });
  afterEach(async () => {
    await o.cleanup();
  });

  it('lists pending and dead jobs as a table', async () => {
    expect(await runJobs([], io, deps())).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/^ID\s+KEY\s+EVENT\s+STATUS\s+ATTEMPTS\s+AGE\s+ERROR/);
    expect(text).toMatch(/p1\s+acme\/web#1\s+issues\s+pending\s+0\s+2m/);
    expect(text).toMatch(/d1\s+acme\/web#2\s+pull_request\s+dead\s+1\s+3h\s+GitHub said 404: Not Found/);
    expect(text).toContain('1 pending, 1 dead');
  });

  it('prints JSON with --json', async () => {
    expect(await runJobs(['--json'], io, deps())).toBe(0);
    const rows = JSON.parse(out.join(''));
    expect(rows).toEqual([
      expect.objectContaining({ id: 'p1', status: 'pending', event: 'issues', ageMs: 120_000, error: null }),
      expect.objectContaining({ id: 'd1', status: 'dead', attempts: 1, error: 'GitHub said 404: Not Found' }),
    ]);
  });

  it('retry revives a dead job so the embedded queue runs it again', async () => {
    expect(await runJobs(['retry', 'd1'], io, deps())).toBe(0);
    expect(await o.store.getDelivery('d1')).toMatchObject({ status: 'pending', attempts: 0 });
    expect((await o.store.jobs.queued()).map((j) => j.id)).toEqual(['p1', 'd1']);
    expect(await runJobs(['retry', 'd1'], io, deps())).toBe(1);
    expect(err.join('\n')).toContain('is pending, not dead');
    expect(await runJobs(['retry', 'nope'], io, deps())).toBe(1);
    expect(err.join('\n')).toContain('No job nope');
  });

  it('retry pushes to Redis when REDIS_URL is set', async () => {
    const requeued: string[] = [];
    const requeue = async (_s: StoreWithJobs, url: string) => void requeued.push(url);
    expect(await runJobs(['retry', 'd1', '--json'], io, deps({ env: { REDIS_URL: 'redis://r:6379' }, requeue }))).toBe(
      0,
    );
    expect(requeued).toEqual(['redis://r:6379']);
    expect(JSON.parse(out.join(''))).toEqual({ retried: 'd1', requeued: 'redis' });
  });

  it('rejects bad usage with exit code 2', async () => {
    expect(await runJobs(['frobnicate'], io, deps())).toBe(2);
    expect(await runJobs(['retry'], io, deps())).toBe(2);
    expect(await runJobs(['--limit', '0'], io, deps())).toBe(2);
    expect(err.join('\n')).toContain('usage: baton jobs');
  });

  it('formats ages', () => {
    expect([formatAge(5_000), formatAge(125_000), formatAge(7_200_000), formatAge(3 * 86_400_000)]).toEqual([
      '5s',
      '2m',
      '2h',
      '3d',
    ]);
  });
});
