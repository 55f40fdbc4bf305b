// The embedded store: one SQLite file (<dataDir>/baton.db) via better-sqlite3. WAL lets readers (dashboard, CLI)
// run while the worker writes; synchronous=NORMAL keeps commits off fsync (durable across a process crash, which
// is what a webhook receiver needs — GitHub redelivers on a lost power cut anyway) so recording a delivery stays
// far under a millisecond. Every statement is prepared once. Writes that must be atomic across processes (budget
// reservations, job claims) run in BEGIN IMMEDIATE transactions, which take the write lock up front.
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { assertSameFile, explainSqliteError, fileIdentity } from './disk.js';
import { join } from 'node:path';
import { redactPayloadText } from './at-rest.js';
import { CREATE_MIGRATIONS_TABLE, MIGRATIONS, pendingMigrations, type Migration } from './migrations.js';
import {
  fitsBudget,
  ledgerParams,
  toDelivery,
  toLedger,
  toTransition,
  transitionFilters,
  transitionParams,
  whereOf,
} from './rows.js';
import type {
  BudgetScope,
  DeliveryRecord,
  JobCounts,
  JobTable,
  LedgerEntry,
  PruneResult,
  QueuedJob,
  RetentionCutoffs,
  StoreWithJobs,
  TransitionRecord,
} from './types.js';

type Row = Record<string, unknown>;

export interface SqliteStoreOptions {
  /** Directory holding baton.db; created when missing. */
  dataDir: string;
  /** How long a writer waits for another process's lock before failing (ms). */
  busyTimeoutMs?: number;
  migrations?: Migration[];
}

export class SqliteStore implements StoreWithJobs {
  readonly kind = 'sqlite' as const;
  readonly jobs: JobTable;
  readonly file: string;
  private readonly db: Database.Database;
  private readonly migrations: Migration[];
  private readonly stmts = new Map<string, Database.Statement>();
  /** The file opened, to notice it being deleted or replaced while Baton runs. */
  private readonly identity: { dev: number; ino: number } | undefined;

  constructor(opts: SqliteStoreOptions) {
    mkdirSync(opts.dataDir, { recursive: true });
    this.file = join(opts.dataDir, 'baton.db');
    try {
      this.db = new Database(this.file);
      this.db.pragma('journal_mode = WAL');
    } catch (err) {
      throw explainSqliteError(err, this.file);
    }
    this.identity = fileIdentity(this.file);
    // After a checkpoint SQLite truncates the WAL back to this size instead of keeping its high-water mark, so a WAL
    // that grew during a burst (or into space freed on a full disk) gives the space back.
    this.db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma(`busy_timeout = ${Math.floor(opts.busyTimeoutMs ?? 5000)}`);
    this.migrations = opts.migrations ?? MIGRATIONS;
    this.jobs = new SqliteJobTable(this.db, (sql) => this.st(sql));
  }

  /** Prepared-statement cache: preparing costs more than running the small statements Baton issues. */
  private st(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  async migrate(): Promise<void> {
    const apply = this.db.transaction(() => {
      this.db.exec(CREATE_MIGRATIONS_TABLE);
      const applied = (this.db.prepare('SELECT version FROM schema_migrations').all() as Row[]).map((r) =>
        Number(r.version),
      );
      for (const m of pendingMigrations(applied, this.migrations)) {
        this.db.exec(m.sqlite);
        this.db
          .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
          .run(m.version, m.name, new Date().toISOString());
      }
    });
    apply.immediate();
  }

  /**
   * Readiness: the file Baton opened is still the one on disk, and a write commits (a full disk or a read-only
   * volume fails here, not only in the next webhook). Throws the operator's explanation (src/store/disk.ts).
   */
  async ping(): Promise<boolean> {
    assertSameFile(this.file, this.identity);
    try {
      this.st(
        'INSERT INTO kv (ns, key, value) VALUES (?, ?, ?) ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value',
      ).run('health', 'ping', new Date().toISOString());
      return true;
    } catch (err) {
      // A full disk: give the WAL's space back if a checkpoint can, so the next write may fit.
      if ((err as { code?: string }).code === 'SQLITE_FULL') this.checkpoint();
      throw explainSqliteError(err, this.file);
    }
  }

  /** Copy the WAL into the database and truncate it (journal_size_limit caps what is kept). */
  checkpoint(): void {
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // Busy readers or no space: the next checkpoint (SQLite's own every 1000 pages, or the next prune) tries again.
    }
  }

  async prune(c: RetentionCutoffs): Promise<PruneResult> {
    const out = this.db.transaction((): PruneResult => {
      // 'null' (JSON) rather than SQL NULL: a NULL payload marks a bare row the queue inserted before the webhook
      // was recorded, which recordDelivery would fill in and treat as new.
      const payloads = this.st(
        `UPDATE deliveries SET payload = 'null' WHERE status = 'done' AND received_at < ? AND payload IS NOT NULL AND payload <> 'null'`,
      ).run(c.payloadsBefore).changes;
      const deliveries = this.st(`DELETE FROM deliveries WHERE status IN ('done', 'dead') AND received_at < ?`).run(
        c.rowsBefore,
      ).changes;
      const effects = this.st('DELETE FROM effects WHERE updated_at < ?').run(c.rowsBefore).changes;
      return { payloads, deliveries, effects };
    })();
    this.checkpoint();
    return out;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  // ---- deliveries
  async recordDelivery(d: Omit<DeliveryRecord, 'status' | 'attempts'>): Promise<boolean> {
    // A bare row may exist when the queue saw the job first (payload NULL): fill it in, and it counts as new.
    const r = this.st(
      `INSERT INTO deliveries (id, name, key, payload, received_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET payload = excluded.payload, received_at = excluded.received_at
       WHERE deliveries.payload IS NULL`,
    ).run(d.id, d.name, d.key, JSON.stringify(d.payload ?? null), d.receivedAt);
    return r.changes === 1;
  }

  async finishDelivery(id: string, status: 'done' | 'dead', error?: string): Promise<void> {
    this.st(
      // 'done' clears the last retry's error; 'dead' keeps the final one.
      `UPDATE deliveries SET status = ?, error = CASE WHEN ? = 'done' THEN NULL ELSE COALESCE(?, error) END,
         locked_by = NULL, locked_until = NULL WHERE id = ?`,
    ).run(status, status, error ?? null, id);
    // The raw payload was needed while the job could run; from now on only its redacted form is kept.
    const row = this.st('SELECT payload FROM deliveries WHERE id = ?').get(id) as
      | { payload: string | null }
      | undefined;
    const redacted = redactPayloadText(row?.payload ?? null);
    if (redacted !== undefined) this.st('UPDATE deliveries SET payload = ? WHERE id = ?').run(redacted, id);
  }

  async bumpDeliveryAttempts(id: string, error?: string): Promise<number> {
    const r = this.st(
      'UPDATE deliveries SET attempts = attempts + 1, error = COALESCE(?, error) WHERE id = ? RETURNING attempts',
    ).get(error ?? null, id) as Row | undefined;
    return r ? Number(r.attempts) : 0;
  }

  async getDelivery(id: string): Promise<DeliveryRecord | undefined> {
    const r = this.st('SELECT * FROM deliveries WHERE id = ?').get(id) as Row | undefined;
    return r ? toDelivery(r) : undefined;
  }

  async pendingDeliveries(limit = 1000): Promise<DeliveryRecord[]> {
    return (
      this.st(`SELECT * FROM deliveries WHERE status = 'pending' ORDER BY COALESCE(seq, 0), received_at LIMIT ?`).all(
        limit,
      ) as Row[]
    ).map(toDelivery);
  }

  async deadDeliveries(limit = 1000): Promise<DeliveryRecord[]> {
    return (this.st(`SELECT * FROM deliveries WHERE status = 'dead' ORDER BY seq LIMIT ?`).all(limit) as Row[]).map(
      toDelivery,
    );
  }

  async reviveDelivery(id: string): Promise<boolean> {
    // A revived job goes to the back of its key's line: the jobs after it already ran without it.
    const r = this.st(
      `UPDATE deliveries SET status = 'pending', attempts = 0, error = NULL, run_at = 0, locked_by = NULL, locked_until = NULL,
         seq = CASE WHEN queued = 1 THEN (SELECT COALESCE(MAX(seq), 0) + 1 FROM deliveries) ELSE seq END
       WHERE id = ? AND status = 'dead'`,
    ).run(id);
    return r.changes === 1;
  }

  // ---- effects, links
  async effectState(key: string): Promise<'pending' | 'done' | undefined> {
    const r = this.st('SELECT state FROM effects WHERE key = ?').get(key) as Row | undefined;
    return r ? (r.state as 'pending' | 'done') : undefined;
  }

  async markEffect(key: string, state: 'pending' | 'done'): Promise<void> {
    this.st(
      `INSERT INTO effects (key, state, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
    ).run(key, state, new Date().toISOString());
  }

  async linkPr(repo: string, pr: number, issue: number): Promise<void> {
    this.st(
      'INSERT INTO pr_links (repo, pr, issue) VALUES (?, ?, ?) ON CONFLICT (repo, pr) DO UPDATE SET issue = excluded.issue',
    ).run(repo, pr, issue);
  }

  async issueForPr(repo: string, pr: number): Promise<number | undefined> {
    const r = this.st('SELECT issue FROM pr_links WHERE repo = ? AND pr = ?').get(repo, pr) as Row | undefined;
    return r ? Number(r.issue) : undefined;
  }

  // ---- transitions
  async recordTransitions(ts: TransitionRecord[]): Promise<void> {
    const ins = this.st(
      `INSERT INTO transitions (id, repo, issue, flow, from_stage, to_stage, kind, event, by_login, at, extra)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    );
    this.db.transaction(() => {
      for (const t of ts) ins.run(...transitionParams(t));
    })();
  }

  async transitions(q: { repo?: string; since?: string; until?: string }): Promise<TransitionRecord[]> {
    const { where, values } = whereOf(transitionFilters(q), () => '?');
    const rows = this.st(`SELECT * FROM transitions ${where} ORDER BY at, rowid`).all(...values) as Row[];
    return rows.map(toTransition);
  }

  // ---- ledger, budgets, cache
  async recordLedger(e: LedgerEntry): Promise<void> {
    this.st(
      `INSERT INTO ledger (id, at, task, repo, org, issue, pr, provider, model, tokens_in, tokens_out, cost_usd, latency_ms, cache_hit, reason, ok)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    ).run(...ledgerParams(e));
  }

  async ledger(q: { since?: string; repo?: string; issue?: number }): Promise<LedgerEntry[]> {
    const rows = this.st(
      `SELECT * FROM ledger WHERE (@since IS NULL OR at >= @since) AND (@repo IS NULL OR repo = @repo)
       AND (@issue IS NULL OR issue = @issue) ORDER BY at, id`,
    ).all({ since: q.since ?? null, repo: q.repo ?? null, issue: q.issue ?? null }) as Row[];
    return rows.map(toLedger);
  }

  async reserveBudget(scopes: Array<BudgetScope & { limitUsd: number }>, usd: number): Promise<string | undefined> {
    const ensure = this.st('INSERT INTO budgets (scope, period) VALUES (?, ?) ON CONFLICT DO NOTHING');
    const read = this.st('SELECT spent_usd, reserved_usd FROM budgets WHERE scope = ? AND period = ?');
    const add = this.st('UPDATE budgets SET reserved_usd = reserved_usd + ? WHERE scope = ? AND period = ?');
    const save = this.st('INSERT INTO reservations (id, usd, scopes, created_at) VALUES (?, ?, ?, ?)');
    const tx = this.db.transaction((): string | undefined => {
      for (const s of scopes) {
        ensure.run(s.scope, s.period);
        const r = read.get(s.scope, s.period) as Row;
        if (!fitsBudget(Number(r.spent_usd), Number(r.reserved_usd), usd, s.limitUsd)) return undefined;
      }
      for (const s of scopes) add.run(usd, s.scope, s.period);
      const id = randomUUID();
      save.run(
        id,
        usd,
        JSON.stringify(scopes.map(({ scope, period }) => ({ scope, period }))),
        new Date().toISOString(),
      );
      return id;
    });
    return tx.immediate();
  }

  async settleBudget(reservationId: string, actualUsd: number): Promise<void> {
    const tx = this.db.transaction(() => {
      const r = this.st('DELETE FROM reservations WHERE id = ? RETURNING usd, scopes').get(reservationId) as
        | Row
        | undefined;
      if (!r) return; // already settled: settling twice must not double-count
      const upd = this.st(
        'UPDATE budgets SET reserved_usd = MAX(0, reserved_usd - ?), spent_usd = spent_usd + ? WHERE scope = ? AND period = ?',
      );
      for (const s of JSON.parse(String(r.scopes)) as BudgetScope[])
        upd.run(Number(r.usd), actualUsd, s.scope, s.period);
    });
    tx.immediate();
  }

  async budgetUsage(scope: BudgetScope): Promise<{ spentUsd: number; reservedUsd: number }> {
    const r = this.st('SELECT spent_usd, reserved_usd FROM budgets WHERE scope = ? AND period = ?').get(
      scope.scope,
      scope.period,
    ) as Row | undefined;
    return { spentUsd: r ? Number(r.spent_usd) : 0, reservedUsd: r ? Number(r.reserved_usd) : 0 };
  }

  async cacheGet(key: string): Promise<string | undefined> {
    const r = this.st('SELECT value FROM llm_cache WHERE key = ?').get(key) as Row | undefined;
    return r ? String(r.value) : undefined;
  }

  async cachePut(key: string, value: string): Promise<void> {
    this.st(
      'INSERT INTO llm_cache (key, value, created_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ).run(key, value, new Date().toISOString());
  }

  // ---- kv
  async kvGet(ns: string, key: string): Promise<string | undefined> {
    const r = this.st('SELECT value FROM kv WHERE ns = ? AND key = ?').get(ns, key) as Row | undefined;
    return r ? String(r.value) : undefined;
  }

  async kvSet(ns: string, key: string, value: string): Promise<void> {
    this.st(
      'INSERT INTO kv (ns, key, value) VALUES (?, ?, ?) ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value',
    ).run(ns, key, value);
  }

  async kvSetIfAbsent(ns: string, key: string, value: string): Promise<boolean> {
    return (
      this.st('INSERT INTO kv (ns, key, value) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(ns, key, value).changes ===
      1
    );
  }

  async kvList(ns: string): Promise<Array<{ key: string; value: string }>> {
    return this.st('SELECT key, value FROM kv WHERE ns = ? ORDER BY key').all(ns) as Array<{
      key: string;
      value: string;
    }>;
  }

  async kvDelete(ns: string, key: string): Promise<void> {
    this.st('DELETE FROM kv WHERE ns = ? AND key = ?').run(ns, key);
  }
}

/** The SQL of the embedded queue on SQLite. Claims run in BEGIN IMMEDIATE so two processes never lease one job. */
class SqliteJobTable implements JobTable {
  constructor(
    private readonly db: Database.Database,
    private readonly st: (sql: string) => Database.Statement,
  ) {}

  async enqueue(job: { id: string; key: string; name: string }, now: number): Promise<boolean> {
    const r = this.st(
      `INSERT INTO deliveries (id, name, key, payload, received_at, queued, seq, enqueued_at)
       VALUES (?, ?, ?, NULL, ?, 1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM deliveries), ?)
       ON CONFLICT (id) DO UPDATE SET queued = 1, seq = excluded.seq, enqueued_at = excluded.enqueued_at
       WHERE deliveries.queued = 0 AND deliveries.status = 'pending'`,
    ).run(job.id, job.name, job.key, new Date(now).toISOString(), now);
    return r.changes === 1;
  }

  async claim(owner: string, now: number, leaseMs: number): Promise<QueuedJob | undefined> {
    const pick = this.st(
      `SELECT id, key, name, attempts FROM deliveries d
       WHERE status = 'pending' AND queued = 1 AND run_at <= @now AND (locked_until IS NULL OR locked_until < @now)
         AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.key = d.key AND e.status = 'pending' AND e.queued = 1 AND e.seq < d.seq)
       ORDER BY seq LIMIT 1`,
    );
    const lease = this.st(
      'UPDATE deliveries SET locked_by = ?, locked_until = ?, attempts = attempts + 1 WHERE id = ?',
    );
    const tx = this.db.transaction((): QueuedJob | undefined => {
      const r = pick.get({ now }) as Row | undefined;
      if (!r) return undefined;
      lease.run(owner, now + leaseMs, r.id);
      return { id: String(r.id), key: String(r.key), name: String(r.name), attempts: Number(r.attempts) + 1 };
    });
    return tx.immediate();
  }

  async renew(id: string, owner: string, until: number): Promise<boolean> {
    return (
      this.st(`UPDATE deliveries SET locked_until = ? WHERE id = ? AND locked_by = ? AND status = 'pending'`).run(
        until,
        id,
        owner,
      ).changes === 1
    );
  }

  async retryAt(id: string, owner: string, runAt: number, error: string): Promise<boolean> {
    return (
      this.st(
        `UPDATE deliveries SET run_at = ?, error = ?, locked_by = NULL, locked_until = NULL WHERE id = ? AND locked_by = ? AND status = 'pending'`,
      ).run(runAt, error, id, owner).changes === 1
    );
  }

  async release(id: string, owner: string): Promise<void> {
    this.st(
      `UPDATE deliveries SET locked_by = NULL, locked_until = NULL, attempts = MAX(0, attempts - 1) WHERE id = ? AND locked_by = ? AND status = 'pending'`,
    ).run(id, owner);
  }

  async leases(): Promise<Array<{ id: string; owner: string }>> {
    return (
      this.st(`SELECT id, locked_by FROM deliveries WHERE status = 'pending' AND locked_by IS NOT NULL`).all() as Row[]
    ).map((r) => ({ id: String(r.id), owner: String(r.locked_by) }));
  }

  async queued(limit = 10_000): Promise<QueuedJob[]> {
    const rows = this.st(
      `SELECT id, key, name, attempts FROM deliveries WHERE status = 'pending' AND queued = 1 ORDER BY seq LIMIT ?`,
    ).all(limit) as Row[];
    return rows.map((r) => ({
      id: String(r.id),
      key: String(r.key),
      name: String(r.name),
      attempts: Number(r.attempts),
    }));
  }

  async counts(now: number): Promise<JobCounts> {
    const r = this.st(
      `SELECT
         SUM(CASE WHEN status = 'pending' AND queued = 1 AND (locked_until IS NULL OR locked_until < @now) THEN 1 ELSE 0 END) AS waiting,
         SUM(CASE WHEN status = 'pending' AND queued = 1 AND locked_until >= @now THEN 1 ELSE 0 END) AS active,
         SUM(CASE WHEN status = 'dead' THEN 1 ELSE 0 END) AS dead,
         MIN(CASE WHEN status = 'pending' AND queued = 1 AND (locked_until IS NULL OR locked_until < @now) THEN enqueued_at END) AS oldest
       FROM deliveries WHERE status IN ('pending', 'dead')`,
    ).get({ now }) as Row;
    const c: JobCounts = { waiting: Number(r.waiting ?? 0), active: Number(r.active ?? 0), dead: Number(r.dead ?? 0) };
    if (r.oldest !== null && r.oldest !== undefined) c.oldestEnqueuedAt = Number(r.oldest);
    return c;
  }
}
