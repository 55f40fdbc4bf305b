// `npm run bench -- durability`: throughput of real `baton start` processes under a burst of 1,000 signed deliveries
// across 100 issues (each walking a 4-transition label-driven flow, with noise comments), in embedded mode (SQLite +
// SQL queue, one process) and on Redis + Postgres with 1, 2 and 3 replicas behind a round-robin proxy — same run, same
// machine. Then the same workload under trouble: 5 % of writes applied then answered 502, Redis flushed twice with 2
// replicas, each issue's deliveries shuffled, a person editing labels and assignees while Baton works. Reported per
// mode and summed: duplicates, lost, reverted user changes, stuck runs, dead letters after ack (all must be 0; the
// audit that counts them is shown to fail on a worse outcome in test/support/burst.test.ts), and recovery time after
// a SIGKILL. The workload is sized so the whole bench takes a few minutes on a 2-core machine
// (BATON_BENCH_ONLY=<mode,…> runs some trouble modes alone).
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
import {
  auditBurst,
  BURST_FLOW,
  createIssues,
  personAtWork,
  sendBurst,
  sendShuffledBurst,
  type BurstAudit,
} from '../test/support/burst.js';
import { rng } from '../src/report/history.js';

const ISSUES = 100;
const PER_ISSUE = 10;
const r2 = (x: number) => Math.round(x * 100) / 100;

/** Faults and disorder of one run, on top of the same workload. */
interface Trouble {
  /** Share of GitHub writes that are applied and then answered 502 (a gateway giving up after GitHub did the work). */
  ambiguousWrites?: number;
  /** Delete every Redis key of the deployment this many times while the burst is worked off. */
  redisFlushes?: number;
  /** Each issue's deliveries arrive in a shuffled order. */
  shuffled?: boolean;
  /** A person edits labels and assignees of every issue while Baton works on it. */
  person?: boolean;
}

/** What the user would call broken, per run: all must be 0. */
interface Broken {
  duplicates: number;
  lost: number;
  reverted_user_changes: number;
  stuck_runs: number;
  dead_lettered_after_ack: number;
}

interface ModeResult {
  broken: Broken;
  /** GitHub requests (reads, writes) Baton made per transition. */
  requestsPerTransition: { reads: number; writes: number };
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

async function burst(
  mode: 'embedded' | { replicas: number },
  log: (...a: unknown[]) => void,
  trouble: Trouble = {},
  name = '',
): Promise<ModeResult> {
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
    const random = rng(12);
    const person = trouble.person ? personAtWork(sandbox, seeded.repo, issues, random) : undefined;
    if (trouble.ambiguousWrites)
      sandbox.fail({
        route: /^(POST|PATCH|PUT|DELETE) \/repos\//,
        status: 502,
        applied: true,
        times: Number.POSITIVE_INFINITY,
        chance: trouble.ambiguousWrites,
        random,
      });
    const deliveriesBefore = sandbox.deliveries().length;
    sandbox.resetCounts();
    const t0 = performance.now();
    const c0 = cpuTicks();
    const sent = trouble.shuffled
      ? await sendShuffledBurst(sandbox, seeded.repo, issues, PER_ISSUE, random)
      : sendBurst(sandbox, seeded.repo, issues, PER_ISSUE);
    const flushes = trouble.redisFlushes && ns ? flushWhileWorking(store, ns, trouble.redisFlushes) : undefined;
    await settle(sandbox, store, 400_000);
    const flushed = (await flushes) ?? 0;
    if (person) {
      person.finish();
      await settle(sandbox, store, 60_000);
    }
    sandbox.http.faults.clear();
    const seconds = (performance.now() - t0) / 1000;
    const c1 = cpuTicks();
    const cpuBusy = (c1.busy - c0.busy) / Math.max(1, c1.total - c0.total);
    const counts = sandbox.requests();
    const audit = await auditBurst(sandbox, seeded.repo, issues, store);
    const dead = (await store.jobs.counts(Date.now())).dead;
    const broken: Broken = {
      duplicates: audit.duplicates,
      lost: audit.lost,
      reverted_user_changes: person?.reverted() ?? 0,
      stuck_runs: audit.wrongStage.length,
      dead_lettered_after_ack: dead,
    };
    const perT = (n: number) => r2(n / Math.max(1, audit.transitions));
    const routes = Object.entries(counts.byRoute);
    const reads = routes.filter(([k]) => k.startsWith('GET ')).reduce((n, [, v]) => n + v, 0);
    const writes = routes
      .filter(([k]) => !k.startsWith('GET ') && !k.includes('access_tokens'))
      .reduce((n, [, v]) => n + v, 0);
    const requestsPerTransition = { reads: perT(reads), writes: perT(writes) };
    const label =
      (mode === 'embedded'
        ? 'embedded (SQLite + SQL queue, 1 process)'
        : `Redis + Postgres, ${mode.replicas} replica${mode.replicas > 1 ? 's' : ''}`) + (name ? ` — ${name}` : '');
    const echoes = sandbox.deliveries().length - deliveriesBefore - (trouble.shuffled ? 0 : sent);
    log(
      `${label}: ${sent} deliveries (+${echoes} echoes${trouble.shuffled ? ' and held-back sends' : ''}) in ${seconds.toFixed(1)} s → ${(sent / seconds).toFixed(1)} deliveries/s; ${audit.transitions} transitions, ${requestsPerTransition.reads} reads + ${requestsPerTransition.writes} writes per transition; duplicates ${broken.duplicates}, lost ${broken.lost}, stuck ${broken.stuck_runs}, dead-lettered ${dead}, reverted user changes ${broken.reverted_user_changes}, out of order ${audit.outOfOrder.length}${person ? ` (person made ${person.applied} edits, ${person.racing} between Baton's read and its writes)` : ''}${flushed ? `; Redis flushed ${flushed}×` : ''}; webhooks per replica ${proxy.hits.join('/')}; machine CPU busy ${(cpuBusy * 100).toFixed(0)}%`,
    );
    if (audit.details.length) log(`  problems: ${audit.details.slice(0, 5).join('; ')}`);
    return { broken, requestsPerTransition, seconds, deliveriesPerS: sent / seconds, audit, cpuBusy };
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

/**
 * Delete every Redis key of the deployment (BullMQ's queue, Baton's per-key lists and locks, throttling state) `times`
 * times while the burst is being worked off: when a third and two thirds of the recorded jobs are done.
 */
async function flushWhileWorking(store: StoreWithJobs, ns: string, times: number): Promise<number> {
  let total = 0;
  while (total === 0) {
    const c = await store.jobs.counts(Date.now());
    total = c.waiting + c.active;
    if (!total) await sleep(20);
  }
  let done = 0;
  for (let k = 1; k <= times; k++) {
    for (;;) {
      const c = await store.jobs.counts(Date.now());
      if (c.waiting + c.active <= total * (1 - k / (times + 1))) break;
      await sleep(50);
    }
    await deleteRedisPrefix(ns);
    done++;
  }
  return done;
}

/**
 * SIGKILL after the first GitHub write of a job; seconds from the new process's start to that job's completion. On
 * Redis the lease is left at its production default: a restarted process that waited it out would score above it.
 */
async function recovery(
  leaseMs: number,
  log: (...a: unknown[]) => void,
  onRedis = false,
): Promise<{ seconds: number; ok: boolean }> {
  const world = await sandboxWorld({ flowYml: BURST_FLOW });
  const { sandbox, seeded } = world;
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-kill-'));
  const ns = onRedis ? uniqueNamespace('benchkill') : undefined;
  const env = {
    ...world.env,
    ...(ns ? sharedEnv(ns) : { BATON_DATA_DIR: dir, DATABASE_URL: '', REDIS_URL: '' }),
    BATON_QUEUE_LEASE_MS: String(leaseMs),
  };
  const store = ns
    ? await openStore({ databaseUrl: PG_URL, schema: ns })
    : await openStore({ dataDir: dir, databaseUrl: '' });
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
      `recovery after SIGKILL between two writes (${ns ? 'Redis + Postgres' : 'embedded'}, lease ${leaseMs} ms): job completed ${seconds.toFixed(2)} s after the new process was started; one card: ${ok}`,
    );
    await child.kill();
    return { seconds, ok };
  } finally {
    await killAllChildren();
    await store.close();
    await sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
    if (ns) {
      await deleteRedisPrefix(ns);
      await dropSchema(ns);
    }
  }
}

export default async function durability({ log }: { log: (...a: unknown[]) => void }) {
  log(
    `burst: ${ISSUES * PER_ISSUE} signed deliveries across ${ISSUES} issues (4 flow labels + ${PER_ISSUE - 4} comments each), real \`baton start\` processes, sandbox GitHub at 0 ms latency`,
  );
  const troubles: Record<string, () => Promise<ModeResult>> = {
    ambiguous_502: () => burst('embedded', log, { ambiguousWrites: 0.05 }, '5 % of writes applied, then answered 502'),
    redis_flushed: () => burst({ replicas: 2 }, log, { redisFlushes: 2 }, 'Redis flushed twice mid-run'),
    shuffled: () => burst('embedded', log, { shuffled: true }, "each issue's deliveries shuffled"),
    user_edits: () => burst('embedded', log, { person: true }, 'a person editing labels and assignees'),
  };
  const sums = (modes: Record<string, ModeResult>, extraDuplicates = 0) => {
    const sum = (k: keyof Broken) => Object.values(modes).reduce((n, m) => n + m.broken[k], 0);
    return {
      duplicates: sum('duplicates') + extraDuplicates,
      lost: sum('lost'),
      reverted_user_changes: sum('reverted_user_changes'),
      stuck_runs: sum('stuck_runs'),
      dead_lettered_after_ack: sum('dead_lettered_after_ack'),
      modes: Object.fromEntries(
        Object.entries(modes).map(([k, m]) => [
          k,
          { ...m.broken, out_of_order: m.audit.outOfOrder.length, seconds: r2(m.seconds), ...m.requestsPerTransition },
        ]),
      ),
    };
  };
  // BATON_BENCH_ONLY=shuffled,user_edits runs just those fault modes (while working on one); `recovery` the restarts.
  const asked = process.env.BATON_BENCH_ONLY?.split(',') ?? [];
  if (asked.includes('recovery')) {
    const [a, b] = [await recovery(2000, log), await recovery(30_000, log, true)];
    return { recovery_s: r2(a.seconds), recovery_s_redis: r2(b.seconds), duplicates: Number(!a.ok) + Number(!b.ok) };
  }
  const only = asked.filter((k) => k in troubles);
  if (only.length) {
    const picked: Record<string, ModeResult> = {};
    for (const k of only) picked[k] = await troubles[k]!();
    return sums(picked);
  }
  const embedded = await burst('embedded', log);
  const r1 = await burst({ replicas: 1 }, log);
  const r2x = await burst({ replicas: 2 }, log);
  const r3 = await burst({ replicas: 3 }, log);
  const rec = await recovery(2000, log);
  const recRedis = await recovery(30_000, log, true);
  const modes: Record<string, ModeResult> = { embedded, replicas_1: r1, replicas_2: r2x, replicas_3: r3 };
  for (const [k, run] of Object.entries(troubles)) modes[k] = await run();
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
    out_of_order: Object.values(modes).reduce((n, m) => n + m.audit.outOfOrder.length, 0),
    recovery_s: r2(rec.seconds),
    recovery_lease_ms: 2000,
    recovery_s_redis: r2(recRedis.seconds),
    recovery_redis_lease_ms: 30_000,
    github_reads_per_transition: embedded.requestsPerTransition.reads,
    github_writes_per_transition: embedded.requestsPerTransition.writes,
    ...sums(modes, (rec.ok ? 0 : 1) + (recRedis.ok ? 0 : 1)),
  };
}
