// Spend reports from the ledger: totals by model, task or repo, and what one run has cost (the status card).
import type { LedgerEntry, Store } from '../store/types.js';

export type CostsBy = 'model' | 'task' | 'repo';

export interface CostRow {
  key: string;
  calls: number;
  cacheHits: number;
  failures: number;
  offline: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  /** Effective USD per 1k billed tokens (0 when nothing was billed). */
  usdPer1k: number;
}

export interface CostReport {
  by: CostsBy;
  rows: CostRow[];
  total: CostRow;
}

function keyOf(e: LedgerEntry, by: CostsBy): string {
  if (by === 'task') return e.task;
  if (by === 'repo') return e.repo;
  return `${e.provider}/${e.model}`;
}

function emptyRow(key: string): CostRow {
  return { key, calls: 0, cacheHits: 0, failures: 0, offline: 0, tokensIn: 0, tokensOut: 0, costUsd: 0, usdPer1k: 0 };
}

function add(row: CostRow, e: LedgerEntry): void {
  row.calls += 1;
  if (e.cacheHit) row.cacheHits += 1;
  if (!e.ok) row.failures += 1;
  if (e.provider === 'offline') row.offline += 1;
  row.tokensIn += e.tokensIn;
  row.tokensOut += e.tokensOut;
  row.costUsd += e.costUsd;
}

function finish(row: CostRow): CostRow {
  const tokens = row.tokensIn + row.tokensOut;
  row.usdPer1k = tokens > 0 ? (row.costUsd / tokens) * 1000 : 0;
  return row;
}

export function aggregateLedger(entries: LedgerEntry[], by: CostsBy): CostReport {
  const rows = new Map<string, CostRow>();
  const total = emptyRow('total');
  for (const e of entries) {
    const k = keyOf(e, by);
    let r = rows.get(k);
    if (!r) rows.set(k, (r = emptyRow(k)));
    add(r, e);
    add(total, e);
  }
  return {
    by,
    rows: [...rows.values()].map(finish).sort((a, b) => b.costUsd - a.costUsd || a.key.localeCompare(b.key)),
    total: finish(total),
  };
}

/** USD spent by the LLM for one run (issue), all tasks included. */
export async function runSpend(store: Store, repo: string, issue: number): Promise<number> {
  const rows = await store.ledger({ repo, issue });
  return rows.reduce((s, e) => s + e.costUsd, 0);
}

export function formatUsd(n: number): string {
  return n >= 0.01 || n === 0 ? `$${n.toFixed(2)}` : `$${n.toFixed(4)}`;
}

export function formatReport(r: CostReport): string {
  const head = [r.by, 'calls', 'hits', 'failed', 'offline', 'tokens in', 'tokens out', 'cost', '$/1k'];
  const line = (x: CostRow) =>
    [
      x.key,
      x.calls,
      x.cacheHits,
      x.failures,
      x.offline,
      x.tokensIn,
      x.tokensOut,
      formatUsd(x.costUsd),
      x.usdPer1k.toFixed(4),
    ].map(String);
  const table = [head, ...r.rows.map(line), line(r.total)];
  const widths = head.map((_, i) => Math.max(...table.map((t) => t[i]!.length)));
  return table
    .map((t) => t.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '))
    .join('\n');
}
