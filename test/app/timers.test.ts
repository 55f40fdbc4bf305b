// What Baton does on a clock: the SLA watch (which runs are due a nudge, once each, across sweeps and restarts) and
// the repository registry the digest scheduler reads (which repositories get a digest, on which cron).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RepoRegistry, SlaWatch, startTimers, type RepoContext } from '../../src/app/timers.js';
import { openStore } from '../../src/store/index.js';
import type { StoreWithJobs } from '../../src/store/types.js';
import type { JobQueue } from '../../src/queue/types.js';
import type { RunState } from '../../src/engine/types.js';
import type { Flow } from '../../src/flow/types.js';
import { DEFAULT_DIGEST_CRON } from '../../src/report/scheduler.js';
import { RISK_DEFAULTS } from '../../src/tasks/risk/config-schema.js';

const HOUR = 3_600_000;
let dir: string;
let store: StoreWithJobs;
let queued: Array<{ id: string; key: string; name: string }>;
/** The queue as the sweep uses it: what it enqueued, in order. */
const queue = { enqueue: async (j: { id: string; key: string; name: string }) => void queued.push(j) } as JobQueue;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-timers-'));
  store = await openStore({ dataDir: dir });
  queued = [];
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const flow = (digest: Flow['digest'] = {}): Flow => ({
  version: 1,
  name: 'feature',
  trigger: 'flow:feature',
  roles: {},
  stages: [
    { id: 'build', name: 'Build', enter: [], on: [], final: false },
    { id: 'review', name: 'Review', enter: [], on: [], final: false, slaMs: 24 * HOUR },
    { id: 'done', name: 'Done', enter: [], on: [], final: true },
  ],
  risk: { ...RISK_DEFAULTS },
  llm: {},
  digest,
  sources: ['.github/flow.yml'],
});

const ctx = (repo = 'acme/web', digest?: Flow['digest']): RepoContext => ({
  repo,
  installationId: 7,
  defaultBranch: 'main',
  flow: flow(digest),
});

const run = (over: Partial<RunState> = {}): RunState =>
  ({
    v: 1,
    repo: 'acme/web',
    issue: 5,
    issueAuthor: 'pm',
    flow: 'feature',
    stage: 'review',
    status: 'active',
    startedAt: '2026-11-01T00:00:00Z',
    enteredAt: '2026-11-02T00:00:00Z',
    nudged: [],
    ...over,
  }) as RunState;

const entered = Date.parse('2026-11-02T00:00:00Z');

describe('SlaWatch', () => {
  it('queues one nudge job per overdue stage entry, and only once across sweeps and watchers', async () => {
    const sla = new SlaWatch(store);
    await sla.observe(ctx(), run());
    expect(await sla.sweep(new Date(entered + 23 * HOUR), store, queue)).toBe(0);
    expect(await sla.sweep(new Date(entered + 25 * HOUR), store, queue)).toBe(1);
    expect(queued).toEqual([
      { id: 'sla:acme/web#5:review@2026-11-02T00:00:00Z', key: 'acme/web#5', name: expect.any(String) },
    ]);
    // A later sweep, or another replica's watch over the same store: the delivery id makes it once.
    expect(await sla.sweep(new Date(entered + 30 * HOUR), store, queue)).toBe(0);
    expect(await new SlaWatch(store).sweep(new Date(entered + 30 * HOUR), store, queue)).toBe(0);
    expect(queued).toHaveLength(1);
  });

  it('carries the installation and the repository into the job payload', async () => {
    const sla = new SlaWatch(store);
    await sla.observe(ctx(), run());
    await sla.sweep(new Date(entered + 25 * HOUR), store, queue);
    const d = await store.getDelivery(queued[0]!.id);
    expect(d?.payload).toMatchObject({
      repository: { full_name: 'acme/web', default_branch: 'main' },
      installation: { id: 7 },
      issue: 5,
      entry: 'review@2026-11-02T00:00:00Z',
    });
  });

  it('stops watching a run that was nudged, left the stage, finished, or is in a stage without an SLA', async () => {
    const late = new Date(entered + 48 * HOUR);
    for (const over of [{ nudged: ['review@2026-11-02T00:00:00Z'] }, { stage: 'build' }, { status: 'done' as const }]) {
      const sla = new SlaWatch(store);
      await sla.observe(ctx(), run());
      await sla.observe(ctx(), run(over));
      expect(await sla.sweep(late, store, queue)).toBe(0);
    }
    expect(await store.kvList('sla')).toEqual([]);
  });

  it('a new entry into the stage is watched again after its nudge', async () => {
    const sla = new SlaWatch(store);
    await sla.observe(ctx(), run({ nudged: ['review@2026-11-02T00:00:00Z'] }));
    await sla.observe(ctx(), run({ enteredAt: '2026-11-10T00:00:00Z', nudged: ['review@2026-11-02T00:00:00Z'] }));
    expect(await sla.sweep(new Date(Date.parse('2026-11-11T01:00:00Z')), store, queue)).toBe(1);
  });

  it('forgets every run of one repository and only those', async () => {
    const sla = new SlaWatch(store);
    await sla.observe(ctx(), run());
    await sla.observe(ctx('acme/web'), run({ issue: 6 }));
    await sla.observe(ctx('acme/api'), run({ repo: 'acme/api', issue: 5 }));
    expect(await sla.forgetRepo('acme/web')).toBe(2);
    expect((await store.kvList('sla')).map((r) => r.key)).toEqual(['acme/api#5']);
  });
});

describe('RepoRegistry', () => {
  it('gives the digest scheduler each repository with its cron; only repos with a digest issue post by default', async () => {
    const repos = new RepoRegistry(store);
    await repos.observe(ctx('acme/web'));
    await repos.observe(ctx('acme/api', { issue: 3 }));
    await repos.observe(ctx('acme/ops', { cron: '0 7 * * 5', enabled: true }));
    await repos.observe(ctx('acme/off', { issue: 4, enabled: false }));
    const targets = Object.fromEntries((await repos.digestTargets()).map((t) => [t.repo, t]));
    expect(targets['acme/web']).toEqual({ repo: 'acme/web', cron: DEFAULT_DIGEST_CRON, enabled: false });
    expect(targets['acme/api']).toMatchObject({ cron: DEFAULT_DIGEST_CRON, enabled: true });
    expect(targets['acme/ops']).toMatchObject({ cron: '0 7 * * 5', enabled: true });
    expect(targets['acme/off']).toMatchObject({ enabled: false });
  });

  it('an org digest is posted from the .github repository only', async () => {
    const repos = new RepoRegistry(store);
    await repos.observe(ctx('acme/.github', { org: true }));
    await repos.observe(ctx('acme/web', { org: true }));
    const targets = Object.fromEntries((await repos.digestTargets()).map((t) => [t.repo, t.enabled]));
    expect(targets).toEqual({ 'acme/.github': true, 'acme/web': false });
  });

  it('a restarted Baton knows the repositories from the store; a forgotten one is gone', async () => {
    await new RepoRegistry(store).observe(ctx('acme/web', { issue: 3 }));
    await new RepoRegistry(store).know({ repo: 'acme/new', installationId: 9, defaultBranch: 'trunk' });
    const fresh = new RepoRegistry(store);
    expect(await fresh.get('acme/web')).toMatchObject({ repo: 'acme/web', installationId: 7, digest: { issue: 3 } });
    expect((await fresh.all()).map((r) => r.repo).sort()).toEqual(['acme/new', 'acme/web']);
    await fresh.forget('acme/web');
    expect(await fresh.get('acme/web')).toBeUndefined();
    expect((await new RepoRegistry(store).all()).map((r) => r.repo)).toEqual(['acme/new']);
  });
});

describe('startTimers', () => {
  it('posts the digest of each enabled repository once per week, whichever replica ticks', async () => {
    const repos = new RepoRegistry(store);
    await repos.observe(ctx('acme/web', { issue: 3 }));
    await repos.observe(ctx('acme/api'));
    const posted: string[] = [];
    const errors: string[] = [];
    const monday = new Date('2026-11-23T09:30:00Z');
    const timers = [1, 2].map(() =>
      startTimers({
        store,
        queue,
        sla: new SlaWatch(store),
        repos,
        postDigest: async (repo, week) => void posted.push(`${repo} ${week}`),
        onError: (e, what) => void errors.push(`${what}: ${String(e)}`),
        clock: () => monday,
      }),
    );
    try {
      await timers[0]!.tickDigests(monday);
      await timers[1]!.tickDigests(monday);
      await timers[0]!.tickDigests(new Date('2026-11-24T10:00:00Z'));
      expect(posted).toEqual(['acme/web 2026-W48']);
      await timers[1]!.tickDigests(new Date('2026-11-30T09:01:00Z'));
      expect(posted).toEqual(['acme/web 2026-W48', 'acme/web 2026-W49']);
      expect(errors).toEqual([]);
    } finally {
      for (const t of timers) await t.stop();
    }
  });
});
