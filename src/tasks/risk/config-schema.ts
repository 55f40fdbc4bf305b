// The `risk:` section of flow.yml. Owned by the risk task; imported by the flow schema. Its defaults live here, on
// their fields as JSON Schema `default` (the reference shows them) and applied once by normalizeFlow — not as zod
// `.default()`s, because flow files are parsed one by one before `extends` merges them, and a child's filled-in
// default would override its base's explicit value (see src/llm/config-schema.ts).
import { z } from 'zod';

export const RISK_DEFAULTS = { senior_role: 'senior', block_merge: true, comment: 'compact' } as const;

export const RiskConfigSchema = z
  .object({
    thresholds: z
      .object({
        medium: z.number().min(0).max(1).optional().describe('Score from which a change is `medium` risk.'),
        high: z.number().min(0).max(1).optional().describe('Score from which a change is `high` risk.'),
      })
      .strict()
      .optional()
      .describe(
        'Score thresholds for `medium` and `high` (built-in scorer: 0.4 and 0.7; a fitted model: its own `high`).',
      ),
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
    senior_role: z
      .string()
      .optional()
      .meta({ default: RISK_DEFAULTS.senior_role })
      .describe('Role requested on high-risk PRs.'),
    comment: z
      .enum(['compact', 'full', 'none'])
      .optional()
      .meta({ default: RISK_DEFAULTS.comment })
      .describe(
        'The risk comment on low-risk PRs: `compact` (the verdict, the main reason and what to test, in three lines), `full` (the whole comment, as on medium and high risk) or `none` (no comment; the "Baton / risk" check still says the level).',
      ),
    block_merge: z
      .boolean()
      .optional()
      .meta({ default: RISK_DEFAULTS.block_merge })
      .describe('Keep the "Baton / risk" check failing on high-risk PRs until a senior approves.'),
  })
  .strict()
  .describe('Risk assessment of linked PRs.');

export type RiskConfig = z.infer<typeof RiskConfigSchema>;
/** The section with its defaults applied (what `Flow.risk` holds). */
export type ResolvedRisk = RiskConfig & {
  senior_role: string;
  block_merge: boolean;
  comment: NonNullable<RiskConfig['comment']>;
};
