// Real webhook deliveries: signed POSTs sent one at a time, in order (as one GitHub hook does), remembered so a test or
// the demo can list them and redeliver one under the same delivery id.
import { createHmac, randomUUID } from 'node:crypto';

export interface Delivery {
  id: string;
  event: string;
  action?: string;
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
}

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export class WebhookSender {
  webhookUrl: string | undefined;
  private readonly list: Delivery[] = [];
  private readonly byId = new Map<string, Delivery>();
  private tail: Promise<void> = Promise.resolve();
  private readonly newId: () => string;

  constructor(private readonly opts: WebhookSenderOptions) {
    this.webhookUrl = opts.webhookUrl;
    this.newId = opts.newId ?? randomUUID;
  }

  /** Queue a delivery; it is sent after every earlier one was answered. */
  send(event: string, payload: Record<string, unknown>): Delivery {
    const d: Delivery = {
      id: this.newId(),
      event,
      action: typeof payload.action === 'string' ? payload.action : undefined,
      payload,
      status: 0,
      attempts: 0,
      redelivery: false,
    };
    this.list.push(d);
    this.byId.set(d.id, d);
    this.enqueue(d, false);
    return d;
  }

  /** Send a recorded delivery again, same id and body (GitHub's "Redeliver" button); resolves with its status. */
  async redeliver(id: string): Promise<Delivery> {
    const d = this.byId.get(id);
    if (!d) throw new Error(`sandbox: no delivery with id ${id}; deliveries() lists the ids`);
    this.enqueue(d, true);
    await this.tail;
    return d;
  }

  deliveries(): Delivery[] {
    return [...this.list];
  }

  /** Resolves when every delivery queued so far has been answered (or failed to connect). */
  settled(): Promise<void> {
    return this.tail;
  }

  private enqueue(d: Delivery, redelivery: boolean): void {
    const body = JSON.stringify(d.payload);
    this.tail = this.tail.then(() => this.post(d, body, redelivery));
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
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'GitHub-Hookshot/sandbox',
          'x-github-event': d.event,
          'x-github-delivery': d.id,
          'x-hub-signature-256': signBody(this.opts.secret, body),
          'x-github-hook-id': '1',
          'x-github-hook-installation-target-type': 'integration',
          'x-github-hook-installation-target-id': String(this.opts.appId),
        },
        body,
      });
      // Drain the body so the keep-alive socket is reused.
      await res.arrayBuffer();
      d.status = res.status;
      d.error = undefined;
    } catch (err) {
      d.status = 0;
      d.error = (err as Error).message;
    }
  }
}
