// What Baton does on a clock rather than on a webhook: SLA nudges and the weekly digest. Both learn their targets
// from the worker as events flow (repos with a flow, active runs with an SLA) and keep them in the store, so a
// restarted Baton sweeps them at once; both are safe with several replicas (SLA jobs are deduplicated by id, digests
// claim their ISO week in the store).
import { LRUCache } from 'lru-cache';
import type { Flow } from '../flow/types.js';
import type { Store } from '../store/types.js';
import type { JobQueue } from '../queue/types.js';
import type { RunState } from '../engine/types.js';
import { SLA_EVENT } from '../github/events.js';
import { DigestScheduler, DEFAULT_DIGEST_CRON, systemClock, type TickResult } from '../report/scheduler.js';
import { isOrgRepo } from '../github/config.js';

export interface RepoContext {
  repo: string;
  installationId?: number;
  defaultBranch: string;
  flow: Flow;
}

interface Watched {
  repo: string;
  installationId?: number;
  defaultBranch: string;
  issue: number;
  stage: string;
  enteredAt: string;
  slaMs: number;
}

/**
 * Runs whose stage has an SLA not yet nudged. Kept in the store (not only in memory) because an SLA is about runs
 * nobody touches: after a deploy, the sweep must still find the run that has been idle for two days.
 */
export class SlaWatch {
  /** What was last written per run, to skip identical writes (forgetting one only costs a write). */
  private readonly last = new LRUCache<string, string>({ max: 10_000 });

  constructor(private readonly store: Pick<Store, 'kvSet' | 'kvDelete' | 'kvList' | 'recordDelivery'>) {}

  /** Stop watching every run of a repo the App can no longer reach. */
  async forgetRepo(repo: string): Promise<number> {
    let n = 0;
    for (const { key } of await this.store.kvList('sla'))
      if (key.startsWith(`${repo}#`)) {
        await this.store.kvDelete('sla', key);
        this.last.delete(key);
        n++;
      }
    return n;
  }

  /** Called after every run update: watch the run while its stage has an SLA that has not been nudged. */
  async observe(ctx: RepoContext, run: RunState): Promise<void> {
    const key = `${ctx.repo}#${run.issue}`;
    const stage = ctx.flow.stages.find((s) => s.id === run.stage);
    const watched = run.status === 'active' && !!stage?.slaMs && !run.nudged.includes(`${run.stage}@${run.enteredAt}`);
    const value = watched
      ? JSON.stringify({
          repo: ctx.repo,
          installationId: ctx.installationId,
          defaultBranch: ctx.defaultBranch,
          issue: run.issue,
          stage: run.stage,
          enteredAt: run.enteredAt,
          slaMs: stage!.slaMs!,
        } satisfies Watched)
      : '';
    if (this.last.get(key) === value) return;
    if (value) await this.store.kvSet('sla', key, value);
    else await this.store.kvDelete('sla', key);
    this.last.set(key, value);
  }

  /** Enqueue one SLA job per overdue stage entry (the delivery id makes it once, across sweeps and replicas). */
  async sweep(now: Date, store: Store, queue: JobQueue): Promise<number> {
    let queued = 0;
    for (const { key, value } of await this.store.kvList('sla')) {
      const w = JSON.parse(value) as Watched;
      if (now.getTime() - Date.parse(w.enteredAt) < w.slaMs) continue;
      const entry = `${w.stage}@${w.enteredAt}`;
      const id = `sla:${key}:${entry}`;
      const payload = {
        repository: { full_name: w.repo, default_branch: w.defaultBranch },
        installation: w.installationId ? { id: w.installationId } : undefined,
        issue: w.issue,
        entry,
        at: now.toISOString(),
        sender: { login: 'baton', type: 'Bot' },
      };
      if (await store.recordDelivery({ id, name: SLA_EVENT, key, payload, receivedAt: now.toISOString() })) {
        await queue.enqueue({ id, key, name: SLA_EVENT });
        queued++;
      }
    }
    return queued;
  }
}

interface KnownRepo {
  repo: string;
  installationId?: number;
  defaultBranch: string;
  digest: Flow['digest'];
  /** Its flow.yml says `enabled: false`. */
  optedOut?: boolean;
}

/** Repositories with a flow, for the digest scheduler; persisted so a restarted Baton knows them at once. */
export class RepoRegistry {
  /** Live contexts; an evicted repo is read back from the store. */
  private readonly repos = new LRUCache<string, RepoContext>({ max: 5_000 });
  private readonly last = new LRUCache<string, string>({ max: 5_000 });

  constructor(private readonly store: Pick<Store, 'kvSet' | 'kvList' | 'kvDelete'>) {}

  /** The App lost access to the repo (uninstalled, or the repo removed from the installation): no more digests. */
  async forget(repo: string): Promise<void> {
    this.repos.delete(repo);
    this.last.delete(repo);
    await this.store.kvDelete('repo', repo);
  }

  async observe(ctx: RepoContext): Promise<void> {
    this.repos.set(ctx.repo, ctx);
    await this.know({ ...ctx, digest: ctx.flow.digest });
  }

  /**
   * A repository the App is installed on, with or without a flow yet (from the installation's repository list or an
   * installation event): the digest, the reconcile sweep (and through it the SLA watch) and the dashboard cover it
   * even when it has had no event.
   */
  async know(r: {
    repo: string;
    installationId?: number;
    defaultBranch: string;
    digest?: Flow['digest'];
    optedOut?: boolean;
  }) {
    const value = JSON.stringify({
      repo: r.repo,
      installationId: r.installationId,
      defaultBranch: r.defaultBranch,
      digest: r.digest ?? {},
      ...(r.optedOut ? { optedOut: true } : {}),
    } satisfies KnownRepo);
    if (this.last.get(r.repo) === value) return;
    await this.store.kvSet('repo', r.repo, value);
    this.last.set(r.repo, value);
  }

  /** Every repository known, with its installation (for `forget` of those an installation no longer lists). */
  async all(): Promise<Array<{ repo: string; installationId?: number; defaultBranch: string; optedOut?: boolean }>> {
    return (await this.store.kvList('repo')).map(({ value }) => JSON.parse(value) as KnownRepo);
  }

  /** The live context when this process has seen the repo; otherwise what was recorded (no flow yet). */
  async get(repo: string): Promise<RepoContext | Omit<RepoContext, 'flow'> | undefined> {
    const live = this.repos.get(repo);
    if (live) return live;
    const rec = (await this.store.kvList('repo')).find((r) => r.key === repo);
    return rec ? (JSON.parse(rec.value) as KnownRepo) : undefined;
  }

  async digestTargets(): Promise<Array<{ repo: string; cron?: string; enabled?: boolean }>> {
    return (await this.store.kvList('repo')).map(({ value }) => {
      const r = JSON.parse(value) as KnownRepo;
      // `digest.org: true` (the org flow): one digest for the whole org, posted in its .github repository.
      if (r.digest?.org)
        return { repo: r.repo, cron: r.digest.cron ?? DEFAULT_DIGEST_CRON, enabled: isOrgRepo(r.repo) };
      return {
        repo: r.repo,
        cron: r.digest?.cron ?? DEFAULT_DIGEST_CRON,
        enabled: r.digest?.enabled ?? r.digest?.issue !== undefined,
      };
    });
  }
}

export function startTimers(o: {
  store: Store;
  queue: JobQueue;
  sla: SlaWatch;
  repos: RepoRegistry;
  /** Post the digest of the week before `due` (the cron time being served). */
  postDigest: (repo: string, week: string, due: Date) => Promise<void>;
  onError: (e: unknown, what: string) => void;
  /** What time it is for the sweep and the digest (default the real clock). */
  clock?: () => Date;
  slaEveryMs?: number;
  /** Forget old payloads and finished jobs (src/store/retention.ts), hourly. */
  prune?: () => Promise<unknown>;
}): { stop(): Promise<void>; tickDigests(now?: Date): Promise<TickResult> } {
  const clock = o.clock ?? (() => new Date());
  const timer = setInterval(() => {
    o.sla.sweep(clock(), o.store, o.queue).catch((e) => o.onError(e, 'sla sweep'));
  }, o.slaEveryMs ?? 60_000);
  timer.unref();
  const pruning = o.prune
    ? setInterval(() => void o.prune?.().catch((e) => o.onError(e, 'store pruning')), 3_600_000)
    : undefined;
  pruning?.unref();
  const schedulerFor = (now: () => Date) =>
    new DigestScheduler({
      store: o.store,
      targets: () => o.repos.digestTargets(),
      post: (repo, week, due) => o.postDigest(repo, week, due),
      onError: (e, repo) => o.onError(e, `digest for ${repo}`),
      clock: { now, setTimer: systemClock.setTimer },
    });
  const digests = schedulerFor(clock);
  digests.start();
  return {
    // The same decision as the timer's (claims in the store: never two digests for a week), as of `now`.
    tickDigests: (now = clock()) => schedulerFor(() => now).tick(),
    async stop() {
      clearInterval(timer);
      clearInterval(pruning);
      await digests.stop();
    },
  };
}
