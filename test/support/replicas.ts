// Scale-out fixtures: N `baton start` replicas sharing one Redis (unique key prefix) and one Postgres (unique
// schema), behind a tiny round-robin HTTP proxy that plays the load balancer the sandbox's webhooks go through.
import { createServer, request, Agent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import { startChild, type BatonChild } from './child.js';

import { PG_URL, REDIS_URL } from './services.js';

export { PG_URL, REDIS_URL };

/** A name usable as both a Postgres schema and a Redis prefix, unique to this test run. */
export function uniqueNamespace(tag: string): string {
  return `baton_${tag}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/**
 * DATABASE_URL for a child living in `schema`: libpq's `options=-c search_path=…` in the URL, which node-postgres
 * honours, so `baton start` needs no schema setting of its own. The schema must exist (openStore with `schema`
 * creates it).
 */
export function schemaUrl(schema: string, base = PG_URL): string {
  return `${base}${base.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

export async function dropSchema(schema: string, base = PG_URL): Promise<void> {
  const c = new pg.Client({ connectionString: base });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await c.end();
  }
}

/** Delete every Redis key of this prefix (never FLUSHALL: other tests share the server). Returns how many. */
export async function deleteRedisPrefix(prefix: string, url = REDIS_URL): Promise<number> {
  const r = new Redis(url, { maxRetriesPerRequest: 3 });
  try {
    let n = 0;
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) n += await r.del(...keys);
    } while (cursor !== '0');
    return n;
  } finally {
    r.disconnect();
  }
}

export async function countRedisPrefix(prefix: string, url = REDIS_URL): Promise<number> {
  const r = new Redis(url, { maxRetriesPerRequest: 3 });
  try {
    let n = 0;
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      n += keys.length;
    } while (cursor !== '0');
    return n;
  } finally {
    r.disconnect();
  }
}

export interface Proxy {
  url: string;
  /** Requests forwarded to each target, by index. */
  hits: number[];
  targets: string[];
  close(): Promise<void>;
}

/** Round-robin reverse proxy: each request goes to the next target's origin (path and headers kept). */
export async function startProxy(targets: string[]): Promise<Proxy> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const p: Proxy = { url: '', hits: targets.map(() => 0), targets: [...targets], close: async () => {} };
  let next = 0;
  const server: Server = createServer((req, res) => {
    const i = next++ % p.targets.length;
    p.hits[i] = (p.hits[i] ?? 0) + 1;
    const target = new URL(req.url ?? '/', p.targets[i]);
    const out = request(target, { method: req.method, headers: req.headers, agent }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(out);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  p.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  p.close = async () => {
    server.closeAllConnections();
    agent.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return p;
}

/** Start `n` replicas with the same env (in parallel: they share nothing but Redis and Postgres). */
export async function startReplicas(n: number, env: Record<string, string>): Promise<BatonChild[]> {
  return Promise.all(Array.from({ length: n }, () => startChild(env)));
}

/** The env for a replica on Redis + Postgres in `namespace` (schema and prefix). */
export function sharedEnv(namespace: string): Record<string, string> {
  return { DATABASE_URL: schemaUrl(namespace), REDIS_URL, BATON_REDIS_PREFIX: namespace };
}

/** Origin + webhook path of a child, for the proxy (the proxy keeps the request's path). */
export function originOf(child: BatonChild): string {
  return new URL(child.webhookUrl).origin;
}
