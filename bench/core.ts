// `npm run bench -- core`: webhook ack latency, end-to-end transitions per second (0 ms and 50 ms injected GitHub
// latency), GitHub requests per transition (counted by the sandbox: REST and GraphQL, reads and writes; 304s beside),
// and RSS between 1k and 10k events.
import { mkdtempSync, rmSync } from 'node:fs';
import { request, Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startLocalBaton, type LocalBaton } from '../src/sandbox/local-baton.js';
import { signBody } from '../src/sandbox/index.js';
import { startChildBaton } from './_child.js';
import { BURST_FLOW, STEPS } from '../test/support/burst.js';

// The same label-driven flow as the durability burst: 4 transitions a run, no LLM tasks.
const BENCH_FLOW = BURST_FLOW;

// The transitions workload is the burst flow with real-world roles: ten members, one of whom (10 %) is not a
// collaborator of the repository, so GitHub refuses to assign them. A design that lets that refusal fail the job
// leaves runs stuck; one that re-tries the refused login on every hand-off pays for it in requests.
const COLLABORATORS = ['ann', 'ben', 'bea', 'cid', 'cam', 'cy'];
const STRICT_FLOW = BURST_FLOW.replace(
  /roles:\n(?: {2}.*\n)+/,
  'roles:\n  pm: [alice, ann]\n  dev: [bob, ben, bea]\n  reviewer: [carol, cid, cam, cy, outsider]\n',
);
if (STRICT_FLOW === BURST_FLOW) throw new Error('bench core: the burst flow changed shape; update STRICT_FLOW');

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

function post(url: string, event: string, body: string, secret: string): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'x-github-event': event,
          'x-github-delivery': randomUUID(),
          'x-hub-signature-256': signBody(secret, body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(performance.now() - t0)
            : reject(new Error(`webhook answered ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const r2 = (x: number) => Math.round(x * 100) / 100;

async function withBaton<T>(latencyMs: number, fn: (lb: LocalBaton) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-'));
  const lb = await startLocalBaton({
    flowYml: STRICT_FLOW,
    dataDir: dir,
    databaseUrl: '',
    redisUrl: '',
    latencyMs,
    logLevel: 'silent',
    concurrency: 16,
  });
  try {
    return await fn(lb);
  } finally {
    await lb.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `runs` issues through 4 transitions each (label-driven), all issues in parallel; returns figures. */
async function transitions(lb: LocalBaton, runs: number) {
  const repo = lb.seeded.repo;
  const issues = Array.from(
    { length: runs },
    (_, i) => lb.sandbox.createIssue({ title: `bench ${i}`, by: 'alice', repo }).number,
  );
  for (const login of COLLABORATORS) lb.sandbox.addCollaborator(repo, login, 'write');
  lb.sandbox.addUser('outsider');
  await lb.settle();
  lb.sandbox.resetCounts();
  const t0 = performance.now();
  let rotated = 0;
  for (const [i, { label }] of STEPS.entries()) {
    // Installation tokens live an hour: halfway through, every token expires. GitHub's ETags are tied to the
    // token, so conditional reads under the new one start cold; a cache keyed without the token would send stale
    // validators (and, on GitHub, get 200s it counted as 304s).
    if (i === 2) rotated = lb.sandbox.expireInstallationTokens();
    for (const n of issues) lb.sandbox.labelIssue(n, label, { by: 'alice', repo });
    await lb.settle();
  }
  const seconds = (performance.now() - t0) / 1000;
  const done = issues.filter((n) => lb.sandbox.issue(n, repo).labels.includes('baton:done')).length;
  const stuck = issues.filter((n) => {
    const card = lb.sandbox.comments(n, repo).find((c) => c.body.includes('<!-- baton:card -->'));
    return !lb.sandbox.issue(n, repo).labels.includes('baton:done') || !card || /\| ⚠️ Stuck \|/.test(card.body);
  }).length;
  const skipped = issues.filter((n) =>
    lb.sandbox.comments(n, repo).some((c) => c.body.includes('<!-- baton:card -->') && c.body.includes('@outsider')),
  ).length;
  // Every request GitHub would charge counts: reads and writes, REST and GraphQL (a batch of mutations is one
  // request), node-id lookups, 401s after the rotation. Only 304s (free on GitHub) and token minting are left out,
  // and the 304s are reported beside.
  const counted = lb.sandbox.requests();
  const total = counted.total;
  const moves = runs * 4;
  return {
    seconds,
    transitionsPerS: moves / seconds,
    requestsPerTransition: total / moves,
    graphqlPerTransition: (counted.byRoute['POST /graphql'] ?? 0) / moves,
    notModifiedPerTransition: counted.notModified / moves,
    done,
    stuck,
    skipped,
    rotated,
    notModified: counted.notModified,
  };
}

interface Target {
  sandbox: LocalBaton['sandbox'];
  seeded: LocalBaton['seeded'];
  webhookUrl: string;
  secret: string;
  settle(): Promise<void>;
}

/** Posts `n` signed deliveries (labels on issues without a run: real jobs, cheap ones) and times each answer. */
async function acks(lb: Target, n: number, concurrency = 8): Promise<number[]> {
  const repo = lb.seeded.repo;
  // Spread over 50 issues: one issue's jobs run strictly one at a time, different issues in parallel.
  const targets = Array.from(
    { length: 50 },
    (_, i) => lb.sandbox.createIssue({ title: `ack target ${i}`, by: 'alice', repo }).number,
  );
  lb.sandbox.labelIssue(targets[0]!, 'noise', { by: 'alice', repo });
  await lb.settle();
  const template = lb.sandbox
    .deliveries()
    .filter((d) => d.event === 'issues' && d.action === 'labeled')
    .at(-1)!.payload as Record<string, any>;
  const secret = lb.secret;
  const times: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const payload = {
        ...template,
        label: { ...template.label, name: `noise-${i}` },
        issue: {
          ...template.issue,
          number: targets[i % targets.length],
          updated_at: new Date(Date.now() + i).toISOString(),
        },
      };
      times.push(await post(lb.webhookUrl, 'issues', JSON.stringify(payload), secret));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await lb.settle();
  return times;
}

/** Baton alone in a child process (`baton start`), the sandbox here. */
async function withChild<T>(latencyMs: number, fn: (t: Target, rss: () => number) => Promise<T>): Promise<T> {
  const c = await startChildBaton({ flowYml: BENCH_FLOW, latencyMs });
  // The child's queue is not reachable from here: settle by waiting until the sandbox has been quiet for a while.
  const settle = async () => {
    await c.sandbox.settled();
    let last = -1;
    while (last !== c.sandbox.requests().total + c.sandbox.requests().notModified) {
      last = c.sandbox.requests().total + c.sandbox.requests().notModified;
      await new Promise((r) => setTimeout(r, 300));
    }
  };
  try {
    return await fn({ sandbox: c.sandbox, seeded: c.seeded, webhookUrl: c.webhookUrl, secret: c.secret, settle }, () =>
      c.rssMb(),
    );
  } finally {
    await c.stop();
  }
}

export default async function core({ log }: { log: (...a: unknown[]) => void }) {
  const RUNS = 100;
  const fast = await withBaton(0, (lb) => transitions(lb, RUNS));
  log(
    `0 ms GitHub latency: ${RUNS} runs × 4 transitions in ${fast.seconds.toFixed(2)} s → ${fast.transitionsPerS.toFixed(1)} transitions/s, ${fast.requestsPerTransition.toFixed(2)} GitHub requests/transition (token-scoped ETags, ${fast.rotated} installation token(s) expired halfway, ${fast.notModified} answers 304), ${fast.done}/${RUNS} done`,
  );
  log(
    `roles with 10 % non-collaborators: ${fast.stuck} stuck runs, ${fast.skipped}/${RUNS} cards say the non-collaborator was skipped`,
  );
  const slow = await withBaton(50, (lb) => transitions(lb, RUNS));
  log(
    `50 ms GitHub latency: ${slow.transitionsPerS.toFixed(1)} transitions/s, ${slow.requestsPerTransition.toFixed(2)} requests/transition, ${slow.done}/${RUNS} done`,
  );

  // Ack latency and memory of Baton as deployed: its own process, GitHub elsewhere.
  const ack0 = await withChild(0, (t) => acks(t, 1000));
  const ack50 = await withChild(50, (t) => acks(t, 1000));
  log(
    `webhook ack over 1,000 deliveries (Baton in its own process): p50 ${pct(ack0, 50).toFixed(2)} ms, p99 ${pct(ack0, 99).toFixed(2)} ms; with 50 ms GitHub latency p99 ${pct(ack50, 99).toFixed(2)} ms`,
  );
  const mem = await withChild(0, async (t, rss) => {
    await acks(t, 1000);
    const rss1k = rss();
    await acks(t, 9000);
    const rss10k = rss();
    return { rss1k, rss10k };
  });
  log(
    `Baton RSS after 1k events ${mem.rss1k.toFixed(0)} MB, after 10k ${mem.rss10k.toFixed(0)} MB (ratio ${(mem.rss10k / mem.rss1k).toFixed(2)})`,
  );

  return {
    webhook_ack_p50_ms: r2(pct(ack0, 50)),
    webhook_ack_p99_ms: r2(pct(ack0, 99)),
    webhook_ack_p99_ms_50ms_github: r2(pct(ack50, 99)),
    transitions_per_s: r2(fast.transitionsPerS),
    transitions_per_s_50ms_github: r2(slow.transitionsPerS),
    github_requests_per_transition: r2(fast.requestsPerTransition),
    github_requests_per_transition_50ms_github: r2(slow.requestsPerTransition),
    github_graphql_requests_per_transition: r2(fast.graphqlPerTransition),
    github_304s_per_transition: r2(fast.notModifiedPerTransition),
    token_rotations: fast.rotated > 0 ? 1 : 0,
    stuck_runs: fast.stuck + slow.stuck,
    non_collaborator_share: 0.1,
    runs_completed: fast.done + slow.done,
    runs_started: RUNS * 2,
    rss_mb_after_1k_events: r2(mem.rss1k),
    rss_mb_after_10k_events: r2(mem.rss10k),
    rss_ratio_10k_over_1k: r2(mem.rss10k / mem.rss1k),
  };
}
