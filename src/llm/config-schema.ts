// The `llm:` section of flow.yml. Owned by the router (src/llm); imported by the flow schema.
import { z } from 'zod';

export const TIERS = ['economy', 'standard', 'strong'] as const;
export const TierSchema = z.enum(TIERS);

export const PriceSchema = z
  .object({
    input: z.number().min(0).describe('USD per 1M input tokens.'),
    output: z.number().min(0).describe('USD per 1M output tokens.'),
    cached_input: z.number().min(0).optional().describe('USD per 1M cached input tokens.'),
    context: z.number().int().positive().optional().describe('Context window in tokens.'),
  })
  .strict();

export const LlmConfigSchema = z
  .object({
    tiers: z
      .partialRecord(TierSchema, z.array(z.string().min(1)).min(1))
      .optional()
      .describe(
        'Tier → candidate models (`provider/model`), cheapest first is not required: the router sorts by price.',
      ),
    tasks: z
      .record(
        z.string(),
        z
          .object({
            tier: TierSchema.optional(),
            max_output_tokens: z.number().int().positive().max(32768).optional(),
            cascade: z
              .boolean()
              .optional()
              .describe('Try the economy tier first; escalate only when its output fails validation.'),
          })
          .strict(),
      )
      .optional()
      .describe('Per task (`risk`, `docs`, `digest`): tier, max output tokens, cascade.'),
    prices: z
      .record(z.string(), PriceSchema)
      .optional()
      .describe('Price overrides or prices of models the shipped table does not know (`provider/model` → price).'),
    max_usd_per_1k_tokens: z
      .number()
      .positive()
      .optional()
      .describe('Per-call cap on actual cost per 1k tokens (default 0.03).'),
    budgets: z
      .object({
        org_monthly_usd: z.number().min(0).optional(),
        repo_monthly_usd: z.number().min(0).optional(),
        run_usd: z.number().min(0).optional(),
      })
      .strict()
      .optional()
      .describe('Monthly budgets; near a budget the router steps down a tier, at it uses the offline model.'),
  })
  .strict()
  .describe('LLM routing: tiers, prices, caps and budgets.');

export type LlmConfig = z.infer<typeof LlmConfigSchema>;
export type Tier = z.infer<typeof TierSchema>;
