import { openQueue } from '../../src/queue/index.js';
import { openIsolated, type Opened } from '../store/helpers.js';
import { REDIS_URL, deletePrefix } from './helpers.js';
import type { Store } from '../../src/store/types.js';

describe('openQueue', () => {
  let o: Opened;
  beforeEach(async () => {
    o = await openIsolated('sqlite');
  });
  afterEach(async () => {
    await o.cleanup();
  });

  it('uses the embedded queue without REDIS_URL and reports its stats', async () => {
    const q = openQueue({ store: o.store });
    expect(q.kind).toBe('embedded');
    await q.enqueue({ id: 'a', key: 'k', name: 'issues' });
    await q.enqueue({ id: 'b', key: 'k', name: 'issues' });
    const s = await q.stats();
    expect(s.waiting).toBe(2);
    expect(s.active).toBe(0);
    expect(s.oldestWaitingAgeMs).toBeGreaterThanOrEqual(0);
    expect(await q.ping()).toBe(true);
  });

  it('uses BullMQ when REDIS_URL is set', async () => {
    const prefix = `baton-open-${Date.now()}`;
    const q = openQueue({ store: o.store, redisUrl: REDIS_URL, prefix });
    try {
      expect(q.kind).toBe('bullmq');
      expect(await q.ping()).toBe(true);
    } finally {
      await q.stop(1000);
      await deletePrefix(prefix);
    }
  });

  it('explains how to fix a store without a job table', () => {
    const fake = { kind: 'sqlite' } as unknown as Store;
    expect(() => openQueue({ store: fake })).toThrow(/openStore\(\)/);
  });
});
