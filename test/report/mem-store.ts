// A minimal in-memory Store for the report tests (only what report code calls). Async like the real ones, so races
// between two callers interleave at every await.
import type { LedgerEntry, Store, TransitionRecord } from '../../src/store/types.js';

export function memStore(transitions: TransitionRecord[] = [], ledger: LedgerEntry[] = []) {
  const kv = new Map<string, string>();
  const tick = () => new Promise<void>((r) => setImmediate(r));
  const store = {
    kind: 'sqlite' as const,
    closed: false,
    kv,
    async transitions(q: { repo?: string; since?: string; until?: string }) {
      await tick();
      return transitions.filter(
        (t) => (!q.repo || t.repo === q.repo) && (!q.since || t.at >= q.since) && (!q.until || t.at < q.until),
      );
    },
    async ledger(q: { since?: string; repo?: string }) {
      await tick();
      return ledger.filter((e) => (!q.repo || e.repo === q.repo) && (!q.since || e.at >= q.since));
    },
    async kvGet(ns: string, key: string) {
      await tick();
      return kv.get(`${ns}\u0000${key}`);
    },
    async kvSet(ns: string, key: string, value: string) {
      await tick();
      kv.set(`${ns}\u0000${key}`, value);
    },
    async kvSetIfAbsent(ns: string, key: string, value: string) {
      await tick();
      const k = `${ns}\u0000${key}`;
      if (kv.has(k)) return false;
      kv.set(k, value);
      return true;
    },
    async kvList(ns: string) {
      await tick();
      const out: Array<{ key: string; value: string }> = [];
      for (const [k, value] of kv) if (k.startsWith(`${ns}\u0000`)) out.push({ key: k.slice(ns.length + 1), value });
      return out;
    },
    async close() {
      store.closed = true;
    },
  };
  return store as typeof store & Store;
}
