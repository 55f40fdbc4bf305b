// The zod schema of `.github/flow.yml`: the single source of its TypeScript types, its JSON Schema
// (schema/flow.schema.json, emitted by `npm run schema`) and the configuration reference in the README.
// Every field carries a `.describe()` because those strings ARE the reference docs.
import { z } from 'zod';
import { LlmConfigSchema } from '../llm/config-schema.js';
import { RiskConfigSchema } from '../tasks/risk/config-schema.js';
import { DigestConfigSchema } from '../report/config-schema.js';
import { DURATION_HINT, DURATION_PATTERN } from './duration.js';
import { ACTION_DOCS, WORD_ACTIONS, WORD_ACTIONS_DESCRIPTION } from './actions.js';
import { ApiConfigSchema } from '../api/config-schema.js';

/** Defaults of transition fields (JSON Schema `default`s; the engine applies them, the reference shows them). */
export const TRANSITION_DEFAULTS = { conclusion: 'success' } as const;
/** The `docs` action's options when it is written as a bare word (zod fills them in for the object form). */
export const DOCS_DEFAULTS = { changelog: 'CHANGELOG.md', pr: false } as const;

export const DurationSchema = z
  .string()
  .regex(DURATION_PATTERN, `a duration is ${DURATION_HINT}`)
  .describe('A duration such as `30m`, `4h`, `2d`, `1w`.');

const Login = z
  .string()
  .regex(
    /^@?[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\[bot\])?$|^[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9_.-]+$/,
    'a member is a GitHub login (`alice`) or an `org/team` slug',
  );

export const RoleSchema = z
  .union([Login, z.array(Login).min(1)])
  .describe('GitHub logins and `org/team` slugs that fill the role; a single string is a one-member role.');

export const StageIdSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9_-]{0,39}$/,
    'a stage id is lower-case letters, digits, `-` or `_`, starting with a letter (max 40)',
  );

export const EVENT_NAMES = [
  'issue.labeled',
  'issue.unlabeled',
  'issue.closed',
  'issue.reopened',
  'pr.linked',
  'pr.opened',
  'pr.ready_for_review',
  'pr.synchronize',
  'pr.merged',
  'pr.closed',
  'review.approved',
  'review.changes_requested',
  'checks.completed',
  'command',
] as const;
export const EventNameSchema = z
  .enum(EVENT_NAMES)
  .describe(
    'What moves the run on. `pr.linked` fires when a PR is tied to the issue (closing keyword, branch name or `/baton link #n`); ' +
      '`pr.opened` when a linked PR is opened (not draft); `pr.merged` / `pr.closed` when it is closed merged / unmerged; ' +
      '`checks.completed` when a check suite or run of the linked PR head completes; `command` on `/baton <command>`. ' +
      'Closing the issue takes an `issue.closed` transition, or else cancels the run, except the close GitHub makes ' +
      'when the run\'s PR that says "Fixes #N" is merged into the default branch: that counts as the merge.',
  );

export const CONCLUSIONS = [
  'success',
  'failure',
  'neutral',
  'cancelled',
  'timed_out',
  'action_required',
  'skipped',
  'stale',
] as const;

export const TransitionSchema = z
  .object({
    event: EventNameSchema,
    to: StageIdSchema.describe('The stage to move to. A stage earlier in the list is a bounce-back (counted in KPIs).'),
    label: z.string().min(1).optional().describe('`issue.labeled` / `issue.unlabeled`: only this label.'),
    approvals: z
      .number()
      .int()
      .min(1)
      .max(20)
      .optional()
      .describe('`review.approved`: at least this many distinct approvals on the PR.'),
    approved_by: z
      .string()
      .optional()
      .describe('`review.approved`: the approval must come from a member of this role.'),
    conclusion: z
      .union([z.enum(CONCLUSIONS), z.array(z.enum(CONCLUSIONS)).min(1)])
      .optional()
      .meta({ default: TRANSITION_DEFAULTS.conclusion })
      .describe('`checks.completed`: only these conclusions.'),
    check: z
      .string()
      .min(1)
      .optional()
      .describe('`checks.completed`: only the check run with this name (default: the whole check suite).'),
    required_checks: z
      .boolean()
      .optional()
      .describe(
        "`checks.completed`: wait for the status checks the PR's base branch requires (its rulesets and branch protection) and compare `conclusion` with their combined result; when Baton cannot read them, or the branch requires none, every check on the head counts.",
      ),
    command: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/)
      .optional()
      .describe('`command`: the word after `/baton`, e.g. `ship` for `/baton ship`.'),
  })
  .strict()
  .describe('A transition: when `event` happens (and every guard holds), move to `to`.');

export const ActionSchema = z
  .union([
    z.enum(WORD_ACTIONS).describe(WORD_ACTIONS_DESCRIPTION),
    z
      .object({
        comment: z.string().min(1).max(20000).describe(ACTION_DOCS.comment.object),
      })
      .strict(),
    z
      .object({
        label: z
          .object({
            add: z.array(z.string().min(1)).optional().describe('Labels added to the issue.'),
            remove: z.array(z.string().min(1)).optional().describe('Labels removed from the issue.'),
          })
          .strict()
          .describe(ACTION_DOCS.label.object),
      })
      .strict(),
    z
      .object({
        request_review: z.string().describe(ACTION_DOCS.request_review.object),
      })
      .strict(),
    z
      .object({
        docs: z
          .object({
            changelog: z.string().default(DOCS_DEFAULTS.changelog).describe('The docs file the follow-up PR updates.'),
            pr: z
              .boolean()
              .default(DOCS_DEFAULTS.pr)
              .describe('Open a follow-up PR (on a new branch) that updates the docs file.'),
          })
          .strict()
          .describe('Draft the docs change for the merged PR (the `docs` action with its options).'),
      })
      .strict(),
  ])
  .describe('Something Baton does when a run enters the stage.');

export const StageSchema = z
  .object({
    id: StageIdSchema.describe(
      'Unique id of the stage; also the stage label `baton:<id>`. Children of `extends` refer to stages by id.',
    ),
    name: z.string().max(80).optional().describe('Human name shown on the status card.'),
    owner: z.string().optional().describe('Who owns the stage: a role name, `issue.author`, `pr.author` or `@login`.'),
    sla: DurationSchema.optional().describe('Nudge the owner once when the run stays in the stage longer than this.'),
    enter: z.array(ActionSchema).optional().describe('Actions run on entering the stage, in order.'),
    on: z.array(TransitionSchema).optional().describe('Transitions out of the stage, first match wins.'),
    final: z.boolean().optional().describe('The run is done when it reaches this stage.'),
    before: StageIdSchema.optional().describe('In a child flow: insert this new stage before that base stage.'),
    after: StageIdSchema.optional().describe('In a child flow: insert this new stage after that base stage.'),
    remove: z.boolean().optional().describe('In a child flow: remove the base stage with this id.'),
  })
  .strict();

export const FlowFileSchema = z
  .object({
    $schema: z.string().optional().describe('Path or URL of flow.schema.json, for editors.'),
    version: z.literal(1).describe('Format version; always 1.'),
    extends: z
      .string()
      .regex(
        /^(org|preset:[a-z0-9-]+|[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+:[^@\s]+(@[^\s]+)?)$/,
        'extends is `org`, `preset:<name>` or `owner/repo:path/to/base.yml@ref`',
      )
      .optional()
      .describe(
        "A base flow: `org` (the org flow: `.github/flow.yml` in the owner's `.github` repository, which a repository without its own flow.yml runs as is), `preset:feature` (bundled) or `owner/repo:path.yml@ref` (a file in another repo of the org). The child overrides stages by id, inserts with `before`/`after`, removes with `remove: true`, and merges roles (org roles such as `acme/seniors` are inherited).",
      ),
    enabled: z
      .boolean()
      .optional()
      .describe(
        '`false` opts this repository out: Baton starts no run here, even though the org flow would apply. Nothing else in the file is needed then.',
      ),
    name: z.string().max(80).optional().describe('Name of the flow, shown on the status card.'),
    trigger: z
      .string()
      .min(1)
      .optional()
      .describe('The issue label that starts a run, e.g. `flow:feature`. Required once extends are resolved.'),
    roles: z
      .record(
        z.string().regex(/^[a-z][a-z0-9_-]*$/, 'a role name is lower-case letters, digits, `-` or `_`'),
        RoleSchema,
      )
      .optional()
      .describe('Role name → members.'),
    stages: z.array(StageSchema).optional().describe('The stages, in order. The first is where a run starts.'),
    ignore_bots: z
      .array(z.string().min(1))
      .optional()
      .describe(
        "Bots whose events never move a run (e.g. `renovate[bot]`). Other bots' merges, pushes, reviews and check results do; commands from bots are always ignored.",
      ),
    risk: RiskConfigSchema.optional(),
    llm: LlmConfigSchema.optional(),
    digest: DigestConfigSchema.optional(),
    api: ApiConfigSchema.optional(),
  })
  .strict();

export type FlowFile = z.infer<typeof FlowFileSchema>;
export type StageConfig = z.infer<typeof StageSchema>;
export type TransitionConfig = z.infer<typeof TransitionSchema>;
export type ActionConfig = z.infer<typeof ActionSchema>;
export type EventName = (typeof EVENT_NAMES)[number];
