// `npm run bench -- durability`: throughput of real `baton start` processes under a burst of 2,000 signed deliveries
// across 200 issues (each walking a 4-transition label-driven flow, with noise comments), in embedded mode (SQLite +
// SQL queue, one process) and on Redis + Postgres with 1, 2 and 3 replicas behind a round-robin proxy — same run, same
// machine. Also: duplicates and lost transitions over all modes (must be 0), and recovery time after a SIGKILL.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/store/index.js';
import type { StoreWithJobs } from '../src/store/types.js';
import { killAllChildren, sandboxWorld, settle, startChild, sleep, type BatonChild } from '../test/support/child.js';
import {
  deleteRedisPrefix,
  dropSchema,
  originOf,
  PG_URL,
  sharedEnv,
  startProxy,
  startReplicas,
  uniqueNamespace,
} from '../test/support/replicas.js';
import { auditBurst, BURST_FLOW, createIssues, sendBurst, type BurstAudit } from '../test/support/burst.js';

const ISSUES = 200;
const PER_ISSUE = 10;
const r2 = (x: number) => Math.round(x * 100) / 100;

interface ModeResult {
  seconds: number;
  deliveriesPerS: number;
  audit: BurstAudit;
  /** Share of the machine's CPU time that was busy during the burst (all processes: replicas, sandbox, Redis, Postgres). */
  cpuBusy: number;
}

/** Machine-wide busy and total CPU ticks from /proc/stat. */
function cpuTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

async function burst(mode: 'embedded' | { replicas: number }, log: (...a: unknown[]) => void): Promise<ModeResult> {
  const world = await sandboxWorld({ flowYml: BURST_FLOW });
  const { sandbox, seeded } = world;
  let store: StoreWithJobs | undefined;
  let dir: string | undefined;
  let ns: string | undefined;
  let proxyClose: (() => Promise<void>) | undefined;
  let children: BatonChild[] = [];
  try {
    let env: Record<string, string>;
    if (mode === 'embedded') {
      dir = mkdtempSync(join(tmpdir(), 'baton-bench-dur-'));
      env = { ...world.env, BATON_DATA_DIR: dir, DATABASE_URL: '', REDIS_URL: '' };
      store = await openStore({ dataDir: dir, databaseUrl: '' });
    } else {
      ns = uniqueNamespace(`bench${mode.replicas}`);
      store = await openStore({ databaseUrl: PG_URL, schema: ns });
      env = { ...world.env, ...sharedEnv(ns) };
    }
    children = await startReplicas(mode === 'embedded' ? 1 : mode.replicas, { ...env, BATON_CONCURRENCY: '16' });
    const proxy = await startProxy(children.map(originOf));
    proxyClose = proxy.close;
    sandbox.webhookUrl = `${proxy.url}${new URL(children[0]!.webhookUrl).pathname}`;
    const issues = createIssues(sandbox, seeded.repo, ISSUES);
    const t0 = performance.now();
    const c0 = cpuTicks();
    const sent = sendBurst(sandbox, seeded.repo, issues, PER_ISSUE);
    await settle(sandbox, store, 400_000);
    const seconds = (performance.now() - t0) / 1000;
    const c1 = cpuTicks();
    const cpuBusy = (c1.busy - c0.busy) / Math.max(1, c1.total - c0.total);
    const audit = await auditBurst(sandbox, seeded.repo, issues, store);
    const label =
      mode === 'embedded'
        ? 'embedded (SQLite + SQL queue, 1 process)'
        : `Redis + Postgres, ${mode.replicas} replica${mode.replicas > 1 ? 's' : ''}`;
    log(
      `${label}: ${sent} deliveries (+${sandbox.deliveries().length - sent - ISSUES} echoes of Baton's own writes) in ${seconds.toFixed(1)} s → ${(sent / seconds).toFixed(1)} deliveries/s; ${audit.transitions} transitions, duplicates ${audit.duplicates}, lost ${audit.lost}, wrong stage ${audit.wrongStage.length}, out of order ${audit.outOfOrder.length}; webhooks per replica ${proxy.hits.join('/')}; machine CPU busy ${(cpuBusy * 100).toFixed(0)}%`,
    );
    if (audit.details.length) log(`  problems: ${audit.details.slice(0, 5).join('; ')}`);
    return { seconds, deliveriesPerS: sent / seconds, audit, cpuBusy };
  } finally {
    await Promise.all(children.map((c) => c.kill()));
    await proxyClose?.();
    await store?.close();
    await sandbox.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (ns) {
      await deleteRedisPrefix(ns);
      await dropSchema(ns);
    }
  }
}

/** SIGKILL after the first GitHub write of a job; seconds from the new process's start to that job's completion. */
async function recovery(leaseMs: number, log: (...a: unknown[]) => void): Promise<{ seconds: number; ok: boolean }> {
  const world = await sandboxWorld({ flowYml: BURST_FLOW });
  const { sandbox, seeded } = world;
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-kill-'));
  const env = {
    ...world.env,
    BATON_DATA_DIR: dir,
    DATABASE_URL: '',
    REDIS_URL: '',
    BATON_QUEUE_LEASE_MS: String(leaseMs),
  };
  const store = await openStore({ dataDir: dir, databaseUrl: '' });
  try {
    let child = await startChild(env);
    sandbox.webhookUrl = child.webhookUrl;
    const [issue] = createIssues(sandbox, seeded.repo, 1);
    let killed: Promise<void> | undefined;
    sandbox.http.onAnswer = async (a) => {
      if (killed || a.method === 'GET' || a.status >= 300) return;
      killed = child.kill();
      await killed;
    };
    sandbox.labelIssue(issue!, 'flow:burst', { by: 'alice', repo: seeded.repo });
    while (!killed) await sleep(10);
    await killed;
    sandbox.http.onAnswer = undefined;
    const id = sandbox.deliveries().find((x) => x.event === 'issues' && x.action === 'labeled')!.id;
    const t0 = performance.now();
    child = await startChild(env);
    sandbox.webhookUrl = child.webhookUrl;
    while ((await store.getDelivery(id))?.status !== 'done') await sleep(20);
    const seconds = (performance.now() - t0) / 1000;
    for (const x of sandbox.deliveries().filter((y) => y.status !== 200)) await sandbox.redeliver(x.id);
    await settle(sandbox, store);
    const cards = sandbox.comments(issue!, seeded.repo).filter((c) => c.body.includes('<!-- baton:card -->')).length;
    const ok = cards === 1 && sandbox.issue(issue!, seeded.repo).labels.includes('baton:spec');
    log(
      `recovery after SIGKILL between two writes (lease ${leaseMs} ms): job completed ${seconds.toFixed(2)} s after the new process was started; one card: ${ok}`,
    );
    await child.kill();
    return { seconds, ok };
  } finally {
    await killAllChildren();
    await store.close();
    await sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export default async function durability({ log }: { log: (...a: unknown[]) => void }) {
  log(
    `burst: ${ISSUES * PER_ISSUE} signed deliveries across ${ISSUES} issues (4 flow labels + ${PER_ISSUE - 4} comments each), real \`baton start\` processes, sandbox GitHub at 0 ms latency`,
  );
  const embedded = await burst('embedded', log);
  const r1 = await burst({ replicas: 1 }, log);
  const r2x = await burst({ replicas: 2 }, log);
  const r3 = await burst({ replicas: 3 }, log);
  const rec = await recovery(2000, log);
  const all = [embedded, r1, r2x, r3];
  const duplicates = all.reduce((n, m) => n + m.audit.duplicates, 0) + (rec.ok ? 0 : 1);
  const lost = all.reduce((n, m) => n + m.audit.lost + m.audit.wrongStage.length, 0);
  log(
    `scaling: 2 replicas / 1 = ${(r2x.deliveriesPerS / r1.deliveriesPerS).toFixed(2)}×, 3 / 1 = ${(r3.deliveriesPerS / r1.deliveriesPerS).toFixed(2)}× — on ${(await import('node:os')).cpus().length} cores shared by the replicas, the sandbox, its webhook sender, Redis and Postgres`,
  );
  return {
    deliveries: ISSUES * PER_ISSUE,
    issues: ISSUES,
    deliveries_per_s_embedded: r2(embedded.deliveriesPerS),
    deliveries_per_s_1_replica: r2(r1.deliveriesPerS),
    deliveries_per_s_2_replicas: r2(r2x.deliveriesPerS),
    deliveries_per_s_3_replicas: r2(r3.deliveriesPerS),
    cpu_busy_1_replica: r2(r1.cpuBusy),
    cpu_busy_2_replicas: r2(r2x.cpuBusy),
    cpu_busy_3_replicas: r2(r3.cpuBusy),
    scale_2x: r2(r2x.deliveriesPerS / r1.deliveriesPerS),
    scale_3x: r2(r3.deliveriesPerS / r1.deliveriesPerS),
    duplicates,
    lost,
    out_of_order: all.reduce((n, m) => n + m.audit.outOfOrder.length, 0),
    recovery_s: r2(rec.seconds),
    recovery_lease_ms: 2000,
  };
}
