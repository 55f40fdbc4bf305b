// Outbound webhooks: a partner registers a callback URL; every stage change of a run it may see becomes one
// delivery row in the store and one job on the durable queue (key `outbound:<webhook id>`, so one receiver gets its
// deliveries strictly in order), retried with the queue's backoff until the receiver answers 2xx. The body is
// signed like GitHub's webhooks: `X-Baton-Signature-256: sha256=<HMAC-SHA256 of the raw body, hex>`.
import { createHmac, randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import type { Store, TransitionRecord } from '../store/types.js';
import type { JobQueue, Job } from '../queue/types.js';
import type { ApiToken, TokenStore } from './tokens.js';
import { flowAllowed } from './tokens.js';
import { runId } from './runs.js';
import type { StageChangedEvent } from './schema.js';

export const OUTBOUND_JOB = 'baton.outbound';
/**
 * 20 attempts with full-jitter backoff capped at 15 min: a receiver may be down for one to three hours before a
 * delivery is dead-lettered (then `baton jobs` shows it and `baton jobs retry` sends it again).
 */
export const OUTBOUND_RETRY = { attempts: 20, baseMs: 1000, maxMs: 15 * 60_000 };
const NS = 'api-webhook';
const TIMEOUT_MS = 10_000;

export interface WebhookRecord {
  id: string;
  tokenId: string;
  url: string;
  runs: 'own' | 'all';
  secret: string;
  createdAt: string;
}

export interface OutboundPayload {
  webhook: string;
  body: StageChangedEvent;
}

export function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** True for addresses a server must not be steered to call: loopback, private, link-local, metadata, multicast. */
function internal(address: string): boolean {
  try {
    const a = ipaddr.process(address);
    return a.range() !== 'unicast';
  } catch {
    return true;
  }
}

export class UnsafeUrlError extends Error {}

export interface OutboundOptions {
  store: Store;
  queue: Pick<JobQueue, 'enqueue'>;
  tokens: TokenStore;
  /** Sandbox and tests: allow http and loopback receivers. Never in production: it lets a token holder probe the LAN. */
  allowPrivate?: boolean;
  fetch?: typeof fetch;
  now?: () => Date;
  /** Origin of a run (the token that created it), for `runs: own`. */
  origin(repo: string, issue: number): Promise<{ tokenId: string } | undefined>;
  repoUrl?: (repo: string, issue: number) => string;
}

export class Outbound {
  private readonly fetch: typeof fetch;
  private readonly now: () => Date;

  constructor(private readonly o: OutboundOptions) {
    this.fetch = o.fetch ?? globalThis.fetch;
    this.now = o.now ?? (() => new Date());
  }

  async checkUrl(raw: string): Promise<URL> {
    const url = new URL(raw);
    if (this.o.allowPrivate) {
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UnsafeUrlError('the URL must be http(s)');
      return url;
    }
    if (url.protocol !== 'https:') throw new UnsafeUrlError('the callback URL must use https');
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const addresses = ipaddr.isValid(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
    if (!addresses.length || addresses.some(internal))
      throw new UnsafeUrlError(`${url.hostname} resolves to a private or internal address; use a public host`);
    return url;
  }

  async register(token: ApiToken, o: { url: string; runs: 'own' | 'all' }): Promise<WebhookRecord> {
    await this.checkUrl(o.url);
    const rec: WebhookRecord = {
      id: `wh_${randomBytes(8).toString('hex')}`,
      tokenId: token.id,
      url: o.url,
      runs: o.runs,
      secret: randomBytes(24).toString('base64url'),
      createdAt: this.now().toISOString(),
    };
    await this.o.store.kvSet(NS, rec.id, JSON.stringify(rec));
    return rec;
  }

  async list(token?: ApiToken): Promise<WebhookRecord[]> {
    return (await this.o.store.kvList(NS))
      .map((e) => JSON.parse(e.value) as WebhookRecord)
      .filter((w) => !token || w.tokenId === token.id)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async remove(token: ApiToken, id: string): Promise<boolean> {
    const w = (await this.list(token)).find((x) => x.id === id);
    if (!w) return false;
    await this.o.store.kvDelete(NS, id);
    return true;
  }

  /**
   * Called for each recorded transition, inside the job that recorded it (so a failure retries that job): one
   * delivery per matching webhook, its id derived from the webhook and the transition, so a replay queues nothing new.
   */
  async onTransition(t: TransitionRecord): Promise<number> {
    const hooks = await this.list();
    if (!hooks.length) return 0;
    let queued = 0;
    const origin = await this.o.origin(t.repo, t.issue);
    for (const w of hooks) {
      const token = await this.o.tokens.get(w.tokenId);
      if (!token || token.revokedAt || token.repo !== t.repo || !token.can.includes('read')) continue;
      if (!flowAllowed(token, { name: t.flow })) continue;
      if (w.runs === 'own' && origin?.tokenId !== token.id) continue;
      const id = `out-${w.id}-${createHmac('sha256', w.id).update(t.id).digest('hex').slice(0, 24)}`;
      const body: StageChangedEvent = {
        event: 'run.stage_changed',
        delivery: id,
        sent_at: t.at,
        run: {
          id: runId(t.repo, t.issue),
          repo: t.repo,
          issue: t.issue,
          url: this.o.repoUrl?.(t.repo, t.issue) ?? `https://github.com/${t.repo}/issues/${t.issue}`,
        },
        change: { at: t.at, from: t.from, to: t.to, kind: t.kind },
      };
      const payload: OutboundPayload = { webhook: w.id, body };
      const key = `outbound:${w.id}`;
      const fresh = await this.o.store.recordDelivery({
        id,
        name: OUTBOUND_JOB,
        key,
        payload,
        receivedAt: this.now().toISOString(),
      });
      if (fresh) {
        await this.o.queue.enqueue({ id, key, name: OUTBOUND_JOB });
        queued++;
      }
    }
    return queued;
  }

  /** The queue's handler for outbound jobs: POST, signed; anything but a 2xx throws so the queue retries. */
  handle = async (job: Job): Promise<void> => {
    const d = await this.o.store.getDelivery(job.id);
    if (!d) return;
    const p = d.payload as OutboundPayload;
    const raw = await this.o.store.kvGet(NS, p.webhook);
    if (!raw) return; // the partner removed the webhook: nothing to deliver to
    const w = JSON.parse(raw) as WebhookRecord;
    const token = await this.o.tokens.get(w.tokenId);
    if (!token || token.revokedAt) return;
    const url = await this.checkUrl(w.url);
    const body = JSON.stringify(p.body);
    const res = await this.fetch(url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Baton-Hookshot',
        'x-baton-event': p.body.event,
        'x-baton-delivery': p.body.delivery,
        'x-baton-signature-256': sign(w.secret, body),
      },
      body,
    });
    await res.body?.cancel().catch(() => undefined);
    if (res.status < 200 || res.status >= 300)
      throw new Error(`outbound webhook ${w.id}: ${w.url} answered ${res.status}; will retry`);
  };
}
