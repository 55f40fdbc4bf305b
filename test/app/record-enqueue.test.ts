// A delivery is recorded and its job queued before GitHub gets a 2xx. When queueing fails after the record was
// written, GitHub gets a 5xx and redelivers: the store knows the delivery already, but its job was never queued —
// the redelivery must queue it (the run moves on), not be dropped as a duplicate.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStack } from '../../src/app/stack.js';
import { SANDBOX_BOT } from '../../src/sandbox/local-baton.js';
import { auditIssue } from '../support/audit.js';
import { local } from '../support/local.js';

type Local = Awaited<ReturnType<typeof local>>;
let lb: Local | undefined;
afterEach(async () => {
  await lb?.cleanup();
  lb = undefined;
});

describe('record and enqueue', () => {
  it('a delivery recorded but not queued (answered 5xx) is queued by its redelivery and runs once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'baton-record-'));
    const stack = await openStack({ dataDir, databaseUrl: '', redisUrl: '' });
    const enqueue = stack.queue.enqueue.bind(stack.queue);
    let failures = 0;
    stack.queue.enqueue = async (job) => {
      if (failures-- > 0) throw new Error('SQLITE_IOERR: disk I/O error');
      return enqueue(job);
    };
    lb = await local({ dataDir, stack });
    const l = lb;
    const repo = l.seeded.repo;
    const issue = l.sandbox.createIssue({ title: 'Half recorded', by: 'alice', repo }).number;
    await l.settle();
    failures = 1;
    l.sandbox.labelIssue(issue, 'flow:feature', { by: 'alice', repo });
    await l.settle();
    const d = l.sandbox.deliveries().find((x) => x.event === 'issues' && x.action === 'labeled')!;
    expect(d.status).toBeGreaterThanOrEqual(500);
    expect(await l.stack.store.getDelivery(d.id)).toMatchObject({ status: 'pending' });
    expect(auditIssue(l.sandbox, repo, issue, SANDBOX_BOT).run).toBeUndefined();

    expect((await l.sandbox.redeliver(d.id)).status).toBe(200);
    await l.settle();
    const a = auditIssue(l.sandbox, repo, issue, SANDBOX_BOT);
    expect({ stage: a.run?.stage, cards: a.cards, status: (await l.stack.store.getDelivery(d.id))?.status }).toEqual({
      stage: 'spec',
      cards: 1,
      status: 'done',
    });
    // A redelivery of a finished delivery is a plain duplicate: nothing runs twice.
    expect((await l.sandbox.redeliver(d.id)).status).toBe(200);
    await l.settle();
    expect(auditIssue(l.sandbox, repo, issue, SANDBOX_BOT).cards).toBe(1);
  }, 30_000);
});
