// The webhook events Baton subscribes to, and the least of each payload's shape that Baton reads before it trusts
// the rest (ordering key, normalisation). A signed body that fails its shape is refused at the door with a plain
// reason, instead of failing later inside a job as a TypeError. Unknown keys pass: GitHub adds fields over time.
import { z } from 'zod';

const named = z.looseObject({ full_name: z.string().min(3) });
const num = z.number().int().positive();
const pull = z.looseObject({ number: num, head: z.looseObject({ sha: z.string(), ref: z.string() }) });
const checkPrs = z.array(z.looseObject({ number: num })).optional();

/** Event name → the payload parts Baton relies on (events without a row here are only checked to be objects). */
export const WEBHOOK_SHAPES: Record<string, z.ZodType> = {
  issues: z.looseObject({ action: z.string(), repository: named, issue: z.looseObject({ number: num }) }),
  issue_comment: z.looseObject({
    action: z.string(),
    repository: named,
    issue: z.looseObject({ number: num }),
    comment: z.looseObject({ id: num }),
  }),
  pull_request: z.looseObject({ action: z.string(), repository: named, pull_request: pull }),
  pull_request_review: z.looseObject({
    action: z.string(),
    repository: named,
    pull_request: pull,
    review: z.looseObject({ id: num }),
  }),
  check_suite: z.looseObject({
    action: z.string(),
    repository: named,
    check_suite: z.looseObject({ id: num, pull_requests: checkPrs }),
  }),
  check_run: z.looseObject({
    action: z.string(),
    repository: named,
    check_run: z.looseObject({ id: num, pull_requests: checkPrs }),
  }),
  push: z.looseObject({ ref: z.string(), repository: named }),
};

/** Why a payload cannot be used, in one line naming the first bad field; undefined when it is fine. */
export function payloadProblem(event: string, payload: unknown): string | undefined {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload))
    return `${event} payload must be a JSON object`;
  const shape = WEBHOOK_SHAPES[event];
  if (!shape) return undefined;
  const r = shape.safeParse(payload);
  if (r.success) return undefined;
  const issue = r.error.issues[0]!;
  const at = issue.path.join('.') || '(root)';
  return `${event} payload: ${at}: ${issue.message}`;
}
