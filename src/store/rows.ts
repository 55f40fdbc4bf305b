// Row <-> record mapping shared by both stores, so SQLite and PostgreSQL return identical shapes.
import type { DeliveryRecord, LedgerEntry, TransitionRecord } from './types.js';

type Row = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const optNum = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : num(v));
const optStr = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

export function toDelivery(r: Row): DeliveryRecord {
  const d: DeliveryRecord = {
    id: String(r.id),
    name: String(r.name),
    key: String(r.key),
    payload: r.payload === null || r.payload === undefined ? null : JSON.parse(String(r.payload)),
    receivedAt: String(r.received_at),
    status: r.status as DeliveryRecord['status'],
    attempts: num(r.attempts),
  };
  const error = optStr(r.error);
  if (error !== undefined) d.error = error;
  return d;
}

/** Optional transition fields live in one JSON column: they are read together and never filtered on. */
export function transitionParams(t: TransitionRecord): unknown[] {
  const extra: Partial<TransitionRecord> = {};
  if (t.owners) extra.owners = t.owners;
  if (t.risk) extra.risk = t.risk;
  if (t.pr !== undefined) extra.pr = t.pr;
  if (t.refs) extra.refs = t.refs;
  if (t.labels) extra.labels = t.labels;
  if (t.title !== undefined) extra.title = t.title;
  if (t.stages) extra.stages = t.stages;
  return [t.id, t.repo, t.issue, t.flow, t.from, t.to, t.kind, t.event, t.by, t.at, JSON.stringify(extra)];
}

export function toTransition(r: Row): TransitionRecord {
  const extra = r.extra ? (JSON.parse(String(r.extra)) as Partial<TransitionRecord>) : {};
  return {
    id: String(r.id),
    repo: String(r.repo),
    issue: num(r.issue),
    flow: String(r.flow),
    from: r.from_stage === null || r.from_stage === undefined ? null : String(r.from_stage),
    to: String(r.to_stage),
    kind: r.kind as TransitionRecord['kind'],
    event: String(r.event),
    by: String(r.by_login),
    at: String(r.at),
    ...extra,
  };
}

export function ledgerParams(e: LedgerEntry): unknown[] {
  return [
    e.id,
    e.at,
    e.task,
    e.repo,
    e.org,
    e.issue ?? null,
    e.pr ?? null,
    e.provider,
    e.model,
    e.tokensIn,
    e.tokensOut,
    e.costUsd,
    e.latencyMs,
    e.cacheHit ? 1 : 0,
    e.reason ?? null,
    e.ok ? 1 : 0,
  ];
}

export function toLedger(r: Row): LedgerEntry {
  const e: LedgerEntry = {
    id: String(r.id),
    at: String(r.at),
    task: String(r.task),
    repo: String(r.repo),
    org: String(r.org),
    provider: String(r.provider),
    model: String(r.model),
    tokensIn: num(r.tokens_in),
    tokensOut: num(r.tokens_out),
    costUsd: num(r.cost_usd),
    latencyMs: num(r.latency_ms),
    cacheHit: num(r.cache_hit) === 1,
    ok: num(r.ok) === 1,
  };
  const issue = optNum(r.issue);
  const pr = optNum(r.pr);
  const reason = optStr(r.reason);
  if (issue !== undefined) e.issue = issue;
  if (pr !== undefined) e.pr = pr;
  if (reason !== undefined) e.reason = reason;
  return e;
}

/** Floating-point slack for budget comparisons (sums of many small costs drift by ~1e-15). */
export const USD_EPSILON = 1e-9;

export function fitsBudget(spent: number, reserved: number, usd: number, limit: number): boolean {
  return spent + reserved + usd <= limit + USD_EPSILON;
}

/**
 * A WHERE clause with a condition only for each filter that is set. `(@x IS NULL OR col = @x)` reads nicely but
 * keeps SQLite and Postgres from using the (repo, at) and (at) indexes, which the 100k-transition report needs.
 */
export function whereOf(
  filters: Array<{ sql: (param: string) => string; value: unknown }>,
  param: (i: number) => string,
): { where: string; values: unknown[] } {
  const set = filters.filter((f) => f.value !== undefined && f.value !== null);
  return {
    where: set.length ? `WHERE ${set.map((f, i) => f.sql(param(i))).join(' AND ')}` : '',
    values: set.map((f) => f.value),
  };
}

export const transitionFilters = (q: { repo?: string; since?: string; until?: string }) => [
  { sql: (p: string) => `repo = ${p}`, value: q.repo },
  { sql: (p: string) => `at >= ${p}`, value: q.since },
  { sql: (p: string) => `at < ${p}`, value: q.until },
];
