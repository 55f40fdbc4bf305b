// Retention: processed payloads and finished jobs are forgotten after their configured age, without turning an old
// delivery's redelivery into a "new" one, and without touching what still needs them (pending and dead jobs).
import { cutoffs, DEFAULT_RETENTION } from '../../src/store/retention.js';
import { loadConfig, type Env } from '../../src/config/env.js';

/** BATON_PAYLOAD_RETENTION_DAYS and BATON_JOB_RETENTION_DAYS as the typed config reads them. */
const retentionFromEnv = (env: Env) => loadConfig(env).store.retention;
import { openIsolated, type Opened } from './helpers.js';

const DAY = 86_400_000;
const now = new Date('2026-06-30T12:00:00Z');
const ago = (days: number) => new Date(now.getTime() - days * DAY).toISOString();

describe.each(['sqlite', 'postgres'] as const)('%s store pruning', (kind) => {
  let o: Opened;
  beforeEach(async () => {
    o = await openIsolated(kind);
  });
  afterEach(async () => {
    await o.cleanup();
  });

  it('drops payloads of done deliveries after payloadDays and finished rows after jobDays; keeps pending and dead', async () => {
    const s = o.store;
    const rec = (id: string, days: number) =>
      s.recordDelivery({ id, name: 'issues', key: 'o/r#1', payload: { big: 'x'.repeat(1000) }, receivedAt: ago(days) });
    await rec('fresh-done', 1);
    await rec('week-done', 10);
    await rec('old-done', 40);
    await rec('old-dead', 40);
    await rec('old-pending', 40);
    for (const id of ['fresh-done', 'week-done', 'old-done']) await s.finishDelivery(id, 'done');
    await s.finishDelivery('old-dead', 'dead', 'boom');
    await s.markEffect('effect-new', 'done');
    const r = await s.prune(cutoffs(now, DEFAULT_RETENTION));
    expect(r).toMatchObject({ payloads: 2, deliveries: 2 });
    expect((await s.getDelivery('fresh-done'))?.payload).toEqual({ big: 'x'.repeat(1000) });
    expect((await s.getDelivery('week-done'))?.payload).toBeNull();
    expect(await s.getDelivery('old-done')).toBeUndefined();
    expect(await s.getDelivery('old-dead')).toBeUndefined();
    // A pending job is never pruned, whatever its age.
    expect((await s.getDelivery('old-pending'))?.payload).toEqual({ big: 'x'.repeat(1000) });
    // The journal entry written just now survives (its updated_at is the real clock, after the cutoff).
    expect(await s.effectState('effect-new')).toBe('done');
    // A redelivery of a delivery whose payload was dropped is still a duplicate.
    expect(
      await s.recordDelivery({ id: 'week-done', name: 'issues', key: 'o/r#1', payload: {}, receivedAt: ago(0) }),
    ).toBe(false);
  });
});

describe('retention settings', () => {
  it('defaults to 1 day of payloads and 30 days of jobs; refuses job retention shorter than redelivery allows', () => {
    expect(retentionFromEnv({})).toEqual({ payloadDays: 1, jobDays: 30 });
    expect(retentionFromEnv({ BATON_PAYLOAD_RETENTION_DAYS: '0', BATON_JOB_RETENTION_DAYS: '5' })).toEqual({
      payloadDays: 0,
      jobDays: 5,
    });
    expect(() => retentionFromEnv({ BATON_JOB_RETENTION_DAYS: '1' })).toThrow(
      /BATON_JOB_RETENTION_DAYS="1": expected at least 3/,
    );
    expect(() => retentionFromEnv({ BATON_PAYLOAD_RETENTION_DAYS: 'week' })).toThrow(/BATON_PAYLOAD_RETENTION_DAYS/);
  });
});
