// Posts the weekly digest on a cron (flow.yml `digest.cron`, default Monday 09:00 UTC).
//
// The decision is stateless apart from the store: at every tick, for each repo, take the LATEST scheduled time at
// or before now; if its ISO week has no digest yet, claim it with kvSetIfAbsent and post. So:
// - after downtime, the missed digest is posted once (only the latest due time counts, not one per missed week);
// - one ISO week never gets two digests, across restarts and replicas (the claim is atomic in the store);
// - a failed post releases nothing but is retried on later ticks through numbered retry claims (max 3 attempts).
import { CronExpressionParser } from 'cron-parser';
import type { Store } from '../store/types.js';
import { isoWeek } from './stats.js';
import { errorMessage } from '../ops/errors.js';
import { DIGEST_DEFAULTS } from './config-schema.js';

/** flow.yml's `digest.cron` default, as the schema documents it. */
export const DEFAULT_DIGEST_CRON = DIGEST_DEFAULTS.cron;
const NS = 'digest';
const MAX_ATTEMPTS = 3;
/** Re-check at least this often, so a changed flow.yml cron or a clock jump is picked up. */
const MAX_SLEEP_MS = 60 * 60 * 1000;

export interface DigestTarget {
  repo: string;
  cron?: string;
  enabled?: boolean;
}

export interface Clock {
  now(): Date;
  /** Schedule `fn` after `ms`; returns a cancel function. */
  setTimer(fn: () => void, ms: number): () => void;
}

export const systemClock: Clock = {
  now: () => new Date(),
  setTimer: (fn, ms) => {
    const h = setTimeout(fn, ms);
    h.unref?.();
    return () => clearTimeout(h);
  },
};

export interface DigestSchedulerOptions {
  store: Pick<Store, 'kvGet' | 'kvSet' | 'kvSetIfAbsent'>;
  targets: () => DigestTarget[] | Promise<DigestTarget[]>;
  /** Build and post the digest for `repo`; `week` is the ISO week of the scheduled time being served. */
  post: (repo: string, week: string, due: Date) => Promise<void>;
  clock?: Clock;
  /** Who is claiming (shown in the kv value, useful when two replicas race). */
  owner?: string;
  onError?: (e: unknown, repo: string) => void;
}

export interface TickResult {
  /** `week` is the ISO week of the cron time served (`due`); the digest covers the complete week before it. */
  posted: Array<{ repo: string; week: string; due: Date }>;
  failed: Array<{ repo: string; week: string; error: string }>;
}

/** The latest time `cron` fired at or before `now` (UTC). Throws a readable error for a bad expression. */
export function lastDue(cron: string, now: Date): Date {
  let expr;
  try {
    expr = CronExpressionParser.parse(cron, { currentDate: new Date(now.getTime() + 1000), tz: 'UTC' });
  } catch (e) {
    throw new Error(
      `digest.cron "${cron}" is not a valid 5-field cron expression (e.g. "0 9 * * 1" = Mondays 09:00 UTC): ${errorMessage(e)}`,
    );
  }
  return expr.prev().toDate();
}

export function nextDue(cron: string, now: Date): Date {
  return CronExpressionParser.parse(cron, { currentDate: now, tz: 'UTC' }).next().toDate();
}

export class DigestScheduler {
  private cancel?: () => void;
  private stopped = true;
  private running?: Promise<TickResult>;
  private readonly clock: Clock;

  constructor(private readonly o: DigestSchedulerOptions) {
    this.clock = o.clock ?? systemClock;
  }

  /** One decision pass over all targets. Safe to call concurrently and from several replicas. */
  async tick(): Promise<TickResult> {
    const now = this.clock.now();
    const result: TickResult = { posted: [], failed: [] };
    for (const t of await this.o.targets()) {
      if (t.enabled === false) continue;
      let due: Date;
      try {
        due = lastDue(t.cron ?? DEFAULT_DIGEST_CRON, now);
      } catch (e) {
        this.o.onError?.(e, t.repo);
        continue;
      }
      const week = isoWeek(due);
      const key = `${t.repo}:${week}`;
      const claimed = await this.claim(key, now);
      if (!claimed) continue;
      try {
        await this.o.post(t.repo, week, due);
        await this.o.store.kvSet(NS, claimed, `posted ${now.toISOString()} by ${this.o.owner ?? 'baton'}`);
        result.posted.push({ repo: t.repo, week, due });
      } catch (e) {
        const error = errorMessage(e);
        await this.o.store.kvSet(NS, claimed, `failed ${now.toISOString()}: ${error}`.slice(0, 500));
        result.failed.push({ repo: t.repo, week, error });
        this.o.onError?.(e, t.repo);
      }
    }
    return result;
  }

  /** The kv key this caller claimed (it won the right to post now), or undefined. */
  private async claim(key: string, now: Date): Promise<string | undefined> {
    const value = `claimed ${now.toISOString()} by ${this.o.owner ?? 'baton'}`;
    if (await this.o.store.kvSetIfAbsent(NS, key, value)) return key;
    const current = await this.o.store.kvGet(NS, key);
    if (!current?.startsWith('failed')) return undefined;
    // A failed post: retry through numbered claims so replicas still agree on one poster per attempt.
    for (let attempt = 2; attempt <= MAX_ATTEMPTS; attempt++) {
      const retryKey = `${key}#${attempt}`;
      const state = await this.o.store.kvGet(NS, retryKey);
      if (state === undefined) return (await this.o.store.kvSetIfAbsent(NS, retryKey, value)) ? retryKey : undefined;
      if (!state.startsWith('failed')) return undefined;
    }
    return undefined;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancel?.();
    await this.running;
  }

  private async loop(): Promise<void> {
    if (this.stopped) return;
    this.running = this.tick().catch((e) => {
      this.o.onError?.(e, '*');
      return { posted: [], failed: [] };
    });
    await this.running;
    if (this.stopped) return;
    let sleep = MAX_SLEEP_MS;
    try {
      const now = this.clock.now();
      for (const t of await this.o.targets()) {
        if (t.enabled === false) continue;
        try {
          sleep = Math.min(sleep, nextDue(t.cron ?? DEFAULT_DIGEST_CRON, now).getTime() - now.getTime() + 1000);
        } catch {
          // Reported by tick().
        }
      }
    } catch (e) {
      this.o.onError?.(e, '*');
    }
    this.cancel = this.clock.setTimer(() => void this.loop(), Math.max(1000, sleep));
  }
}
