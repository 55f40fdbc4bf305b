// The store: everything Baton keeps locally. GitHub stays the source of truth for run state; the store holds
// what GitHub cannot (deliveries, jobs, the effect journal, transition events for KPIs, the LLM ledger, budgets,
// the LLM cache). Implementations: SQLite (embedded default) and PostgreSQL (DATABASE_URL).

export interface DeliveryRecord {
  id: string; // X-GitHub-Delivery
  name: string; // event name, e.g. 'issues'
  /** Ordering key: every job with the same key runs in order, one at a time ('owner/repo#12'). */
  key: string;
  payload: unknown;
  receivedAt: string;
  status: 'pending' | 'done' | 'dead';
  attempts: number;
  error?: string;
}

export interface TransitionRecord {
  /** Unique: `${repo}#${issue}:${history index}` so a replay records nothing twice. */
  id: string;
  repo: string;
  issue: number;
  flow: string;
  from: string | null;
  to: string;
  kind: 'start' | 'forward' | 'back' | 'manual' | 'done' | 'cancel';
  event: string;
  by: string;
  at: string; // ISO
  owners?: string[];
  /** Risk level of the linked PR when known (for "high-risk items flagged"). */
  risk?: 'low' | 'medium' | 'high';
  pr?: number;
  /** Issue/PR numbers the issue refers to when the run starts ("regression from #123"): defect escapes. */
  refs?: number[];
  /** Labels of the issue when the run started (a `bug` label marks a defect run). */
  labels?: string[];
  /** The issue's title as the event showed it (the dashboard's cards; the newest one recorded wins). */
  title?: string;
  /** The flow's stage ids in order, on a run's start: the board's columns follow the flow, not the traffic. */
  stages?: string[];
}

export interface LedgerEntry {
  id: string;
  at: string;
  task: string;
  repo: string;
  org: string;
  issue?: number;
  pr?: number;
  provider: string; // 'openai' | 'gemini' | 'offline'
  model: string;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  latencyMs: number;
  cacheHit: boolean;
  /** 'escalated: schema' | 'fallback: 429' | 'step-down: budget' … */
  reason?: string;
  ok: boolean;
}

export interface BudgetScope {
  /** 'org:acme' | 'repo:acme/web' | 'run:acme/web#12' */
  scope: string;
  /** 'YYYY-MM' for monthly scopes, 'all' for runs. */
  period: string;
}

export interface Store {
  /** 'memory': one Actions job's store (src/action/job-store.ts). */
  readonly kind: 'sqlite' | 'postgres' | 'memory';
  /** Create or migrate the schema (versioned migrations). Idempotent. */
  migrate(): Promise<void>;
  ping(): Promise<boolean>;
  close(): Promise<void>;

  // Deliveries (dedupe by X-GitHub-Delivery) — also the durable record the queue can be rebuilt from.
  /** Returns false when this delivery id was already recorded (a redelivery). */
  recordDelivery(d: Omit<DeliveryRecord, 'status' | 'attempts'>): Promise<boolean>;
  finishDelivery(id: string, status: 'done' | 'dead', error?: string): Promise<void>;
  bumpDeliveryAttempts(id: string, error?: string): Promise<number>;
  getDelivery(id: string): Promise<DeliveryRecord | undefined>;
  pendingDeliveries(limit?: number): Promise<DeliveryRecord[]>;
  deadDeliveries(limit?: number): Promise<DeliveryRecord[]>;
  /** Reset a dead delivery to pending (for `baton jobs retry`). */
  reviveDelivery(id: string): Promise<boolean>;

  // Effect journal: 'pending' written before a GitHub write, 'done' after; a retry verifies 'pending' ones on GitHub.
  effectState(key: string): Promise<'pending' | 'done' | undefined>;
  markEffect(key: string, state: 'pending' | 'done'): Promise<void>;

  // PR → issue links, so webhook ordering keys for PR events can be computed without a GitHub call.
  linkPr(repo: string, pr: number, issue: number): Promise<void>;
  issueForPr(repo: string, pr: number): Promise<number | undefined>;

  // Transition events (KPIs). Insert is idempotent by id.
  recordTransitions(t: TransitionRecord[]): Promise<void>;
  transitions(q: { repo?: string; since?: string; until?: string }): Promise<TransitionRecord[]>;

  // LLM ledger, budgets and cache.
  recordLedger(e: LedgerEntry): Promise<void>;
  ledger(q: { since?: string; repo?: string; issue?: number }): Promise<LedgerEntry[]>;
  /**
   * Atomically reserve `usd` against every scope if, for each, spent + reserved + usd <= limit.
   * Returns a reservation id, or undefined when a limit would be exceeded (nothing is reserved then).
   */
  reserveBudget(scopes: Array<BudgetScope & { limitUsd: number }>, usd: number): Promise<string | undefined>;
  /** Replace the reservation with the actual cost (which may be 0 on failure). */
  settleBudget(reservationId: string, actualUsd: number): Promise<void>;
  budgetUsage(scope: BudgetScope): Promise<{ spentUsd: number; reservedUsd: number }>;
  cacheGet(key: string): Promise<string | undefined>;
  cachePut(key: string, value: string): Promise<void>;

  // Small key/value state: last good flow per repo, problems already reported, digest weeks posted, card ids.
  kvGet(ns: string, key: string): Promise<string | undefined>;
  kvSet(ns: string, key: string, value: string): Promise<void>;
  /** Set only if absent; true when this call set it (used for "post once" decisions across replicas). */
  kvSetIfAbsent(ns: string, key: string, value: string): Promise<boolean>;
  /** Every entry of a namespace (small namespaces only: the timers' watch lists). */
  kvList(ns: string): Promise<Array<{ key: string; value: string }>>;
  kvDelete(ns: string, key: string): Promise<void>;
}

// ---- The job table (additive): the embedded queue's jobs ARE the deliveries rows, so recording a delivery and
// enqueueing it touch one table, `baton jobs` sees both, and the BullMQ queue can rebuild Redis from it.

export interface QueuedJob {
  id: string;
  key: string;
  name: string;
  /** Attempts started so far (the embedded queue counts an attempt when it claims the job). */
  attempts: number;
}

export interface JobCounts {
  /** Pending, enqueued, not leased (includes jobs waiting for a retry or for an earlier job of their key). */
  waiting: number;
  /** Pending and leased. */
  active: number;
  dead: number;
  /** Epoch ms of the oldest waiting job's enqueue, when any is waiting. */
  oldestEnqueuedAt?: number;
}

/** Queue-side access to the deliveries table. Times are epoch milliseconds from the caller's clock. */
export interface JobTable {
  /** Mark the delivery enqueued (inserting a bare row when it was never recorded). False when already enqueued. */
  enqueue(job: { id: string; key: string; name: string }, now: number): Promise<boolean>;
  /**
   * Lease the oldest runnable job that is the earliest pending job of its key (strict per-key order), counting an
   * attempt. Runnable: run_at <= now and not leased (or its lease expired: a crashed consumer).
   */
  claim(owner: string, now: number, leaseMs: number): Promise<QueuedJob | undefined>;
  /** Extend a lease this owner still holds; false when it was lost (expired and taken over). */
  renew(id: string, owner: string, until: number): Promise<boolean>;
  /** A failed attempt: keep the error, release the lease, run again at `runAt`. False when the lease was lost. */
  retryAt(id: string, owner: string, runAt: number, error: string): Promise<boolean>;
  /** Give a claimed job back untouched (shutdown): the attempt is not counted. */
  release(id: string, owner: string): Promise<void>;
  /** Jobs leased right now and by whom (a restarted process takes back the ones its previous run left). */
  leases(): Promise<Array<{ id: string; owner: string }>>;
  /** Pending enqueued jobs in enqueue order (BullMQ recovery). */
  queued(limit?: number): Promise<QueuedJob[]>;
  counts(now: number): Promise<JobCounts>;
}

/** What to forget, by age (ISO timestamps: rows older than these go). */
export interface RetentionCutoffs {
  /** Payloads of finished (done) deliveries received before this are dropped; the row stays for dedupe. */
  payloadsBefore: string;
  /** Finished (done or dead) delivery rows and effect-journal entries older than this are deleted. */
  rowsBefore: string;
}

export interface PruneResult {
  payloads: number;
  deliveries: number;
  effects: number;
}

/** A store that can also host the embedded queue (both built-in stores can). */
export interface StoreWithJobs extends Store {
  readonly jobs: JobTable;
  /** Forget old payloads, finished jobs and journal entries (src/store/retention.ts says when and why). */
  prune(cutoffs: RetentionCutoffs): Promise<PruneResult>;
}
