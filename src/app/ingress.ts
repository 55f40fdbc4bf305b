// The webhook door. Its one promise: a 2xx means the delivery is verified and durably recorded (or deliberately
// ignored). Anything that stops that from happening in time — a slow upload, a slow or full store, a shutdown — is
// answered with a 5xx, so GitHub marks the delivery failed and Baton's recovery (app/recovery.ts) fetches it later.
//
// GitHub's rules this follows:
// - "Payloads are capped at 25 MB" (https://docs.github.com/en/webhooks/webhook-events-and-payloads#payload-cap):
//   a bigger body cannot be GitHub's, so it is refused with 413 while streaming, before it is buffered.
// - GitHub waits 10 s for an answer, then records a failure and does not redeliver on its own
//   (https://docs.github.com/en/webhooks/using-webhooks/handling-failed-webhook-deliveries); the answer must come
//   before that, and it must only be a 2xx once the delivery is stored
//   (https://docs.github.com/en/webhooks/using-webhooks/best-practices-for-using-webhooks: respond within 10 s,
//   process asynchronously).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Webhooks } from '@octokit/webhooks';
import { payloadProblem } from '../github/webhook-shapes.js';
import { errorMessage } from '../ops/errors.js';

/** GitHub's payload cap. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;
/** Time from the first byte to the recorded delivery: under GitHub's 10 s, with room for the answer to travel. */
export const RECORD_DEADLINE_MS = 8000;

export type IngressOutcome = 'queued' | 'duplicate' | 'ignored';

export interface IngressLogger {
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
}

export interface IngressOptions {
  secret: string;
  path: string;
  maxBytes?: number;
  deadlineMs?: number;
  /** False while shutting down: new deliveries get a 503 (recovery picks them up after the restart). */
  accepting(): boolean;
  /** Record (and enqueue) a verified, well-formed delivery; resolves once it is durable. */
  record(d: { id: string; name: string; payload: Record<string, unknown> }): Promise<IngressOutcome>;
  log: IngressLogger;
  /** Every answer, for metrics and tests: the status and why. */
  onAnswer?(a: { status: number; reason: string; delivery?: string; event?: string }): void;
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A node handler: true when the request was for the webhook path (and was answered). */
export function createIngress(o: IngressOptions): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const maxBytes = o.maxBytes ?? MAX_WEBHOOK_BYTES;
  const deadlineMs = o.deadlineMs ?? RECORD_DEADLINE_MS;
  const verifier = new Webhooks({ secret: o.secret });

  return async (req, res) => {
    const url = req.url ?? '/';
    const pathname = url.split('?')[0];
    if (pathname !== o.path) return false;
    const delivery = header(req, 'x-github-delivery');
    const event = header(req, 'x-github-event');
    let answered = false;
    const answer = (status: number, reason: string, extra: Record<string, unknown> = {}) => {
      if (answered || res.headersSent) return;
      answered = true;
      o.onAnswer?.({ status, reason, ...(delivery ? { delivery } : {}), ...(event ? { event } : {}) });
      const body = JSON.stringify(status < 300 ? { ok: true, ...extra } : { error: reason });
      // A refused upload is not read to its end: ask the client to close rather than reuse the connection.
      const close = status === 413 || (status >= 500 && !req.complete);
      res.writeHead(status, {
        'content-type': 'application/json',
        ...(close ? { connection: 'close' } : {}),
      });
      res.end(body);
      if (close) req.resume();
    };
    // One clock for the whole delivery: body, verification and the store write must all fit in it.
    const timer = setTimeout(
      () =>
        answer(
          503,
          'the delivery could not be recorded in time; GitHub will show it as failed and Baton recovers it from the deliveries API',
        ),
      deadlineMs,
    );
    try {
      if (req.method !== 'POST') throw new Refusal(405, `${o.path} accepts POST only`);
      if (!o.accepting())
        throw new Refusal(503, 'Baton is shutting down; it recovers this delivery from the deliveries API on start');
      if (!delivery || !event) throw new Refusal(400, 'missing X-GitHub-Delivery or X-GitHub-Event header');
      const signature = header(req, 'x-hub-signature-256');
      if (!signature) throw new Refusal(401, 'missing X-Hub-Signature-256: is the webhook secret set on the App?');
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes)
        throw new Refusal(413, `body of ${declared} bytes is over GitHub's ${maxBytes}-byte payload cap`);
      const raw = await readLimited(req, maxBytes, () => answered);
      if (answered) return true;
      if (!(await verifier.verify(raw, signature)))
        throw new Refusal(401, 'signature does not match the body and the webhook secret');
      let payload: unknown;
      try {
        payload = JSON.parse(raw);
      } catch {
        throw new Refusal(400, 'body is not JSON');
      }
      if (event === 'ping') {
        answer(200, 'pong', { pong: true });
        return true;
      }
      const problem = payloadProblem(event, payload);
      if (problem) throw new Refusal(400, problem);
      const p = payload as Record<string, unknown>;
      if (!(p.installation as { id?: unknown } | undefined)?.id) {
        // Nothing can be done without an installation token; acknowledging stops GitHub from counting a failure,
        // and the reason is logged once here instead of six failed job attempts later.
        o.log.warn({ delivery, event }, 'delivery without an installation: acknowledged and ignored');
        answer(202, 'ignored: no installation in the payload', { ignored: 'no installation' });
        return true;
      }
      const outcome = await o.record({ id: delivery, name: event, payload: p });
      if (answered) {
        // The deadline passed while the store was writing: GitHub got a 503 and recovery will find the delivery
        // already recorded (it checks the store before fetching).
        o.log.warn({ delivery, event }, 'delivery recorded after its deadline; GitHub was told it failed');
        return true;
      }
      answer(outcome === 'ignored' ? 202 : 200, outcome, { outcome });
    } catch (err) {
      if (err instanceof Refusal) answer(err.status, err.message);
      else {
        // The store (or queue) failed: say so plainly, never with internals, and let recovery fetch it later.
        o.log.warn({ delivery, event, err: errorMessage(err) }, 'could not record the delivery');
        answer(503, 'the delivery could not be recorded; Baton recovers it from the deliveries API');
      }
    } finally {
      clearTimeout(timer);
    }
    return true;
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Read the body up to `max` bytes; past it, stop reading and refuse with 413 (nothing over the cap is kept). */
function readLimited(req: IncomingMessage, max: number, gaveUp: () => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > max) {
        cleanup();
        chunks.length = 0;
        reject(new Refusal(413, `body is over GitHub's ${max}-byte payload cap`));
        return;
      }
      if (gaveUp()) {
        // Answered already (deadline): drop what arrived and let the rest drain unread.
        cleanup();
        chunks.length = 0;
        req.resume();
        resolve('');
        return;
      }
      chunks.push(c);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (e: Error) => {
      cleanup();
      reject(new Refusal(400, `upload failed: ${e.message}`));
    };
    const onAborted = () => {
      cleanup();
      reject(new Refusal(400, 'upload aborted'));
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}
