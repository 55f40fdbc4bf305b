// Circuit breaker per provider+model: after `threshold` consecutive failures it opens (the model is skipped);
// after `cooldownMs` it lets exactly ONE probe through (half-open); the probe's success closes it, its failure
// re-opens it for another cool-down. Time is injected so tests and replays are deterministic.

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  threshold?: number;
  cooldownMs?: number;
  now: () => number;
}

interface Entry {
  failures: number;
  state: BreakerState;
  openedAt: number;
  probeInFlight: boolean;
}

export class Breakers {
  readonly threshold: number;
  readonly cooldownMs: number;
  private readonly now: () => number;
  private readonly entries = new Map<string, Entry>();

  constructor(opts: BreakerOptions) {
    this.threshold = opts.threshold ?? 3;
    this.cooldownMs = opts.cooldownMs ?? 30_000;
    this.now = opts.now;
  }

  private entry(key: string): Entry {
    let e = this.entries.get(key);
    if (!e) this.entries.set(key, (e = { failures: 0, state: 'closed', openedAt: 0, probeInFlight: false }));
    return e;
  }

  state(key: string): BreakerState {
    const e = this.entry(key);
    if (e.state === 'open' && this.now() - e.openedAt >= this.cooldownMs) return 'half-open';
    return e.state;
  }

  /** May this model be called now? Claims the single half-open probe when it grants one. */
  tryAcquire(key: string): boolean {
    const e = this.entry(key);
    if (e.state === 'closed') return true;
    if (e.state === 'open') {
      if (this.now() - e.openedAt < this.cooldownMs) return false;
      e.state = 'half-open';
      e.probeInFlight = false;
    }
    if (e.probeInFlight) return false;
    e.probeInFlight = true;
    return true;
  }

  success(key: string): void {
    const e = this.entry(key);
    e.state = 'closed';
    e.failures = 0;
    e.probeInFlight = false;
  }

  failure(key: string): void {
    const e = this.entry(key);
    e.failures += 1;
    if (e.state === 'half-open' || e.failures >= this.threshold) {
      e.state = 'open';
      e.openedAt = this.now();
    }
    e.probeInFlight = false;
  }

  /** A call that ended without telling us anything about health (e.g. the budget refused it): free the probe. */
  release(key: string): void {
    const e = this.entry(key);
    e.probeInFlight = false;
  }
}
