// Baton wired to the sandbox: a real Probot app, real Octokit over HTTP, real signed webhooks — only GitHub is local.
// `baton start` without credentials, `baton sandbox`, `baton simulate`, the benchmarks and the end-to-end tests all
// run through this one function.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger as PinoLogger } from 'pino';
import { createLogger } from '../ops/log.js';
import { openStack, type Stack, type StackOptions } from '../app/stack.js';
import { serveBaton, type ServedBaton } from '../app/serve.js';
import { Sandbox } from './github-server.js';
import type { DeliveryModel } from './webhooks.js';
import { seedDemo, seedOrg, type SeededDemo, type SeededOrg } from './seed.js';
import { loadConfig } from '../config/env.js';

const here = dirname(fileURLToPath(import.meta.url));
export const DEMO_FLOW_PATH = join(here, 'scenarios', 'demo-flow.yml');
export const DEMO_SCENARIO_PATH = join(here, 'scenarios', 'demo.yml');

export interface LocalBatonOptions extends StackOptions {
  /** acme/web's `.github/flow.yml` (default: the demo flow; null: no file, so it runs the org flow if there is one). */
  flowYml?: string | null;
  /** Add the org sandbox (seed.ts seedOrg): acme/.github with the org flow (this text, or ORG_FLOW_YML), and more. */
  org?: boolean | { orgFlowYml?: string };
  /** More setup of the sandbox before Baton starts (repositories, files, issues). */
  seed?: (sandbox: Sandbox, seeded: SeededDemo) => void;
  /** Injected latency of every GitHub API answer. */
  latencyMs?: number;
  log?: PinoLogger;
  logLevel?: string;
  /** Baton's HTTP port (0 = any free one). */
  port?: number;
  sandboxPort?: number;
  /** An already opened stack (tests that need to inspect or share it). */
  stack?: Stack;
  concurrency?: number;
  clock?: () => Date;
  /** Time a webhook has to be received and recorded before Baton answers 503. */
  recordDeadlineMs?: number;
  /** Failed-delivery recovery interval (see ServeOptions); tests pass -1 and recover by hand. */
  recoveryIntervalMs?: number;
  /** Partner API requests per token per minute. */
  apiRatePerMinute?: number;
  /** Reconcile sweep interval (see ServeOptions). */
  reconcileIntervalMs?: number;
  /** How the sandbox delivers webhooks (concurrent, out of order); one at a time in order by default. */
  delivery?: DeliveryModel;
}

export interface LocalBaton {
  sandbox: Sandbox;
  baton: ServedBaton;
  stack: Stack;
  seeded: SeededDemo;
  /** Set when started with `org`. */
  org?: SeededOrg;
  /** login → a token that acts as that person on the sandbox's REST API (the demo repo's collaborators). */
  peopleTokens: Record<string, string>;
  /** Wait until every webhook sent so far was answered and every job it queued has run (and their own echoes). */
  settle(): Promise<void>;
  /** Stop Baton (as a deploy would), keep the sandbox and the store. */
  stopBaton(): Promise<void>;
  /** Start a fresh Baton process-equivalent on the same sandbox (restart; optionally a new empty store). */
  restartBaton(stack?: Stack): Promise<void>;
  /** Another replica on the same data (its own store connection and queue; no webhooks); stopped by stop(). */
  addReplica(): Promise<ServedBaton>;
  stop(): Promise<void>;
}

export const SANDBOX_APP_ID = 1;
export const SANDBOX_BOT = 'baton-sandbox[bot]';

const NUMBERING_NS = 'sandbox-numbering';

/**
 * GitHub never reuses an issue or PR number in a repository. The sandbox's world is new each time it starts while
 * Baton's store (its effect journal, card ids) may outlive it: a second demo on the same data directory would hand
 * out #1 again and Baton would take the new issue's effects for ones it already made. So numbering continues from
 * the highest number the store has seen from this sandbox (saved at stop) or in its transitions; ids likewise.
 */
async function continueNumbering(sandbox: Sandbox, stack: Stack): Promise<void> {
  for (const [name, repo] of sandbox.state.repos) {
    const saved = Number((await stack.store.kvGet(NUMBERING_NS, name)) ?? 0);
    const seen = (await stack.store.transitions({ repo: name })).reduce((m, t) => Math.max(m, t.issue, t.pr ?? 0), 0);
    const next = Math.max(saved, seen ? seen + 100 : 0);
    if (next > repo.nextNumber) repo.nextNumber = next;
  }
  sandbox.state.continueIdsFrom(Number((await stack.store.kvGet(NUMBERING_NS, '@ids')) ?? 0));
}

async function saveNumbering(sandbox: Sandbox, stack: Stack): Promise<void> {
  for (const [name, repo] of sandbox.state.repos) await stack.store.kvSet(NUMBERING_NS, name, String(repo.nextNumber));
  await stack.store.kvSet(NUMBERING_NS, '@ids', String(sandbox.state.idWatermark));
}

export async function startLocalBaton(o: LocalBatonOptions = {}): Promise<LocalBaton> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const secret = randomBytes(16).toString('hex');
  const sandbox = new Sandbox({
    secret,
    appId: SANDBOX_APP_ID,
    publicKey,
    botLogin: SANDBOX_BOT,
    latencyMs: o.latencyMs ?? 0,
    ...(o.clock ? { clock: o.clock } : {}),
    ...(o.delivery ? { delivery: o.delivery } : {}),
  });
  const baseUrl = await sandbox.start(o.sandboxPort ?? 0);
  const seeded = seedDemo(
    sandbox,
    o.flowYml === null ? {} : { flowYml: o.flowYml ?? readFileSync(DEMO_FLOW_PATH, 'utf8') },
  );
  const org = o.org ? seedOrg(sandbox, seeded, typeof o.org === 'object' ? o.org : {}) : undefined;
  o.seed?.(sandbox, seeded);
  // Each person gets a token of their own (as a personal access token would be), so a comment made with it has them
  // as its sender and Baton treats it as theirs (https://docs.github.com/en/rest/authentication/authenticating-to-the-rest-api).
  const peopleTokens = Object.fromEntries(
    [...sandbox.repo(seeded.repo).collaborators.keys()].map((login) => [login, sandbox.tokenFor(login)]),
  );
  const config = o.config ?? loadConfig({});
  const log = o.log ?? createLogger({ level: o.logLevel ?? config.ops.sandboxLogLevel });
  let stack = o.stack ?? (await openStack({ log, ...o, config }));
  await continueNumbering(sandbox, stack);
  const serve = async (port: number | undefined, on: Stack = stack) =>
    serveBaton(on, {
      appId: SANDBOX_APP_ID,
      privateKey,
      secret,
      baseUrl,
      log,
      port: port ?? 0,
      host: '127.0.0.1',
      // The sandbox is local: no need to space writes the way GitHub asks apps to.
      writeSpacingMs: 0,
      botLogin: SANDBOX_BOT,
      concurrency: o.concurrency,
      redisUrl: o.redisUrl,
      recordDeadlineMs: o.recordDeadlineMs,
      recoveryIntervalMs: o.recoveryIntervalMs,
      // Partner webhooks in the sandbox go to receivers on this machine.
      apiAllowPrivateCallbacks: true,
      ...(o.apiRatePerMinute ? { apiRatePerMinute: o.apiRatePerMinute } : {}),
      reconcileIntervalMs: o.reconcileIntervalMs,
      // The scenario's clock, when `baton simulate` drives one: SLA nudges and digests follow it, not the wall clock.
      ...(o.clock ? { clock: o.clock } : {}),
    });
  let baton: ServedBaton;
  const replicas: Array<{ baton: ServedBaton; stack: Stack }> = [];
  try {
    baton = await serve(o.port);
  } catch (err) {
    // A busy port must not leave the sandbox and the store open (the command would never exit).
    if (!o.stack) await stack.close().catch(() => undefined);
    await sandbox.stop().catch(() => undefined);
    throw err;
  }
  sandbox.webhookUrl = baton.webhookUrl;

  const settle = async () => {
    for (let i = 0; i < 200; i++) {
      const before = sandbox.deliveries().length;
      await sandbox.settled();
      await stack.queue.drain();
      await sandbox.settled();
      if (sandbox.deliveries().length === before) return;
    }
  };

  const local: LocalBaton = {
    sandbox,
    get baton() {
      return baton;
    },
    get stack() {
      return stack;
    },
    seeded,
    ...(org ? { org } : {}),
    peopleTokens,
    settle,
    async stopBaton() {
      await baton.stop();
    },
    async restartBaton(next?: Stack) {
      if (next) {
        await stack.close();
        stack = next;
      }
      baton = await serve(0);
      sandbox.webhookUrl = baton.webhookUrl;
    },
    async addReplica() {
      // Its own store connection and queue consumer on the same data, as a second process would have.
      const own = await openStack({ log, ...o, config });
      const r = await serve(0, own);
      replicas.push({ baton: r, stack: own });
      return r;
    },
    async stop() {
      for (const r of replicas) {
        await r.baton.stop().catch(() => undefined);
        await r.stack.close().catch(() => undefined);
      }
      await baton.stop().catch(() => undefined);
      await saveNumbering(sandbox, stack).catch(() => undefined);
      await stack.close().catch(() => undefined);
      await sandbox.stop();
    },
  } as LocalBaton;
  return local;
}
