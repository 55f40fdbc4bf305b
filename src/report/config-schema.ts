// The `digest:` section of flow.yml. Owned by the report/digest code; imported by the flow schema. The default is a
// JSON Schema `default` on its field, applied where it is used (not a zod `.default()`: see src/llm/config-schema.ts).
import { z } from 'zod';

export const DIGEST_DEFAULTS = { cron: '0 9 * * 1' } as const;

export const DigestConfigSchema = z
  .object({
    cron: z
      .string()
      .min(9)
      .optional()
      .meta({ default: DIGEST_DEFAULTS.cron })
      .describe('When to post the Workflow Wins digest (5-field cron, UTC; Mondays 09:00).'),
    issue: z.number().int().positive().optional().describe('Issue number to post the digest on (created if absent).'),
    enabled: z
      .boolean()
      .optional()
      .describe(
        'Post the digest (default: only when `issue` is set; `true` without `issue` creates one on the first post).',
      ),
    org: z
      .boolean()
      .optional()
      .describe(
        "In the org flow: post one digest for every repository of the org, on an issue in the org's `.github` repository (one row per repository), instead of one per repository.",
      ),
  })
  .strict()
  .describe('The weekly Workflow Wins digest.');

export type DigestConfig = z.infer<typeof DigestConfigSchema>;
