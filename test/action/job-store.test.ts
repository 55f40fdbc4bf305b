// The store of one Actions job: once-claims that survive the job through GitHub, and a run's budget that counts what
// the card says the run already spent.
import { JobStore } from '../../src/action/job-store.js';

describe('JobStore', () => {
  it('a run budget counts the spend an earlier job left on the card', async () => {
    const store = new JobStore(undefined, undefined, (s) => (s.scope === 'run:acme/web#3' ? 0.9 : 0));
    const run = { scope: 'run:acme/web#3', period: 'all', limitUsd: 1 };
    expect(await store.reserveBudget([run], 0.2)).toBeUndefined();
    const id = await store.reserveBudget([run], 0.05);
    expect(id).toBeDefined();
    await store.settleBudget(id!, 0.04);
    const usage = await store.budgetUsage(run);
    expect(usage.spentUsd).toBeCloseTo(0.94, 9);
    expect(usage.reservedUsd).toBe(0);
    // Another run of the same repository starts from its own card.
    expect(await store.reserveBudget([{ scope: 'run:acme/web#4', period: 'all', limitUsd: 1 }], 0.5)).toBeDefined();
  });

  it('a once-claim made by an earlier job (seen on GitHub) is not made again', async () => {
    const asked: string[] = [];
    const store = new JobStore(undefined, async (ns, key) => {
      asked.push(`${ns}:${key}`);
      return key.endsWith('@old');
    });
    expect(await store.kvSetIfAbsent('flow-problem', 'acme/web@old', 'x')).toBe(false);
    expect(await store.kvSetIfAbsent('flow-problem', 'acme/web@new', 'x')).toBe(true);
    expect(await store.kvSetIfAbsent('flow-problem', 'acme/web@new', 'x')).toBe(false);
    expect(asked).toEqual(['flow-problem:acme/web@old', 'flow-problem:acme/web@new']);
  });

  it('links a PR through GitHub once, then remembers it', async () => {
    let calls = 0;
    const store = new JobStore(async (_repo, pr) => {
      calls++;
      return pr === 7 ? 3 : undefined;
    });
    expect(await store.issueForPr('acme/web', 7)).toBe(3);
    expect(await store.issueForPr('acme/web', 7)).toBe(3);
    expect(calls).toBe(1);
    expect(await store.issueForPr('acme/web', 8)).toBeUndefined();
  });
});
