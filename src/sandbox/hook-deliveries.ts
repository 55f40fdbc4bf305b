// The App webhook's delivery log, as GitHub keeps it: one item per attempt (the first send and each redelivery share
// the event's GUID), newest first, with GitHub's status strings. Served by the three routes of "REST API endpoints
// for GitHub App webhooks" (https://docs.github.com/en/rest/apps/webhooks): list deliveries (cursor pagination),
// get a delivery (with the request payload) and redeliver one (POST …/attempts, 202).
//
// What GitHub documents and this models:
// - A delivery fails when the server is down or takes longer than 10 s to answer; GitHub records the failure and
//   does not redeliver on its own (https://docs.github.com/en/webhooks/using-webhooks/handling-failed-webhook-deliveries).
//   A failed item's `status` is not "OK".
// - Deliveries can be redelivered for 3 days (https://docs.github.com/en/webhooks/testing-and-troubleshooting-webhooks/redelivering-webhooks);
//   older ones leave the log.
// - A payload over 25 MB is never delivered and leaves no item
//   (https://docs.github.com/en/webhooks/webhook-events-and-payloads#payload-cap).

export interface HookAttempt {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  duration: number;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
  installation_id: number | null;
  repository_id: number | null;
  throttled_at: string | null;
  url: string;
  request: { headers: Record<string, string>; payload: Record<string, unknown> | null };
  response: { headers: Record<string, string>; payload: string | null };
}

/** How long GitHub keeps deliveries it can redeliver. */
export const HOOK_RETENTION_MS = 3 * 86_400_000;

export class HookDeliveries {
  private readonly items: HookAttempt[] = [];
  private seq = 1000;

  constructor(private readonly now: () => Date) {}

  record(a: Omit<HookAttempt, 'id' | 'throttled_at'>): HookAttempt {
    const item: HookAttempt = { ...a, id: ++this.seq, throttled_at: null };
    this.items.push(item);
    return item;
  }

  /** Items still in the log, newest first. */
  list(status?: 'success' | 'failure'): HookAttempt[] {
    const oldest = this.now().getTime() - HOOK_RETENTION_MS;
    const out: HookAttempt[] = [];
    for (let i = this.items.length - 1; i >= 0; i--) {
      const a = this.items[i]!;
      if (Date.parse(a.delivered_at) < oldest) break;
      if (status === 'success' && a.status !== 'OK') continue;
      if (status === 'failure' && a.status === 'OK') continue;
      out.push(a);
    }
    return out;
  }

  get(id: number): HookAttempt | undefined {
    return this.list().find((a) => a.id === id);
  }

  /** The list item without request and response (GitHub's "Simple webhook delivery"). */
  static simple(a: HookAttempt): Omit<HookAttempt, 'url' | 'request' | 'response'> {
    const { url: _u, request: _q, response: _r, ...rest } = a;
    return rest;
  }
}

/** GitHub's `status` text for an attempt's outcome. */
export function attemptStatus(code: number, error?: string): string {
  if (code >= 200 && code < 300) return 'OK';
  if (code > 0) return `Invalid HTTP Response: ${code}`;
  return error === 'timeout' ? 'timed out' : 'failed to connect to host';
}
