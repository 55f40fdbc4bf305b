// A small in-memory Store with only what the LLM router needs (ledger, budgets, cache). Everything else throws.
// Reservation is atomic because JS runs each call to completion: no await between the check and the write.
import { randomUUID } from 'node:crypto';
import type { BudgetScope, LedgerEntry, Store } from '../../src/store/types.js';

const EPS = 1e-9;

export class MemoryLlmStore {
  readonly kind = 'sqlite' as const;
  readonly entries: LedgerEntry[] = [];
  readonly cache = new Map<string, string>();
  private readonly spent = new Map<string, number>();
  private readonly reservations = new Map<string, { scopes: string[]; usd: number }>();
  private readonly reserved = new Map<string, number>();

  private k(s: BudgetScope): string {
    return `${s.scope}|${s.period}`;
  }
  async migrate(): Promise<void> {}
  async ping(): Promise<boolean> {
    return true;
  }
  async close(): Promise<void> {}
  async recordLedger(e: LedgerEntry): Promise<void> {
    this.entries.push({ ...e });
  }
  async ledger(q: { since?: string; repo?: string; issue?: number }): Promise<LedgerEntry[]> {
    return this.entries.filter(
      (e) =>
        (!q.since || e.at >= q.since) &&
        (!q.repo || e.repo === q.repo) &&
        (q.issue === undefined || e.issue === q.issue),
    );
  }
  async reserveBudget(scopes: Array<BudgetScope & { limitUsd: number }>, usd: number): Promise<string | undefined> {
    for (const s of scopes) {
      const k = this.k(s);
      if ((this.spent.get(k) ?? 0) + (this.reserved.get(k) ?? 0) + usd > s.limitUsd + EPS) return undefined;
    }
    const id = randomUUID();
    const keys = scopes.map((s) => this.k(s));
    for (const k of keys) this.reserved.set(k, (this.reserved.get(k) ?? 0) + usd);
    this.reservations.set(id, { scopes: keys, usd });
    return id;
  }
  async settleBudget(id: string, actualUsd: number): Promise<void> {
    const r = this.reservations.get(id);
    if (!r) return;
    this.reservations.delete(id);
    for (const k of r.scopes) {
      this.reserved.set(k, (this.reserved.get(k) ?? 0) - r.usd);
      this.spent.set(k, (this.spent.get(k) ?? 0) + actualUsd);
    }
  }
  async budgetUsage(s: BudgetScope): Promise<{ spentUsd: number; reservedUsd: number }> {
    return { spentUsd: this.spent.get(this.k(s)) ?? 0, reservedUsd: Math.max(0, this.reserved.get(this.k(s)) ?? 0) };
  }
  /** Test helper: pretend this much was already spent this period. */
  preSpend(s: BudgetScope, usd: number): void {
    this.spent.set(this.k(s), (this.spent.get(this.k(s)) ?? 0) + usd);
  }
  async cacheGet(key: string): Promise<string | undefined> {
    return this.cache.get(key);
  }
  async cachePut(key: string, value: string): Promise<void> {
    this.cache.set(key, value);
  }
}

const UNSUPPORTED = (name: string) => () => {
  throw new Error(`memory-store: ${name} is not implemented (LLM tests only)`);
};

export function memoryStore(): MemoryLlmStore & Store {
  const s = new MemoryLlmStore();
  const names = [
    'recordDelivery',
    'finishDelivery',
    'bumpDeliveryAttempts',
    'getDelivery',
    'pendingDeliveries',
    'deadDeliveries',
    'reviveDelivery',
    'effectState',
    'markEffect',
    'linkPr',
    'issueForPr',
    'recordTransitions',
    'transitions',
    'kvGet',
    'kvSet',
    'kvSetIfAbsent',
  ];
  for (const n of names) (s as unknown as Record<string, unknown>)[n] = UNSUPPORTED(n);
  return s as MemoryLlmStore & Store;
}
