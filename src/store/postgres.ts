// The PostgreSQL store (DATABASE_URL), for deployments with several replicas. Same behaviour as the SQLite store;
// concurrency is handled by the database: budget reservations lock their budget rows (SELECT … FOR UPDATE, in a
// fixed order so two reservations never deadlock), job claims use FOR UPDATE SKIP LOCKED, and migrations run under
// a transaction-scoped advisory lock so replicas starting together apply each version exactly once.
import pg from 'pg';
import { redactPayloadText } from './at-rest.js';
import { randomUUID } from 'node:crypto';
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
type Q = (sql: string, params?: unknown[]) => Promise<pg.QueryResult<Row>>;

export interface PostgresStoreOptions {
  databaseUrl: string;
  /** Schema to use (search_path); created on migrate. Lets tests and tenants isolate themselves. */
  schema?: string;
  poolSize?: number;
  migrations?: Migration[];
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class PostgresStore implements StoreWithJobs {
  readonly kind = 'postgres' as const;
  readonly jobs: JobTable;
  readonly schema: string | undefined;
  private readonly pool: pg.Pool;
  private readonly migrations: Migration[];

  constructor(opts: PostgresStoreOptions) {
    if (opts.schema !== undefined && !IDENT.test(opts.schema)) {
      throw new Error(`Invalid Postgres schema name "${opts.schema}": use letters, digits and underscores only.`);
    }
    this.schema = opts.schema;
    this.pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: opts.poolSize ?? 10,
      ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
    });
    // An idle client losing its connection (database restart) must not crash the process; the pool replaces it.
    this.pool.on('error', () => {});
    this.migrations = opts.migrations ?? MIGRATIONS;
    this.jobs = new PostgresJobTable(this.q);
  }

  private q: Q = (sql, params) => this.pool.query<Row>(sql, params as unknown[]);

  /** Run `fn` in one transaction on one client; rolls back on any error. */
  private async tx<T>(fn: (q: Q) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const out = await fn((sql, params) => client.query<Row>(sql, params as unknown[]));
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async migrate(): Promise<void> {
    await this.tx(async (q) => {
      await q(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`baton:migrate:${this.schema ?? 'default'}`]);
      if (this.schema) {
        await q(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
        await q(`SET LOCAL search_path TO ${this.schema}`);
      }
      await q(CREATE_MIGRATIONS_TABLE);
      const applied = (await q('SELECT version FROM schema_migrations')).rows.map((r) => Number(r.version));
      for (const m of pendingMigrations(applied, this.migrations)) {
        await q(m.postgres);
        await q('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          new Date().toISOString(),
        ]);
      }
    });
  }

  /** Readiness: a write commits (a read-only replica, a full volume or a revoked grant fails here, with its reason). */
  async ping(): Promise<boolean> {
    await this.q(
      `INSERT INTO kv (ns, key, value) VALUES ('health', 'ping', $1) ON CONFLICT (ns, key) DO UPDATE SET value = EXCLUDED.value`,
      [new Date().toISOString()],
    );
    return true;
  }

  async prune(c: RetentionCutoffs): Promise<PruneResult> {
    // 'null' (JSON), not SQL NULL: NULL marks a bare row queued before its webhook was recorded (see recordDelivery).
    const payloads = await this.q(
      `UPDATE deliveries SET payload = 'null' WHERE status = 'done' AND received_at < $1 AND payload IS NOT NULL AND payload <> 'null'`,
      [c.payloadsBefore],
    );
    const deliveries = await this.q(`DELETE FROM deliveries WHERE status IN ('done', 'dead') AND received_at < $1`, [
      c.rowsBefore,
    ]);
    const effects = await this.q('DELETE FROM effects WHERE updated_at < $1', [c.rowsBefore]);
    return { payloads: payloads.rowCount ?? 0, deliveries: deliveries.rowCount ?? 0, effects: effects.rowCount ?? 0 };
  }

  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }

  /** Drop this store's schema and everything in it (tests, `baton` tenant removal). */
  async dropSchema(): Promise<void> {
    if (this.schema) await this.q(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`);
  }

  // ---- deliveries
  async recordDelivery(d: Omit<DeliveryRecord, 'status' | 'attempts'>): Promise<boolean> {
    const r = await this.q(
      `INSERT INTO deliveries (id, name, key, payload, received_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET payload = EXCLUDED.payload, received_at = EXCLUDED.received_at
       WHERE deliveries.payload IS NULL`,
      [d.id, d.name, d.key, JSON.stringify(d.payload ?? null), d.receivedAt],
    );
    return r.rowCount === 1;
  }

  async finishDelivery(id: string, status: 'done' | 'dead', error?: string): Promise<void> {
    await this.q(
      `UPDATE deliveries SET status = $1, error = CASE WHEN $1 = 'done' THEN NULL ELSE COALESCE($2, error) END,
         locked_by = NULL, locked_until = NULL WHERE id = $3`,
      [status, error ?? null, id],
    );
    // The raw payload was needed while the job could run; from now on only its redacted form is kept.
    const r = await this.q('SELECT payload FROM deliveries WHERE id = $1', [id]);
    const redacted = redactPayloadText((r.rows[0]?.payload as string | null | undefined) ?? null);
    if (redacted !== undefined) await this.q('UPDATE deliveries SET payload = $1 WHERE id = $2', [redacted, id]);
  }

  async bumpDeliveryAttempts(id: string, error?: string): Promise<number> {
    const r = await this.q(
      'UPDATE deliveries SET attempts = attempts + 1, error = COALESCE($1, error) WHERE id = $2 RETURNING attempts',
      [error ?? null, id],
    );
    return r.rows[0] ? Number(r.rows[0].attempts) : 0;
  }

  async getDelivery(id: string): Promise<DeliveryRecord | undefined> {
    const r = await this.q('SELECT * FROM deliveries WHERE id = $1', [id]);
    return r.rows[0] ? toDelivery(r.rows[0]) : undefined;
  }

  async pendingDeliveries(limit = 1000): Promise<DeliveryRecord[]> {
    const r = await this.q(
      `SELECT * FROM deliveries WHERE status = 'pending' ORDER BY COALESCE(seq, 0), received_at LIMIT $1`,
      [limit],
    );
    return r.rows.map(toDelivery);
  }

  async deadDeliveries(limit = 1000): Promise<DeliveryRecord[]> {
    const r = await this.q(`SELECT * FROM deliveries WHERE status = 'dead' ORDER BY seq LIMIT $1`, [limit]);
    return r.rows.map(toDelivery);
  }

  async reviveDelivery(id: string): Promise<boolean> {
    const r = await this.q(
      `UPDATE deliveries SET status = 'pending', attempts = 0, error = NULL, run_at = 0, locked_by = NULL, locked_until = NULL,
         seq = CASE WHEN queued = 1 THEN nextval('baton_job_seq') ELSE seq END
       WHERE id = $1 AND status = 'dead'`,
      [id],
    );
    return r.rowCount === 1;
  }

  // ---- effects, links
  async effectState(key: string): Promise<'pending' | 'done' | undefined> {
    const r = await this.q('SELECT state FROM effects WHERE key = $1', [key]);
    return r.rows[0] ? (r.rows[0].state as 'pending' | 'done') : undefined;
  }

  async markEffect(key: string, state: 'pending' | 'done'): Promise<void> {
    await this.q(
      `INSERT INTO effects (key, state, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET state = EXCLUDED.state, updated_at = EXCLUDED.updated_at`,
      [key, state, new Date().toISOString()],
    );
  }

  async linkPr(repo: string, pr: number, issue: number): Promise<void> {
    await this.q(
      'INSERT INTO pr_links (repo, pr, issue) VALUES ($1, $2, $3) ON CONFLICT (repo, pr) DO UPDATE SET issue = EXCLUDED.issue',
      [repo, pr, issue],
    );
  }

  async issueForPr(repo: string, pr: number): Promise<number | undefined> {
    const r = await this.q('SELECT issue FROM pr_links WHERE repo = $1 AND pr = $2', [repo, pr]);
    return r.rows[0] ? Number(r.rows[0].issue) : undefined;
  }

  // ---- transitions
  async recordTransitions(ts: TransitionRecord[]): Promise<void> {
    if (ts.length === 0) return;
    await this.tx(async (q) => {
      for (const t of ts) {
        await q(
          `INSERT INTO transitions (id, repo, issue, flow, from_stage, to_stage, kind, event, by_login, at, extra)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING`,
          transitionParams(t),
        );
      }
    });
  }

  async transitions(q: { repo?: string; since?: string; until?: string }): Promise<TransitionRecord[]> {
    const { where, values } = whereOf(transitionFilters(q), (i) => `$${i + 1}`);
    const r = await this.q(`SELECT * FROM transitions ${where} ORDER BY at, seq`, values);
    return r.rows.map(toTransition);
  }

  // ---- ledger, budgets, cache
  async recordLedger(e: LedgerEntry): Promise<void> {
    await this.q(
      `INSERT INTO ledger (id, at, task, repo, org, issue, pr, provider, model, tokens_in, tokens_out, cost_usd, latency_ms, cache_hit, reason, ok)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) ON CONFLICT (id) DO NOTHING`,
      ledgerParams(e),
    );
  }

  async ledger(q: { since?: string; repo?: string; issue?: number }): Promise<LedgerEntry[]> {
    const r = await this.q(
      `SELECT * FROM ledger WHERE ($1::text IS NULL OR at >= $1) AND ($2::text IS NULL OR repo = $2)
       AND ($3::int IS NULL OR issue = $3) ORDER BY at, id`,
      [q.since ?? null, q.repo ?? null, q.issue ?? null],
    );
    return r.rows.map(toLedger);
  }

  async reserveBudget(scopes: Array<BudgetScope & { limitUsd: number }>, usd: number): Promise<string | undefined> {
    // Lock rows in one fixed order: two reservations over overlapping scopes then queue instead of deadlocking.
    const sorted = [...scopes].sort((a, b) => (a.scope + '\0' + a.period < b.scope + '\0' + b.period ? -1 : 1));
    return this.tx(async (q) => {
      for (const s of sorted) {
        await q('INSERT INTO budgets (scope, period) VALUES ($1, $2) ON CONFLICT DO NOTHING', [s.scope, s.period]);
      }
      for (const s of sorted) {
        const r = await q('SELECT spent_usd, reserved_usd FROM budgets WHERE scope = $1 AND period = $2 FOR UPDATE', [
          s.scope,
          s.period,
        ]);
        const row = r.rows[0]!;
        if (!fitsBudget(Number(row.spent_usd), Number(row.reserved_usd), usd, s.limitUsd)) return undefined;
      }
      for (const s of sorted) {
        await q('UPDATE budgets SET reserved_usd = reserved_usd + $1 WHERE scope = $2 AND period = $3', [
          usd,
          s.scope,
          s.period,
        ]);
      }
      const id = randomUUID();
      await q('INSERT INTO reservations (id, usd, scopes, created_at) VALUES ($1, $2, $3, $4)', [
        id,
        usd,
        JSON.stringify(sorted.map(({ scope, period }) => ({ scope, period }))),
        new Date().toISOString(),
      ]);
      return id;
    });
  }

  async settleBudget(reservationId: string, actualUsd: number): Promise<void> {
    await this.tx(async (q) => {
      const r = await q('DELETE FROM reservations WHERE id = $1 RETURNING usd, scopes', [reservationId]);
      const row = r.rows[0];
      if (!row) return; // already settled: settling twice must not double-count
      for (const s of JSON.parse(String(row.scopes)) as BudgetScope[]) {
        await q(
          'UPDATE budgets SET reserved_usd = GREATEST(0, reserved_usd - $1), spent_usd = spent_usd + $2 WHERE scope = $3 AND period = $4',
          [Number(row.usd), actualUsd, s.scope, s.period],
        );
      }
    });
  }

  async budgetUsage(scope: BudgetScope): Promise<{ spentUsd: number; reservedUsd: number }> {
    const r = await this.q('SELECT spent_usd, reserved_usd FROM budgets WHERE scope = $1 AND period = $2', [
      scope.scope,
      scope.period,
    ]);
    const row = r.rows[0];
    return { spentUsd: row ? Number(row.spent_usd) : 0, reservedUsd: row ? Number(row.reserved_usd) : 0 };
  }

  async cacheGet(key: string): Promise<string | undefined> {
    const r = await this.q('SELECT value FROM llm_cache WHERE key = $1', [key]);
    return r.rows[0] ? String(r.rows[0].value) : undefined;
  }

  async cachePut(key: string, value: string): Promise<void> {
    await this.q(
      'INSERT INTO llm_cache (key, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value',
      [key, value, new Date().toISOString()],
    );
  }

  // ---- kv
  async kvGet(ns: string, key: string): Promise<string | undefined> {
    const r = await this.q('SELECT value FROM kv WHERE ns = $1 AND key = $2', [ns, key]);
    return r.rows[0] ? String(r.rows[0].value) : undefined;
  }

  async kvSet(ns: string, key: string, value: string): Promise<void> {
    await this.q(
      'INSERT INTO kv (ns, key, value) VALUES ($1, $2, $3) ON CONFLICT (ns, key) DO UPDATE SET value = EXCLUDED.value',
      [ns, key, value],
    );
  }

  async kvSetIfAbsent(ns: string, key: string, value: string): Promise<boolean> {
    return (
      (await this.q('INSERT INTO kv (ns, key, value) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [ns, key, value]))
        .rowCount === 1
    );
  }

  async kvList(ns: string): Promise<Array<{ key: string; value: string }>> {
    return (await this.q('SELECT key, value FROM kv WHERE ns = $1 ORDER BY key', [ns])).rows as Array<{
      key: string;
      value: string;
    }>;
  }

  async kvDelete(ns: string, key: string): Promise<void> {
    await this.q('DELETE FROM kv WHERE ns = $1 AND key = $2', [ns, key]);
  }
}

/** The SQL of the embedded queue on Postgres: one-statement claims with FOR UPDATE SKIP LOCKED. */
class PostgresJobTable implements JobTable {
  constructor(private readonly q: Q) {}

  async enqueue(job: { id: string; key: string; name: string }, now: number): Promise<boolean> {
    const r = await this.q(
      `INSERT INTO deliveries (id, name, key, payload, received_at, queued, seq, enqueued_at)
       VALUES ($1, $2, $3, NULL, $4, 1, nextval('baton_job_seq'), $5)
       ON CONFLICT (id) DO UPDATE SET queued = 1, seq = EXCLUDED.seq, enqueued_at = EXCLUDED.enqueued_at
       WHERE deliveries.queued = 0 AND deliveries.status = 'pending'`,
      [job.id, job.name, job.key, new Date(now).toISOString(), now],
    );
    return r.rowCount === 1;
  }

  async claim(owner: string, now: number, leaseMs: number): Promise<QueuedJob | undefined> {
    // The head-of-key rule gives strict order; SKIP LOCKED lets replicas claim different keys without waiting,
    // and the re-check under the row lock stops two replicas leasing the same head.
    // The head list comes from this statement's snapshot (READ COMMITTED), and a row lock re-checks only the
    // conditions of its own level against the row's newest version: a job another replica claimed, ran and
    // finished after our snapshot still passes the lease test there. The UPDATE's own `status = 'pending'` is
    // re-checked against that newest version, so such a job is not run twice
    // (https://www.postgresql.org/docs/current/transaction-iso.html#XACT-READ-COMMITTED). It names `status`
    // alone on purpose: with `queued = 1` too, the planner may pick the partial queue index and rescan it per row.
    const r = await this.q(
      `UPDATE deliveries SET locked_by = $1, locked_until = $2, attempts = attempts + 1
       WHERE status = 'pending' AND id = (
         SELECT id FROM deliveries d
         WHERE id IN (SELECT DISTINCT ON (key) id FROM deliveries WHERE status = 'pending' AND queued = 1 ORDER BY key, seq)
           AND run_at <= $3 AND (locked_until IS NULL OR locked_until < $3)
         ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED
       )
       RETURNING id, key, name, attempts`,
      [owner, now + leaseMs, now],
    );
    const row = r.rows[0];
    return row
      ? { id: String(row.id), key: String(row.key), name: String(row.name), attempts: Number(row.attempts) }
      : undefined;
  }

  async renew(id: string, owner: string, until: number): Promise<boolean> {
    const r = await this.q(
      `UPDATE deliveries SET locked_until = $1 WHERE id = $2 AND locked_by = $3 AND status = 'pending'`,
      [until, id, owner],
    );
    return r.rowCount === 1;
  }

  async retryAt(id: string, owner: string, runAt: number, error: string): Promise<boolean> {
    const r = await this.q(
      `UPDATE deliveries SET run_at = $1, error = $2, locked_by = NULL, locked_until = NULL WHERE id = $3 AND locked_by = $4 AND status = 'pending'`,
      [runAt, error, id, owner],
    );
    return r.rowCount === 1;
  }

  async release(id: string, owner: string): Promise<void> {
    await this.q(
      `UPDATE deliveries SET locked_by = NULL, locked_until = NULL, attempts = GREATEST(0, attempts - 1) WHERE id = $1 AND locked_by = $2 AND status = 'pending'`,
      [id, owner],
    );
  }

  async leases(): Promise<Array<{ id: string; owner: string }>> {
    const r = await this.q(`SELECT id, locked_by FROM deliveries WHERE status = 'pending' AND locked_by IS NOT NULL`);
    return r.rows.map((x) => ({ id: String(x.id), owner: String(x.locked_by) }));
  }

  async queued(limit = 10_000): Promise<QueuedJob[]> {
    const r = await this.q(
      `SELECT id, key, name, attempts FROM deliveries WHERE status = 'pending' AND queued = 1 ORDER BY seq LIMIT $1`,
      [limit],
    );
    return r.rows.map((row) => ({
      id: String(row.id),
      key: String(row.key),
      name: String(row.name),
      attempts: Number(row.attempts),
    }));
  }

  async counts(now: number): Promise<JobCounts> {
    const r = await this.q(
      `SELECT
         COUNT(*) FILTER (WHERE status = 'pending' AND queued = 1 AND (locked_until IS NULL OR locked_until < $1)) AS waiting,
         COUNT(*) FILTER (WHERE status = 'pending' AND queued = 1 AND locked_until >= $1) AS active,
         COUNT(*) FILTER (WHERE status = 'dead') AS dead,
         MIN(enqueued_at) FILTER (WHERE status = 'pending' AND queued = 1 AND (locked_until IS NULL OR locked_until < $1)) AS oldest
       FROM deliveries WHERE status IN ('pending', 'dead')`,
      [now],
    );
    const row = r.rows[0]!;
    const c: JobCounts = { waiting: Number(row.waiting), active: Number(row.active), dead: Number(row.dead) };
    if (row.oldest !== null && row.oldest !== undefined) c.oldestEnqueuedAt = Number(row.oldest);
    return c;
  }
}
