// Versioned schema migrations, one ordered list for both databases. Each entry is applied once, inside the same
// transaction that records it in `schema_migrations`, so a crash mid-migration leaves the previous version intact.
// Append new versions at the end; never edit an applied one (replicas compare version numbers only).

export type Dialect = 'sqlite' | 'postgres';

export interface Migration {
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
}

// Times the queue compares (run_at, locked_until, enqueued_at) are epoch ms integers; times people read
// (received_at, transitions.at, ledger.at) are ISO strings, which sort correctly as text.
const v1Tables = (t: { real: string; big: string }) => `
CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  key TEXT NOT NULL,
  payload TEXT,
  received_at TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  queued INTEGER NOT NULL DEFAULT 0,
  seq ${t.big},
  enqueued_at ${t.big},
  run_at ${t.big} NOT NULL DEFAULT 0,
  locked_by TEXT,
  locked_until ${t.big}
);
CREATE INDEX deliveries_queue ON deliveries (key, seq) WHERE status = 'pending' AND queued = 1;
CREATE INDEX deliveries_status ON deliveries (status, seq);
CREATE TABLE effects (key TEXT PRIMARY KEY, state TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE pr_links (repo TEXT NOT NULL, pr INTEGER NOT NULL, issue INTEGER NOT NULL, PRIMARY KEY (repo, pr));
CREATE TABLE transitions (
  id TEXT PRIMARY KEY,
  repo TEXT NOT NULL,
  issue INTEGER NOT NULL,
  flow TEXT NOT NULL,
  from_stage TEXT,
  to_stage TEXT NOT NULL,
  kind TEXT NOT NULL,
  event TEXT NOT NULL,
  by_login TEXT NOT NULL,
  at TEXT NOT NULL,
  extra TEXT
);
CREATE INDEX transitions_at ON transitions (at);
CREATE INDEX transitions_repo_at ON transitions (repo, at);
CREATE TABLE ledger (
  id TEXT PRIMARY KEY,
  at TEXT NOT NULL,
  task TEXT NOT NULL,
  repo TEXT NOT NULL,
  org TEXT NOT NULL,
  issue INTEGER,
  pr INTEGER,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  tokens_in INTEGER NOT NULL,
  tokens_out INTEGER NOT NULL,
  cost_usd ${t.real} NOT NULL,
  latency_ms ${t.real} NOT NULL,
  cache_hit INTEGER NOT NULL,
  reason TEXT,
  ok INTEGER NOT NULL
);
CREATE INDEX ledger_at ON ledger (at);
CREATE INDEX ledger_repo_at ON ledger (repo, at);
CREATE INDEX ledger_repo_issue ON ledger (repo, issue);
CREATE TABLE budgets (
  scope TEXT NOT NULL,
  period TEXT NOT NULL,
  spent_usd ${t.real} NOT NULL DEFAULT 0,
  reserved_usd ${t.real} NOT NULL DEFAULT 0,
  PRIMARY KEY (scope, period)
);
CREATE TABLE reservations (id TEXT PRIMARY KEY, usd ${t.real} NOT NULL, scopes TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE llm_cache (key TEXT PRIMARY KEY, value TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE kv (ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (ns, key));
`;

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sqlite: v1Tables({ real: 'REAL', big: 'INTEGER' }),
    postgres: `CREATE SEQUENCE baton_job_seq;\n${v1Tables({ real: 'DOUBLE PRECISION', big: 'BIGINT' })}`,
  },
  {
    // SQLite assigns the next job's seq as MAX(seq) + 1: without this index that was a full scan per enqueue.
    version: 2,
    name: 'index deliveries.seq',
    sqlite: 'CREATE INDEX deliveries_seq ON deliveries (seq);',
    postgres: 'CREATE INDEX deliveries_seq ON deliveries (seq);',
  },
  {
    // Transitions recorded in the same second (GitHub's times are whole seconds; a demo step moves a run twice in
    // one) are read back in the order Baton recorded them, not by id. SQLite numbers rows already (rowid, which
    // ON CONFLICT DO NOTHING leaves alone, and transitions are never deleted); PostgreSQL needs a column for it.
    version: 3,
    name: 'transitions in recording order',
    sqlite: '-- rowid: nothing to add',
    postgres: 'ALTER TABLE transitions ADD COLUMN seq BIGSERIAL;',
  },
];

export const CREATE_MIGRATIONS_TABLE =
  'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)';

/** Migrations not yet applied, in order. */
export function pendingMigrations(applied: Iterable<number>, all: Migration[] = MIGRATIONS): Migration[] {
  const done = new Set(applied);
  return [...all].sort((a, b) => a.version - b.version).filter((m) => !done.has(m.version));
}
