// The stack's queue reports its own trouble to the logger it was given (one JSON line with what failed and why),
// not to stderr where a deployment's log pipeline never sees it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { openStack } from '../../src/app/stack.js';
import { createLogger } from '../../src/ops/log.js';

test('queue errors go to the logger with their context', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'baton-stack-'));
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  const stack = await openStack({ dataDir: dir, databaseUrl: '', redisUrl: '', log: createLogger({}, sink) });
  try {
    // The store goes away under the queue: taking back a previous run's leases fails as the queue starts.
    await stack.store.close();
    await stack.queue.start(async () => undefined);
    const line = lines.find((l) => String(l.msg).startsWith('queue: taking back jobs'));
    expect(line).toMatchObject({ level: 50, context: expect.stringMatching(/previous run/), err: expect.any(String) });
  } finally {
    await stack.queue.stop(1000).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});
