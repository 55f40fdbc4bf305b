// GitHub requests never hang a job: each attempt has a timeout whose error names the request and the setting. And
// which requests Octokit may re-send on its own after a 5xx: idempotent ones only. And throttling's Redis state,
// broken in a way Bottleneck cannot repair, makes readiness fail (with the reason) until it is usable again.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import pino from 'pino';
import { createOctokit, mayResend, timedFetch } from '../../src/app/octokit.js';
import { deleteRedisPrefix, REDIS_URL, uniqueNamespace } from '../support/replicas.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

describe('GitHub transport', () => {
  it('a request GitHub never answers fails with the route and BATON_GITHUB_TIMEOUT_MS instead of hanging', async () => {
    server = createServer(() => undefined); // takes the request, never answers
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/repos/acme/web/issues/1/comments`;
    await expect(timedFetch(100)(url, { method: 'POST', body: '{}' })).rejects.toThrow(
      'GitHub did not answer POST /repos/acme/web/issues/1/comments within 100 ms (BATON_GITHUB_TIMEOUT_MS)',
    );
  });

  it('re-sends after a 5xx only what is idempotent: reads, PATCH/PUT/DELETE, and POSTs that add to a set', () => {
    expect(mayResend('GET', '/repos/{owner}/{repo}/issues/{issue_number}')).toBe(true);
    expect(mayResend('PATCH', '/repos/{owner}/{repo}/issues/comments/{comment_id}')).toBe(true);
    expect(mayResend('DELETE', '/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}')).toBe(true);
    expect(mayResend('POST', '/repos/{owner}/{repo}/issues/{issue_number}/labels')).toBe(true);
    expect(mayResend('POST', '/repos/{owner}/{repo}/issues/{issue_number}/assignees')).toBe(true);
    expect(mayResend('POST', '/repos/{owner}/{repo}/issues/{issue_number}/comments')).toBe(false);
    expect(mayResend('POST', '/repos/{owner}/{repo}/check-runs')).toBe(false);
    expect(mayResend('POST', '/repos/{owner}/{repo}/issues')).toBe(false);
  });
});

describe("throttling's Redis state and readiness", () => {
  it('a state Bottleneck cannot use fails the ping with the reason; once Redis is usable again it passes', async () => {
    const ns = uniqueNamespace('throttleready');
    const setup = createOctokit({ redisUrl: REDIS_URL, redisPrefix: ns, log: pino({ level: 'silent' }) });
    const redis = new Redis(REDIS_URL);
    try {
      expect(await setup.ping()).toBe(true);
      // Every throttling key turned into a plain string (another program writing under the prefix, a botched
      // migration): Redis still answers PING, but every Bottleneck script now fails with WRONGTYPE.
      const keys = await redis.keys(`${ns}:throttle:*`);
      expect(keys.length).toBeGreaterThan(0);
      for (const k of keys) await redis.set(k, 'not a hash');
      await expect(setup.ping()).rejects.toThrow(/GitHub throttling state in Redis is broken .*WRONGTYPE/);
      // Keys gone (what a Redis restart without persistence leaves): Bottleneck re-creates them, readiness returns.
      await deleteRedisPrefix(ns);
      expect(await setup.ping()).toBe(true);
    } finally {
      await setup.close();
      redis.disconnect();
      await deleteRedisPrefix(ns);
    }
  });
});
