// The partner API's request and response shapes: one zod schema each, used to validate requests, to type the
// handlers and to generate the OpenAPI document (openapi.ts), so the three cannot drift apart.
import { z } from 'zod';

export const API_VERSION = 'v1';
export const API_PREFIX = `/api/${API_VERSION}`;

export const SCOPES = ['create', 'read', 'comment', 'cancel', 'webhooks'] as const;
export type Scope = (typeof SCOPES)[number];

const Repo = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'a repository is `owner/name`')
  .describe('The repository, `owner/name`.');

export const CreateRunRequest = z
  .object({
    repo: Repo,
    flow: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe('The flow to start (its name or trigger label); optional when the token is scoped to one flow.'),
    title: z.string().trim().min(1).max(256).describe("The issue's title (GitHub allows 256 characters)."),
    body: z
      .string()
      .max(20_000)
      .default('')
      .describe('Markdown shown on the issue; mentions and links are made inert.'),
    fields: z
      .record(z.string(), z.string().max(10_000))
      .default({})
      .describe("Values for the flow's `api.fields`; unknown fields are refused."),
  })
  .strict()
  .meta({ id: 'CreateRunRequest' });
export type CreateRunRequest = z.infer<typeof CreateRunRequest>;

export const CommentRequest = z
  .object({ body: z.string().trim().min(1).max(20_000).describe('The note, in Markdown; it is sanitised.') })
  .strict()
  .meta({ id: 'CommentRequest' });

export const WebhookRequest = z
  .object({
    url: z.url().max(2000).describe('Where Baton POSTs stage changes (https, a public address).'),
    runs: z
      .enum(['own', 'all'])
      .default('own')
      .describe("`own`: runs this token started; `all`: every run in the token's scope."),
  })
  .strict()
  .meta({ id: 'WebhookRequest' });

export const TimelineEntry = z
  .object({
    at: z.string().describe('ISO 8601 time.'),
    from: z.string().nullable(),
    to: z.string(),
    kind: z.enum(['start', 'forward', 'back', 'manual', 'done', 'cancel']),
  })
  .meta({ id: 'TimelineEntry' });

export const RunStatus = z.enum(['starting', 'active', 'done', 'cancelled']);

export const Run = z
  .object({
    id: z.string().describe('Opaque run id.'),
    repo: z.string(),
    issue: z.number().int(),
    url: z.string().describe('The issue on GitHub.'),
    title: z.string().nullable(),
    flow: z.string().nullable(),
    status: RunStatus,
    stage: z.string().nullable().describe('The current stage (`in progress` for stages the flow keeps internal).'),
    owner: z.array(z.string()).nullable().describe('Who holds the stage, when the flow lets partners see it.'),
    created_by: z.string().nullable().describe('The token name that started the run through the API, if any.'),
    timeline: z.array(TimelineEntry),
    pull_requests: z.array(z.object({ number: z.number().int(), merged: z.boolean() })),
  })
  .meta({ id: 'Run' });
export type Run = z.infer<typeof Run>;

export const RunList = z
  .object({
    runs: z.array(Run),
    next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page.'),
  })
  .meta({ id: 'RunList' });

export const ListRunsQuery = z
  .object({
    repo: Repo.optional(),
    status: RunStatus.optional(),
    mine: z.enum(['true', 'false']).optional().describe('Only runs this token started.'),
    cursor: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(30),
  })
  .strict();

export const CommentCreated = z.object({ id: z.number().int(), url: z.string() }).meta({ id: 'CommentCreated' });

export const Webhook = z
  .object({
    id: z.string(),
    url: z.string(),
    runs: z.enum(['own', 'all']),
    secret: z.string().optional().describe('The signing secret; shown only in the answer that created it.'),
    created_at: z.string(),
  })
  .meta({ id: 'Webhook' });

export const WebhookList = z.object({ webhooks: z.array(Webhook) }).meta({ id: 'WebhookList' });

/** RFC 9457 problem details. */
export const Problem = z
  .object({
    type: z.string().describe('A URI naming the kind of problem (`about:blank` for plain HTTP errors).'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional().describe('What went wrong and how to fix it, in plain words.'),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .describe('Per-field problems of a refused request.'),
  })
  .meta({ id: 'Problem' });
export type Problem = z.infer<typeof Problem>;

/** The body of an outbound webhook delivery (`run.stage_changed`). */
export const StageChangedEvent = z
  .object({
    event: z.literal('run.stage_changed'),
    delivery: z.string().describe('Unique per delivery: deduplicate on it.'),
    sent_at: z.string(),
    run: z.object({ id: z.string(), repo: z.string(), issue: z.number().int(), url: z.string() }),
    change: TimelineEntry,
  })
  .meta({ id: 'StageChangedEvent' });
export type StageChangedEvent = z.infer<typeof StageChangedEvent>;
