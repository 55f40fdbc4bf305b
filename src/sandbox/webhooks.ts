// Real webhook deliveries: signed POSTs, remembered so a test or the demo can list them and redeliver one under the same
// delivery id. By default one at a time in order; `delivery` makes them concurrent and lets later ones overtake
// earlier ones, as GitHub's may: deliveries are sent from many workers at once, retried and redelivered, and their
// order is not guaranteed (https://docs.github.com/en/webhooks/using-webhooks/best-practices-for-using-webhooks).
import { createHmac, randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { attemptStatus, type HookDeliveries } from './hook-deliveries.js';
import { errorMessage } from '../ops/errors.js';

// node:http with a keep-alive agent: several times faster than fetch for thousands of small sequential POSTs.
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

interface PostResult {
  status: number;
  headers: Record<string, string>;
  /** The first KB of the answer, as GitHub keeps it for the delivery log. */
  body: string;
}

/** GitHub waits 10 s for an answer, then records the delivery as failed. */
export const DELIVERY_TIMEOUT_MS = 10_000;

async function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<PostResult> {
  if (url.startsWith('https:')) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    const h: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      h[k] = v;
    });
    return { status: res.status, headers: h, body: text.slice(0, 1024) };
  }
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (c: Buffer) => {
          if (kept < 1024) chunks.push(c);
          kept += c.length;
        });
        res.on('end', () => {
          clearTimeout(timer);
          const h: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h[k] = String(v);
          resolve({
            status: res.statusCode ?? 0,
            headers: h,
            body: Buffer.concat(chunks).toString('utf8').slice(0, 1024),
          });
        });
        res.on('error', reject);
      },
    );
    const timer = setTimeout(() => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })), timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end(body);
  });
}

export interface Delivery {
  id: string;
  event: string;
  action?: string;
  /** The body sent; `{}` once dropped by `retainPayloads`. */
  payload: Record<string, unknown>;
  /** HTTP status of the last attempt; 0 when the receiver could not be reached (or no webhookUrl was set). */
  status: number;
  error?: string;
  /** How many times it was sent (1 + redeliveries). */
  attempts: number;
  redelivery: boolean;
}

export interface WebhookSenderOptions {
  webhookUrl?: string;
  secret: string;
  appId: number;
  /** Delivery ids; random uuids by default (inject for deterministic ids). */
  newId?: () => string;
  /**
   * Payloads kept for deliveries()/redeliver(); older ones are dropped (metadata stays) so a 10k-event benchmark
   * does not hold every payload in memory. Default 2000.
   */
  retainPayloads?: number;
  /** The App's webhook delivery log (one item per attempt), served by GET /app/hook/deliveries. */
  log?: HookDeliveries;
  /** Time GitHub waits for an answer (10 s). */
  timeoutMs?: number;
  clock?: () => Date;
  delivery?: DeliveryModel;
}

/** How deliveries reach the receiver. */
export interface DeliveryModel {
  /** Deliveries in flight at once (default 1: each waits for the previous answer). */
  concurrency?: number;
  /**
   * Each next delivery is picked at random among the first `window` waiting ones (default 1: oldest first), so a
   * delivery can overtake up to window-1 earlier ones.
   */
  window?: number;
  /** The randomness (seed it for a reproducible order); Math.random by default. */
  random?: () => number;
}

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export class WebhookSender {
  webhookUrl: string | undefined;
  private readonly list: Delivery[] = [];
  private readonly byId = new Map<string, Delivery>();
  /** Waiting to be sent, each with what resolves once it was answered. */
  private readonly waiting: Array<{ d: Delivery; body: string; redelivery: boolean; done: () => void }> = [];
  private inFlight = 0;
  private idle: Array<() => void> = [];
  private readonly newId: () => string;
  /** Serialized bodies, so a redelivery is byte-identical (the signature must match too). */
  private readonly bodies = new Map<string, string>();
  /**
   * Deliveries GitHub never sends (a payload over the 25 MB cap, an incident on GitHub's side): while this returns
   * true for an event, it is dropped without a trace in the delivery log.
   */
  drop: ((event: string, payload: Record<string, unknown>) => boolean) | undefined;
  /** Events dropped by `drop`. */
  dropped = 0;

  constructor(private readonly opts: WebhookSenderOptions) {
    this.webhookUrl = opts.webhookUrl;
    this.newId = opts.newId ?? randomUUID;
  }

  /** Queue a delivery; by default it is sent after every earlier one was answered (see DeliveryModel). */
  send(event: string, payload: Record<string, unknown>): Delivery {
    const skip = this.drop?.(event, payload) ?? false;
    const d: Delivery = {
      id: this.newId(),
      event,
      action: typeof payload.action === 'string' ? payload.action : undefined,
      payload,
      status: 0,
      attempts: 0,
      redelivery: false,
    };
    if (skip) {
      this.dropped++;
      d.error = 'not delivered';
      return d;
    }
    this.list.push(d);
    this.byId.set(d.id, d);
    const retain = this.opts.retainPayloads ?? 2000;
    if (this.list.length > retain) {
      const old = this.list[this.list.length - 1 - retain]!;
      old.payload = {};
      this.bodies.delete(old.id);
    }
    this.enqueue(d, false);
    return d;
  }

  /** Send a recorded delivery again, same id and body (GitHub's "Redeliver" button); resolves with its status. */
  async redeliver(id: string): Promise<Delivery> {
    const d = this.byId.get(id);
    if (!d) throw new Error(`sandbox: no delivery with id ${id}; deliveries() lists the ids`);
    if (!this.bodies.has(id))
      throw new Error(`sandbox: delivery ${id} is too old to redeliver (raise retainPayloads to keep more)`);
    await this.enqueue(d, true);
    return d;
  }

  deliveries(): Delivery[] {
    return [...this.list];
  }

  /** Resolves when every delivery queued so far has been answered (or failed to connect). */
  settled(): Promise<void> {
    if (!this.waiting.length && !this.inFlight) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  private enqueue(d: Delivery, redelivery: boolean): Promise<void> {
    let body = this.bodies.get(d.id);
    if (body === undefined) {
      body = JSON.stringify(d.payload);
      this.bodies.set(d.id, body);
    }
    const text = body;
    return new Promise<void>((done) => {
      this.waiting.push({ d, body: text, redelivery, done });
      // Sent on a later tick, never inside the call that caused the event: the caller's synchronous code (which may
      // change webhookUrl) finishes first, as it did when deliveries were chained on one promise.
      queueMicrotask(() => this.pump());
    });
  }

  /** Start deliveries while fewer than `concurrency` are in flight, each picked within the reorder window. */
  private pump(): void {
    const m = this.opts.delivery ?? {};
    const concurrency = Math.max(1, m.concurrency ?? 1);
    const window = Math.max(1, m.window ?? 1);
    while (this.inFlight < concurrency && this.waiting.length) {
      const pick = Math.floor((m.random ?? Math.random)() * Math.min(window, this.waiting.length));
      const [next] = this.waiting.splice(window > 1 ? pick : 0, 1);
      if (!next) break;
      this.inFlight++;
      void this.post(next.d, next.body, next.redelivery).finally(() => {
        this.inFlight--;
        next.done();
        this.pump();
        if (!this.waiting.length && !this.inFlight) for (const r of this.idle.splice(0)) r();
      });
    }
  }

  private async post(d: Delivery, body: string, redelivery: boolean): Promise<void> {
    d.attempts++;
    d.redelivery = redelivery;
    const url = this.webhookUrl;
    if (!url) {
      d.status = 0;
      d.error = 'no webhookUrl set';
      return;
    }
    const headers = {
      'user-agent': 'GitHub-Hookshot/sandbox',
      'x-github-event': d.event,
      'x-github-delivery': d.id,
      'x-hub-signature-256': signBody(this.opts.secret, body),
      'x-github-hook-id': '1',
      'x-github-hook-installation-target-type': 'integration',
      'x-github-hook-installation-target-id': String(this.opts.appId),
    };
    const started = performance.now();
    const at = (this.opts.clock ?? (() => new Date()))();
    let answer: PostResult | undefined;
    try {
      answer = await postJson(url, body, headers, this.opts.timeoutMs ?? DELIVERY_TIMEOUT_MS);
      d.status = answer.status;
      d.error = undefined;
    } catch (err) {
      d.status = 0;
      d.error = errorMessage(err);
    }
    const payload = this.bodies.has(d.id) ? (JSON.parse(body) as Record<string, unknown>) : null;
    this.opts.log?.record({
      guid: d.id,
      delivered_at: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      redelivery,
      duration: Math.round(performance.now() - started) / 1000,
      status: attemptStatus(d.status, d.error),
      status_code: d.status,
      event: d.event,
      action: d.action ?? null,
      installation_id: ((d.payload.installation as { id?: number } | undefined)?.id ?? null) as number | null,
      repository_id: ((d.payload.repository as { id?: number } | undefined)?.id ?? null) as number | null,
      url,
      request: { headers, payload },
      response: { headers: answer?.headers ?? {}, payload: answer?.body ?? null },
    });
  }
}
