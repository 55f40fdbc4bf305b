// The `digest:` section of flow.yml. Owned by the report/digest code; imported by the flow schema.
import { z } from 'zod';

export const DigestConfigSchema = z
  .object({
    cron: z
      .string()
      .min(9)
      .optional()
      .describe('When to post the Workflow Wins digest (5-field cron, UTC; default `0 9 * * 1`).'),
    issue: z.number().int().positive().optional().describe('Issue number to post the digest on (created if absent).'),
    enabled: z.boolean().optional(),
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
