// Every API call, for `baton audit`: who (token id and name), what (method, route, status), when, from where.
// Kept in the store's key/value table, one namespace, pruned past the retention on write.
import { randomBytes } from 'node:crypto';
import type { Store } from '../store/types.js';

const NS = 'api-audit';

export interface AuditEntry {
  at: string;
  tokenId: string | null;
  token: string | null;
  method: string;
  route: string;
  status: number;
  ip: string;
  /** The run or resource the call touched, when any. */
  target?: string;
}

export class AuditLog {
  private writes = 0;

  constructor(
    private readonly store: Store,
    private readonly retentionDays = 90,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(e: AuditEntry): Promise<void> {
    await this.store.kvSet(NS, `${e.at}~${randomBytes(4).toString('hex')}`, JSON.stringify(e));
    if (++this.writes % 500 === 1) await this.prune();
  }

  async list(q: { since?: string; token?: string } = {}): Promise<AuditEntry[]> {
    return (await this.store.kvList(NS))
      .filter((e) => !q.since || e.key >= q.since)
      .sort((a, b) => a.key.localeCompare(b.key))
      .map((e) => JSON.parse(e.value) as AuditEntry)
      .filter((e) => !q.token || e.token === q.token || e.tokenId === q.token);
  }

  async prune(): Promise<number> {
    const cutoff = new Date(this.now().getTime() - this.retentionDays * 86_400_000).toISOString();
    const old = (await this.store.kvList(NS)).filter((e) => e.key < cutoff);
    for (const e of old) await this.store.kvDelete(NS, e.key);
    return old.length;
  }
}
