// Recovery of failed deliveries. GitHub does not redeliver a failed delivery on its own; it suggests a scheduled job
// that lists the App's deliveries since its last run, finds those whose status is not "OK" and recovers them
// (https://docs.github.com/en/webhooks/using-webhooks/handling-failed-webhook-deliveries; the endpoints are in
// https://docs.github.com/en/rest/apps/webhooks). This is that job: on start and every few minutes, one replica at
// a time (a lease in the store), it walks GET /app/hook/deliveries back to its stored cursor, groups attempts by
// GUID, and for every GUID with no successful attempt, of an event Baton subscribes to, not already in the store:
//
// fetch-and-enqueue (the default): GET /app/hook/deliveries/{id} gives the payload GitHub sent, which is recorded
// under the delivery's GUID through the same path as the webhook door (so it is deduplicated by delivery id, and a
// late redelivery of it is a no-op). Chosen over POST …/attempts (redeliver) because it does not depend on Baton's
// public URL being reachable again (a network partition would fail the redelivery too), it finishes within the pass
// instead of at GitHub's leisure, it keeps the recovered events in their original order (oldest first), and it costs
// the same one request per missed event. `baton deliveries --redeliver` asks GitHub to redeliver instead (and GitHub's
// log then shows them delivered).
import type { Store } from '../store/types.js';
import type { AppHooksPort, HookDeliveryItem } from '../github/port.js';
import { payloadProblem } from '../github/webhook-shapes.js';
import { EVENTS_READ_ELSEWHERE, GITHUB_EVENTS } from '../github/events.js';
import type { IngressOutcome } from './ingress.js';
import { tryLease } from './lease.js';

export interface RecoveryLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface RecoveryDeps {
  store: Store;
  /** A port authenticated as the App (JWT). */
  hooks(): Promise<AppHooksPort>;
  /** Record and enqueue, exactly as the webhook door does. */
  record(id: string, name: string, payload: Record<string, unknown>): Promise<IngressOutcome>;
  log: RecoveryLogger;
  now?: () => Date;
}

export interface RecoveryOptions {
  /** Walk back to this time instead of the stored cursor (`baton deliveries --since 24h`). */
  since?: Date;
  /** fetch: fetch payloads and enqueue them; redeliver: ask GitHub to send them again; list: only report. */
  mode?: 'fetch' | 'redeliver' | 'list';
  /** How far back the very first pass looks (no cursor yet). GitHub keeps deliveries 3 days. Default 24 h. */
  firstLookbackMs?: number;
}

export interface MissedDelivery {
  guid: string;
  event: string;
  action: string | null;
  deliveredAt: string;
  attempts: number;
  lastStatus: string;
  /** Id of the latest attempt (what GET/POST …/deliveries/{id} take). */
  attemptId: number;
  /** Id of the first attempt: GitHub's ids grow with time, and break ties of delivered_at (whole seconds). */
  firstId: number;
  outcome?: 'queued' | 'duplicate' | 'ignored' | 'redelivered' | 'failed';
  reason?: string;
}

export interface RecoveryReport {
  /** False when another replica holds the lease. */
  ran: boolean;
  pages: number;
  attemptsListed: number;
  /** GUIDs without a successful attempt. */
  failed: number;
  /** Failed, but already in the store (answered 5xx after recording, e.g. a store that stalled). */
  alreadyRecorded: number;
  /** Failed deliveries of events Baton does not subscribe to. */
  notSubscribed: number;
  missed: MissedDelivery[];
  recovered: number;
  errors: number;
  /** GitHub requests this pass made. */
  requests: number;
  /** The stored cursor after the pass (newest delivered_at fully handled). */
  cursor?: string;
}

const CURSOR_NS = 'recovery';
/** Attempts finish slightly out of order around the cursor: re-read a few seconds before it (store checks only). */
const OVERLAP_MS = 5_000;
/** Longest a pass may hold the lease before another replica may take over. */
export const RECOVERY_LEASE_MS = 120_000;

export async function recoverDeliveries(deps: RecoveryDeps, o: RecoveryOptions = {}): Promise<RecoveryReport> {
  const now = deps.now?.() ?? new Date();
  const mode = o.mode ?? 'fetch';
  const report: RecoveryReport = {
    ran: false,
    pages: 0,
    attemptsListed: 0,
    failed: 0,
    alreadyRecorded: 0,
    notSubscribed: 0,
    missed: [],
    recovered: 0,
    errors: 0,
    requests: 0,
  };
  const lease = mode === 'list' ? undefined : await tryLease(deps.store, 'recovery', RECOVERY_LEASE_MS, now.getTime());
  if (mode !== 'list' && !lease) return report;
  report.ran = true;
  const hooks = await deps.hooks();
  try {
    const cursor = await deps.store.kvGet(CURSOR_NS, 'cursor');
    const stopAt =
      o.since?.getTime() ??
      (cursor ? Date.parse(cursor) - OVERLAP_MS : now.getTime() - (o.firstLookbackMs ?? 86_400_000));

    // 1. Walk newest → oldest until the stop time, grouping attempts by GUID.
    const byGuid = new Map<string, HookDeliveryItem[]>();
    let newest: string | undefined;
    let next: string | undefined;
    let done = false;
    do {
      const page = await hooks.listDeliveries({ ...(next ? { cursor: next } : {}) });
      report.pages++;
      for (const item of page.items) {
        if (Date.parse(item.delivered_at) < stopAt) {
          done = true;
          break;
        }
        report.attemptsListed++;
        if (!newest || item.delivered_at > newest) newest = item.delivered_at;
        const list = byGuid.get(item.guid) ?? [];
        list.push(item);
        byGuid.set(item.guid, list);
      }
      next = page.next;
    } while (!done && next);

    // 2. GUIDs that never got an OK, oldest first (so their jobs queue in the order GitHub sent them).
    const missed: MissedDelivery[] = [];
    for (const [guid, attempts] of byGuid) {
      if (attempts.some((a) => a.status === 'OK')) continue;
      report.failed++;
      const latest = attempts.reduce((a, b) => (b.id > a.id ? b : a));
      const first = attempts.reduce((a, b) => (b.id < a.id ? b : a));
      if (!GITHUB_EVENTS.includes(latest.event) && !EVENTS_READ_ELSEWHERE.includes(latest.event)) {
        report.notSubscribed++;
        continue;
      }
      if (await deps.store.getDelivery(guid)) {
        report.alreadyRecorded++;
        continue;
      }
      missed.push({
        guid,
        event: latest.event,
        action: latest.action,
        deliveredAt: first.delivered_at,
        attempts: attempts.length,
        lastStatus: latest.status,
        attemptId: latest.id,
        firstId: first.id,
      });
    }
    missed.sort((a, b) =>
      a.deliveredAt < b.deliveredAt ? -1 : a.deliveredAt > b.deliveredAt ? 1 : a.firstId - b.firstId,
    );
    report.missed = missed;

    // 3. Recover each.
    if (mode !== 'list')
      for (const m of missed) {
        try {
          await recoverOne(deps, hooks, m, mode);
          if (m.outcome === 'queued' || m.outcome === 'redelivered') report.recovered++;
          if (m.outcome === 'duplicate') report.alreadyRecorded++;
        } catch (err) {
          m.outcome = 'failed';
          m.reason = String((err as Error)?.message ?? err);
          report.errors++;
          deps.log.warn({ delivery: m.guid, event: m.event, err: m.reason }, 'could not recover a failed delivery');
        }
      }

    // The cursor moves only past a fully handled walk; otherwise the next pass walks the same window again (what
    // was recovered is in the store by then and costs no request).
    if (mode !== 'list' && report.errors === 0 && newest) {
      await deps.store.kvSet(CURSOR_NS, 'cursor', newest);
      report.cursor = newest;
    } else report.cursor = cursor;
    deps.log.info(
      {
        pages: report.pages,
        failed: report.failed,
        recovered: report.recovered,
        alreadyRecorded: report.alreadyRecorded,
        errors: report.errors,
        requests: hooks.requests,
      },
      'delivery recovery pass',
    );
    return report;
  } finally {
    report.requests = hooks.requests;
    await lease?.release().catch(() => undefined);
  }
}

async function recoverOne(
  deps: RecoveryDeps,
  hooks: AppHooksPort,
  m: MissedDelivery,
  mode: 'fetch' | 'redeliver',
): Promise<void> {
  if (mode === 'redeliver') {
    await hooks.redeliver(m.attemptId);
    m.outcome = 'redelivered';
    return;
  }
  const detail = await hooks.getDelivery(m.attemptId);
  const payload = detail.request?.payload;
  if (!payload) {
    // GitHub kept no payload for it: let GitHub send it again instead.
    await hooks.redeliver(m.attemptId);
    m.outcome = 'redelivered';
    return;
  }
  const problem = payloadProblem(m.event, payload);
  if (problem) {
    m.outcome = 'ignored';
    m.reason = problem;
    deps.log.warn({ delivery: m.guid, event: m.event, reason: problem }, 'failed delivery not recoverable');
    return;
  }
  if (!(payload.installation as { id?: unknown } | undefined)?.id) {
    m.outcome = 'ignored';
    m.reason = 'no installation in the payload';
    return;
  }
  m.outcome = await deps.record(m.guid, m.event, payload);
}

/** Run `fn` now and then every `intervalMs` (0 = only now), never two at once; stop() waits for the one running. */
export function every(
  intervalMs: number,
  fn: () => Promise<unknown>,
  onError: (e: unknown) => void,
): { stop(): Promise<void>; kick(): Promise<void>; idle(): Promise<void> } {
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running) return running;
    running = fn()
      .then(() => undefined)
      .catch(onError)
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = intervalMs > 0 ? setInterval(tick, intervalMs) : undefined;
  timer?.unref();
  void tick();
  return {
    kick: tick,
    idle: () => running ?? Promise.resolve(),
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
