// The store of one Actions job: what the app keeps in SQL, kept in memory for the length of one event. Nothing here
// needs to outlive the job, because everything that must is on GitHub already:
// - run state, history (the KPI transitions), spend, SLA nudges and the fingerprints of events already decided are
//   in the card's hidden block (one read and one write per job, both needed anyway);
// - the effect journal's "done" is GitHub's own state: a re-run job (GITHUB_RUN_ATTEMPT > 1) verifies every effect
//   before writing (comment markers, requested reviewers, the issue's labels and assignees, check runs by name), and
//   a re-run of a job that finished finds its event in the card's `seen` list and decides nothing;
// - PR → issue links are re-derived from the PR (closing keyword or branch name) through `linkedIssue`.
// See README "Baton on Actions" for why the card, rather than a state issue or a branch, holds it.
import { randomUUID } from 'node:crypto';
import { fitsBudget } from '../store/rows.js';
import type { BudgetScope, DeliveryRecord, LedgerEntry, Store, TransitionRecord } from '../store/types.js';

export class JobStore implements Store {
  readonly kind = 'memory' as const;
  readonly deliveries = new Map<string, DeliveryRecord>();
  readonly journal = new Map<string, 'pending' | 'done'>();
  readonly recorded: TransitionRecord[] = [];
  readonly entries: LedgerEntry[] = [];
  private readonly links = new Map<string, number>();
  private readonly kv = new Map<string, string>();
  private readonly cache = new Map<string, string>();
  private readonly budgets = new Map<string, { spent: number; reserved: number }>();
  private readonly reservations = new Map<string, { keys: string[]; usd: number }>();

  /**
   * @param linkOf PR → issue from GitHub when this job has not linked it itself.
   * @param happened Whether a "do once" claim (`kvSetIfAbsent`) was already made by an earlier job, read from GitHub
   *   (an earlier job's store is gone): e.g. the issue reporting a broken flow.yml exists.
   */
  constructor(
    private readonly linkOf: (repo: string, pr: number) => Promise<number | undefined> = async () => undefined,
    private readonly happened: (ns: string, key: string) => Promise<boolean> = async () => false,
    /** What a budget scope had spent before this job: a run's spend is on its card. */
    private readonly priorSpend: (scope: BudgetScope) => number = () => 0,
  ) {}

  async migrate(): Promise<void> {}
  async ping(): Promise<boolean> {
    return true;
  }
  async close(): Promise<void> {}

  async recordDelivery(d: Omit<DeliveryRecord, 'status' | 'attempts'>): Promise<boolean> {
    if (this.deliveries.has(d.id)) return false;
    this.deliveries.set(d.id, { ...d, status: 'pending', attempts: 0 });
    return true;
  }
  async finishDelivery(id: string, status: 'done' | 'dead', error?: string): Promise<void> {
    const d = this.deliveries.get(id);
    if (d) Object.assign(d, { status, ...(error ? { error } : {}) });
  }
  async bumpDeliveryAttempts(id: string, error?: string): Promise<number> {
    const d = this.deliveries.get(id);
    if (!d) return 0;
    d.attempts++;
    if (error) d.error = error;
    return d.attempts;
  }
  async getDelivery(id: string): Promise<DeliveryRecord | undefined> {
    return this.deliveries.get(id);
  }
  async pendingDeliveries(): Promise<DeliveryRecord[]> {
    return [...this.deliveries.values()].filter((d) => d.status === 'pending');
  }
  async deadDeliveries(): Promise<DeliveryRecord[]> {
    return [...this.deliveries.values()].filter((d) => d.status === 'dead');
  }
  async reviveDelivery(): Promise<boolean> {
    // A dead job is a failed workflow run: GitHub's "Re-run jobs" revives it, not Baton.
    return false;
  }

  async effectState(key: string): Promise<'pending' | 'done' | undefined> {
    return this.journal.get(key);
  }
  async markEffect(key: string, state: 'pending' | 'done'): Promise<void> {
    this.journal.set(key, state);
  }

  async linkPr(repo: string, pr: number, issue: number): Promise<void> {
    this.links.set(`${repo}!${pr}`, issue);
  }
  async issueForPr(repo: string, pr: number): Promise<number | undefined> {
    const k = `${repo}!${pr}`;
    if (!this.links.has(k)) {
      const issue = await this.linkOf(repo, pr);
      if (issue !== undefined) this.links.set(k, issue);
    }
    return this.links.get(k);
  }

  async recordTransitions(t: TransitionRecord[]): Promise<void> {
    for (const x of t) if (!this.recorded.some((y) => y.id === x.id)) this.recorded.push(x);
  }
  async transitions(q: { repo?: string; since?: string; until?: string }): Promise<TransitionRecord[]> {
    return this.recorded.filter(
      (t) => (!q.repo || t.repo === q.repo) && (!q.since || t.at >= q.since) && (!q.until || t.at < q.until),
    );
  }

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
  private budget(s: BudgetScope): { spent: number; reserved: number } {
    const k = `${s.scope}|${s.period}`;
    let b = this.budgets.get(k);
    if (!b) this.budgets.set(k, (b = { spent: this.priorSpend(s), reserved: 0 }));
    return b;
  }
  async reserveBudget(scopes: Array<BudgetScope & { limitUsd: number }>, usd: number): Promise<string | undefined> {
    for (const s of scopes) {
      const b = this.budget(s);
      if (!fitsBudget(b.spent, b.reserved, usd, s.limitUsd)) return undefined;
    }
    for (const s of scopes) this.budget(s).reserved += usd;
    const id = randomUUID();
    this.reservations.set(id, { keys: scopes.map((s) => `${s.scope}|${s.period}`), usd });
    return id;
  }
  async settleBudget(id: string, actualUsd: number): Promise<void> {
    const r = this.reservations.get(id);
    if (!r) return;
    this.reservations.delete(id);
    for (const k of r.keys) {
      const b = this.budgets.get(k)!;
      b.reserved -= r.usd;
      b.spent += actualUsd;
    }
  }
  async budgetUsage(s: BudgetScope): Promise<{ spentUsd: number; reservedUsd: number }> {
    const b = this.budget(s);
    return { spentUsd: b.spent, reservedUsd: Math.max(0, b.reserved) };
  }
  async cacheGet(key: string): Promise<string | undefined> {
    return this.cache.get(key);
  }
  async cachePut(key: string, value: string): Promise<void> {
    this.cache.set(key, value);
  }

  async kvGet(ns: string, key: string): Promise<string | undefined> {
    return this.kv.get(`${ns}\u0000${key}`);
  }
  async kvSet(ns: string, key: string, value: string): Promise<void> {
    this.kv.set(`${ns}\u0000${key}`, value);
  }
  async kvSetIfAbsent(ns: string, key: string, value: string): Promise<boolean> {
    const k = `${ns}\u0000${key}`;
    if (this.kv.has(k) || (await this.happened(ns, key))) return false;
    this.kv.set(k, value);
    return true;
  }
  async kvList(ns: string): Promise<Array<{ key: string; value: string }>> {
    const p = `${ns}\u0000`;
    return [...this.kv].filter(([k]) => k.startsWith(p)).map(([k, value]) => ({ key: k.slice(p.length), value }));
  }
  async kvDelete(ns: string, key: string): Promise<void> {
    this.kv.delete(`${ns}\u0000${key}`);
  }
}
