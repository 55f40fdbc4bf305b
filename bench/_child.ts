// A Baton child process (`baton start`, the production entry point) against a sandbox living in the bench process,
// so measurements of Baton are not mixed with the load generator's or the fake GitHub's work.
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Sandbox, seedDemo, type SeededDemo } from '../src/sandbox/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface ChildBaton {
  sandbox: Sandbox;
  seeded: SeededDemo;
  secret: string;
  webhookUrl: string;
  pid: number;
  rssMb(): number;
  stop(): Promise<void>;
}

export async function startChildBaton(o: {
  flowYml: string;
  latencyMs?: number;
  env?: Record<string, string>;
}): Promise<ChildBaton> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const secret = randomBytes(16).toString('hex');
  const sandbox = new Sandbox({
    secret,
    appId: 7,
    publicKey,
    botLogin: 'baton-bench[bot]',
    latencyMs: o.latencyMs ?? 0,
  });
  const baseUrl = await sandbox.start();
  const seeded = seedDemo(sandbox, { flowYml: o.flowYml });
  const dir = mkdtempSync(join(tmpdir(), 'baton-child-'));
  const child: ChildProcess = spawn(process.execPath, [join(root, 'bin/baton.js'), 'start'], {
    env: {
      PATH: process.env.PATH ?? '',
      APP_ID: '7',
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: secret,
      GITHUB_API_URL: baseUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      BATON_DATA_DIR: dir,
      BATON_WRITE_SPACING_MS: '0',
      LOG_LEVEL: 'warn',
      ...o.env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const webhookUrl = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /baton listening \S+ webhooks (\S+)/.exec(buf);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`baton start exited with ${code} before listening`)));
  });
  sandbox.webhookUrl = webhookUrl;
  return {
    sandbox,
    seeded,
    secret,
    webhookUrl,
    pid: child.pid!,
    rssMb() {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : NaN;
    },
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      await sandbox.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
