// Shared test fixtures: a started, seeded sandbox with a webhook receiver that records every delivery.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sandbox, seedDemo, type SandboxOptions } from '../../src/sandbox/index.js';

export interface Received {
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: Record<string, any>;
}

export async function receiver(
  status = 200,
): Promise<{ url: string; got: Received[]; close: () => Promise<void>; setStatus: (s: number) => void }> {
  const got: Received[] = [];
  let answer = status;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      got.push({ headers: req.headers, raw, body: JSON.parse(raw) });
      res.writeHead(answer).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`;
  return {
    url,
    got,
    setStatus: (s) => (answer = s),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export async function seeded(extra: Partial<SandboxOptions> = {}): Promise<Sandbox> {
  const sb = new Sandbox({
    secret: 'test-secret',
    appId: 4242,
    botLogin: 'baton-test[bot]',
    clock: () => new Date('2025-02-01T12:00:00Z'),
    ...extra,
  });
  seedDemo(sb, { flowYml: 'version: 1\nstages: []\n' });
  await sb.start();
  return sb;
}
