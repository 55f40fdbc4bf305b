// What Baton does on a clock rather than on a webhook: SLA nudges and the weekly digest. Both learn their targets
// from the worker as events flow (repos with a flow, active runs with an SLA), so a restarted Baton picks them up
// again with the next event of each repo; both are safe with several replicas (SLA jobs are deduplicated by id,
// digests claim their ISO week in the store).
import type { Flow } from '../flow/types.js';
import type { Store } from '../store/types.js';
import type { JobQueue } from '../queue/types.js';
import type { RunState } from '../engine/types.js';
import { SLA_EVENT } from '../github/events.js';
import { DigestScheduler, DEFAULT_DIGEST_CRON } from '../report/scheduler.js';

export interface RepoContext {
  repo: string;
  installationId?: number;
  defaultBranch: string;
  flow: Flow;
}

interface Watched {
  ctx: RepoContext;
  run: Pick<RunState, 'issue' | 'stage' | 'enteredAt' | 'nudged'>;
  slaMs: number;
}

export class SlaWatch {
  private readonly runs = new Map<string, Watched>();

  /** Called after every run update: watch the run while its stage has an SLA that has not been nudged. */
  observe(ctx: RepoContext, run: RunState): void {
    const key = `${ctx.repo}#${run.issue}`;
    const stage = ctx.flow.stages.find((s) => s.id === run.stage);
    if (run.status !== 'active' || !stage?.slaMs || run.nudged.includes(`${run.stage}@${run.enteredAt}`)) {
      this.runs.delete(key);
      return;
    }
    this.runs.set(key, { ctx, run: { issue: run.issue, stage: run.stage, enteredAt: run.enteredAt, nudged: run.nudged }, slaMs: stage.slaMs });
  }

  /** Enqueue one SLA job per overdue stage entry (the delivery id makes it once, across sweeps and replicas). */
  async sweep(now: Date, store: Store, queue: JobQueue): Promise<number> {
    let queued = 0;
    for (const [key, w] of this.runs) {
      if (now.getTime() - Date.parse(w.run.enteredAt) < w.slaMs) continue;
      const entry = `${w.run.stage}@${w.run.enteredAt}`;
      const id = `sla:${key}:${entry}`;
      const payload = { repository: { full_name: w.ctx.repo, default_branch: w.ctx.defaultBranch }, installation: w.ctx.installationId ? { id: w.ctx.installationId } : undefined, issue: w.run.issue, entry, at: now.toISOString(), sender: { login: 'baton', type: 'Bot' } };
      if (await store.recordDelivery({ id, name: SLA_EVENT, key, payload, receivedAt: now.toISOString() })) {
        await queue.enqueue({ id, key, name: SLA_EVENT });
        queued++;
      }
      this.runs.delete(key);
    }
    return queued;
  }

  get size(): number {
    return this.runs.size;
  }
}

export class RepoRegistry {
  private readonly repos = new Map<string, RepoContext>();
  observe(ctx: RepoContext): void {
    this.repos.set(ctx.repo, ctx);
  }
  get(repo: string): RepoContext | undefined {
    return this.repos.get(repo);
  }
  digestTargets(): Array<{ repo: string; cron?: string; enabled?: boolean }> {
    return [...this.repos.values()].map((c) => ({ repo: c.repo, cron: c.flow.digest.cron ?? DEFAULT_DIGEST_CRON, enabled: c.flow.digest.enabled ?? c.flow.digest.issue !== undefined }));
  }
}

export function startTimers(o: {
  store: Store;
  queue: JobQueue;
  sla: SlaWatch;
  repos: RepoRegistry;
  postDigest: (repo: string, week: string) => Promise<void>;
  onError: (e: unknown, what: string) => void;
  slaEveryMs?: number;
}): { stop(): Promise<void> } {
  const timer = setInterval(() => {
    o.sla.sweep(new Date(), o.store, o.queue).catch((e) => o.onError(e, 'sla sweep'));
  }, o.slaEveryMs ?? 60_000);
  timer.unref();
  const digests = new DigestScheduler({
    store: o.store,
    targets: () => o.repos.digestTargets(),
    post: (repo, week) => o.postDigest(repo, week),
    onError: (e, repo) => o.onError(e, `digest for ${repo}`),
  });
  digests.start();
  return {
    async stop() {
      clearInterval(timer);
      await digests.stop();
    },
  };
}
