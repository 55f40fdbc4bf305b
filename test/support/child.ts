// Real Baton processes for fault tests: `node bin/baton.js start` as a child, with App credentials pointing at a
// sandbox that lives in the test process. Nothing is shared with the child but the network, the data dir or the
// database — what a production deploy shares.
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Sandbox, seedDemo, type SeededDemo } from '../../src/sandbox/index.js';
import { DEMO_FLOW_PATH } from '../../src/sandbox/local-baton.js';
import type { Store } from '../../src/store/types.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(root, 'bin', 'baton.js');
export const BOT = 'baton-sandbox[bot]';
export const APP_ID = 4242;

export interface World {
  sandbox: Sandbox;
  seeded: SeededDemo;
  secret: string;
  /** PEM (pkcs1) of the App, for an in-process Baton on the same sandbox. */
  privateKey: string;
  /** The environment every Baton child gets (credentials, sandbox URL); add store/queue settings per test. */
  env: Record<string, string>;
}

/** A sandbox on port 0, seeded with the demo repo, and the env a `baton start` child needs to serve it. */
export async function sandboxWorld(o: { flowYml?: string; latencyMs?: number } = {}): Promise<World> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const secret = randomBytes(16).toString('hex');
  const sandbox = new Sandbox({ secret, appId: APP_ID, publicKey, botLogin: BOT, latencyMs: o.latencyMs ?? 0 });
  const baseUrl = await sandbox.start(0);
  const seeded = seedDemo(sandbox, { flowYml: o.flowYml ?? readFileSync(DEMO_FLOW_PATH, 'utf8') });
  const env = {
    APP_ID: String(APP_ID),
    // Escaped newlines, as an operator would put a PEM in a one-line env var.
    PRIVATE_KEY: privateKey.replace(/\n/g, '\\n'),
    WEBHOOK_SECRET: secret,
    GITHUB_API_URL: baseUrl,
    HOST: '127.0.0.1',
    PORT: '0',
    BATON_WRITE_SPACING_MS: '0',
    BATON_BOT_LOGIN: BOT,
    LOG_LEVEL: 'warn',
  };
  return { sandbox, seeded, secret, privateKey, env };
}

export interface BatonChild {
  proc: ChildProcess;
  url: string;
  webhookUrl: string;
  /** Everything the child printed so far (for failure messages). */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL (if still running) and wait for the exit. Safe to call twice. */
  kill(): Promise<void>;
}

/** Everything from the parent env the child needs to run node, and nothing that would change Baton's behaviour. */
function baseEnv(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];
  const out: Record<string, string> = {};
  for (const k of keep) if (process.env[k] !== undefined) out[k] = process.env[k]!;
  return out;
}

const children = new Set<BatonChild>();

/** Start `baton start` and wait for its "baton listening" line. */
export async function startChild(env: Record<string, string>, timeoutMs = 45_000): Promise<BatonChild> {
  const proc = spawn(process.execPath, [BIN, 'start'], {
    cwd: root,
    env: { ...baseEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const listening = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`baton start did not print "baton listening" within ${timeoutMs} ms; output:\n${out}`)),
      timeoutMs,
    );
    const onData = () => {
      const m = /baton listening (\S+) webhooks (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        proc.stdout!.off('data', onData);
        resolve(m);
      }
    };
    proc.stdout!.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`baton start exited (code ${code}, signal ${signal}) before listening; output:\n${out}`));
    });
  }).catch(async (err) => {
    proc.kill('SIGKILL');
    throw err;
  });
  const child: BatonChild = {
    proc,
    url: listening[1]!,
    webhookUrl: listening[2]!,
    output: () => out,
    exited,
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
      children.delete(child);
    },
  };
  children.add(child);
  void exited.then(() => children.delete(child));
  return child;
}

/** afterAll safety net: SIGKILL every child this test file started and that is still running. */
export async function killAllChildren(): Promise<void> {
  await Promise.all([...children].map((c) => c.kill()));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Poll until `check` returns true (or throw with `what` after timeoutMs). */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
  everyMs = 50,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/**
 * Quiet: every webhook sent was answered, the store has no pending job, and no new delivery (Baton's own writes echo
 * back as webhooks) appeared meanwhile — twice in a row, since an echo can be in flight between two looks.
 */
export async function settle(sandbox: Sandbox, store: Store, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let quiet = 0;
  while (quiet < 2) {
    if (Date.now() > end)
      throw new Error(
        `not settled after ${timeoutMs} ms: ${(await store.pendingDeliveries(5)).map((d) => `${d.name} ${d.key} attempts=${d.attempts} ${d.error ?? ''}`).join('; ')}`,
      );
    const before = sandbox.deliveries().length;
    await sandbox.settled();
    const pending = (await store.pendingDeliveries(1)).length;
    await sleep(30);
    quiet = pending === 0 && sandbox.deliveries().length === before ? quiet + 1 : 0;
  }
}
