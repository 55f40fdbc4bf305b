// The ledger: every answer a request gets (a provider call, failed or not, a cache hit, an offline answer) is an
// entry with who asked and what it cost, recorded in the store and handed to the observer (metrics).
import { randomUUID } from 'node:crypto';
import type { LedgerEntry, Store } from '../store/types.js';
import type { LlmRequest } from './types.js';

/** An entry less what the request says (who, which task) and what the ledger adds (id, time). */
export type LedgerFields = Omit<LedgerEntry, 'id' | 'at' | 'task' | 'repo' | 'org' | 'issue' | 'pr'>;

export type Ledger = <T>(req: LlmRequest<T>, e: LedgerFields) => Promise<void>;

export function createLedger(store: Store, now: () => number, observe?: (entry: LedgerEntry) => void): Ledger {
  return async (req, e) => {
    const entry: LedgerEntry = {
      id: randomUUID(),
      at: new Date(now()).toISOString(),
      task: req.task,
      repo: req.repo,
      org: req.org,
      ...(req.issue !== undefined ? { issue: req.issue } : {}),
      ...(req.pr !== undefined ? { pr: req.pr } : {}),
      ...e,
    };
    await store.recordLedger(entry);
    try {
      observe?.(entry);
    } catch {
      // Metrics must never cost an answer.
    }
  };
}
