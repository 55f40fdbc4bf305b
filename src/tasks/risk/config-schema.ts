// The `risk:` section of flow.yml. Owned by the risk task; imported by the flow schema.
import { z } from 'zod';

export const RiskConfigSchema = z
  .object({
    thresholds: z
      .object({ medium: z.number().min(0).max(1).optional(), high: z.number().min(0).max(1).optional() })
      .strict()
      .optional()
      .describe('Score thresholds for `medium` and `high`.'),
    sensitive_paths: z
      .array(z.string().min(1))
      .optional()
      .describe('Globs of sensitive paths (migrations, auth, infra, CI) that raise the risk.'),
    model: z
      .string()
      .min(1)
      .regex(/\.json$/, 'a model file written by `baton risk fit`, e.g. .github/baton-risk-model.json')
      .optional()
      .describe(
        'Path (in this repo) of a model written by `baton risk fit` on your own history; without it the built-in coefficients score.',
      ),
    senior_role: z.string().optional().describe('Role requested on high-risk PRs (default `senior`).'),
    block_merge: z
      .boolean()
      .optional()
      .describe('Keep the "Baton / risk" check failing on high-risk PRs until a senior approves (default true).'),
  })
  .strict()
  .describe('Risk assessment of linked PRs.');

export type RiskConfig = z.infer<typeof RiskConfigSchema>;
