// `baton jobs`: what is waiting and what is dead-lettered, and `baton jobs retry <id>` to revive a dead job.
// Reads the store (DATABASE_URL or BATON_DATA_DIR); with REDIS_URL set a revived job is also pushed to Redis.
import { parseArgs } from 'node:util';
import type { DeliveryRecord, StoreWithJobs } from '../store/types.js';

import type { CliIo } from './io.js';
import { errorMessage } from '../ops/errors.js';
import type { Env } from '../config/env.js';
import { commandConfig } from './config.js';
export type JobsIo = CliIo;

export interface JobsDeps {
  env?: Env;
  now?: () => number;
  openStore?: (o: { dataDir?: string; databaseUrl?: string }) => Promise<StoreWithJobs>;
  /** Re-push SQL-pending jobs to Redis (BullMQ deployments). */
  requeue?: (store: StoreWithJobs, redisUrl: string) => Promise<void>;
}

const USAGE = `usage: baton jobs [--json] [--limit N] [--data-dir DIR] [--database-url URL]
       baton jobs retry <id> [--json] [--data-dir DIR] [--database-url URL]`;

export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

export function jobsTable(rows: DeliveryRecord[], now: number): string {
  const head = ['ID', 'KEY', 'EVENT', 'STATUS', 'ATTEMPTS', 'AGE', 'ERROR'];
  const cells = rows.map((d) => [
    d.id,
    d.key,
    d.name,
    d.status,
    String(d.attempts),
    formatAge(now - Date.parse(d.receivedAt)),
    (d.error ?? '').replace(/\s+/g, ' ').slice(0, 80),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...cells.map(line)].join('\n');
}

async function defaultOpenStore(o: { dataDir?: string; databaseUrl?: string }): Promise<StoreWithJobs> {
  const { openStore } = await import('../store/index.js');
  return openStore(o);
}

async function defaultRequeue(store: StoreWithJobs, redisUrl: string): Promise<void> {
  const { openQueue } = await import('../queue/index.js');
  const q = openQueue({ store, redisUrl });
  if (q.kind !== 'bullmq') return;
  try {
    await q.recover();
  } finally {
    await q.stop(1000);
  }
}

export async function runJobs(argv: string[], io: JobsIo, deps: JobsDeps = {}): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        limit: { type: 'string' },
        'data-dir': { type: 'string' },
        'database-url': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    io.err(`${errorMessage(err)}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const config = commandConfig('jobs', deps.env);
  if ('error' in config) {
    io.err(config.error);
    return 2;
  }
  const now = (deps.now ?? Date.now)();
  const limit = values.limit === undefined ? 100 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    io.err(`--limit must be a positive integer, got "${values.limit}"`);
    return 2;
  }
  const [sub, id, ...extra] = positionals;
  if (sub !== undefined && sub !== 'retry') {
    io.err(`unknown subcommand "${sub}"\n${USAGE}`);
    return 2;
  }
  if (sub === 'retry' && (!id || extra.length)) {
    io.err(`baton jobs retry takes exactly one job id\n${USAGE}`);
    return 2;
  }

  const storeOpts: { dataDir?: string; databaseUrl?: string } = {};
  const databaseUrl = values['database-url'] ?? config.store.databaseUrl;
  const dataDir = values['data-dir'] ?? config.store.dataDir;
  if (databaseUrl) storeOpts.databaseUrl = databaseUrl;
  if (dataDir) storeOpts.dataDir = dataDir;
  let store: StoreWithJobs;
  try {
    store = await (deps.openStore ?? defaultOpenStore)(storeOpts);
  } catch (err) {
    io.err(errorMessage(err));
    return 1;
  }
  try {
    if (sub === 'retry') {
      const revived = await store.reviveDelivery(id!);
      if (!revived) {
        const d = await store.getDelivery(id!);
        io.err(
          d
            ? `Job ${id} is ${d.status}, not dead: only dead jobs can be retried.`
            : `No job ${id}: run \`baton jobs\` to list dead jobs.`,
        );
        return 1;
      }
      const redisUrl = config.queue.redisUrl;
      if (redisUrl) await (deps.requeue ?? defaultRequeue)(store, redisUrl);
      if (values.json) io.out(JSON.stringify({ retried: id, requeued: redisUrl ? 'redis' : 'embedded' }));
      else
        io.out(
          `Job ${id} is pending again${redisUrl ? ' and was pushed to Redis' : ''}; a running worker will pick it up.`,
        );
      return 0;
    }
    const pending = await store.pendingDeliveries(limit);
    const dead = await store.deadDeliveries(limit);
    const rows = [...pending, ...dead];
    if (values.json) {
      io.out(
        JSON.stringify(
          rows.map((d) => ({
            id: d.id,
            key: d.key,
            event: d.name,
            status: d.status,
            attempts: d.attempts,
            error: d.error ?? null,
            receivedAt: d.receivedAt,
            ageMs: Math.max(0, now - Date.parse(d.receivedAt)),
          })),
        ),
      );
    } else if (rows.length === 0) {
      io.out('No pending or dead jobs.');
    } else {
      io.out(jobsTable(rows, now));
      io.out(
        `\n${pending.length} pending, ${dead.length} dead${dead.length ? ' — retry one with `baton jobs retry <id>`' : ''}`,
      );
    }
    return 0;
  } finally {
    await store.close();
  }
}
