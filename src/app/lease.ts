// One replica at a time for a periodic chore (delivery recovery, the reconcile sweep), with nothing but the store's
// insert-if-absent: time is cut in slots of `ttlMs`; a replica runs when it inserts the current slot's key and the
// previous slot's key is gone (its holder finished, or crashed at most one slot ago). The holder deletes its key
// when done, so a restart right after a pass can run again. Work done under a lease is idempotent anyway (deliveries
// are deduplicated by id), so a rare overlap costs requests, never a duplicate effect.
import { randomUUID } from 'node:crypto';
import type { Store } from '../store/types.js';

export interface Lease {
  release(): Promise<void>;
}

export async function tryLease(
  store: Store,
  name: string,
  ttlMs: number,
  now = Date.now(),
  owner = randomUUID(),
): Promise<Lease | undefined> {
  const slot = Math.floor(now / ttlMs);
  if (await store.kvGet('lease', `${name}:${slot - 1}`)) return undefined;
  const key = `${name}:${slot}`;
  if (!(await store.kvSetIfAbsent('lease', key, owner))) return undefined;
  return {
    async release() {
      if ((await store.kvGet('lease', key)) === owner) await store.kvDelete('lease', key);
    },
  };
}
