// The `llm:` section of flow.yml. Owned by the router (src/llm); imported by the flow schema. Every default of the
// section lives here, attached to its field as JSON Schema `default` (so the generated reference shows it) and applied
// by resolveLlmConfig. They are not zod `.default()`s on purpose: flow files are parsed one by one before `extends`
// merges them, and a child's filled-in defaults would silently override its base's explicit values.
import { z } from 'zod';

export const TIERS = ['economy', 'standard', 'strong'] as const;
export const TierSchema = z.enum(TIERS);
export type Tier = z.infer<typeof TierSchema>;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export const PriceSchema = z
  .object({
    input: z.number().min(0).describe('USD per 1M input tokens.'),
    output: z
      .number()
      .min(0)
      .describe('USD per 1M output tokens (thinking / reasoning tokens are billed at this rate).'),
    cached_input: z.number().min(0).optional().describe('USD per 1M cached input tokens.'),
    context: z.number().int().positive().optional().describe('Context window in tokens.'),
    long_context: z
      .object({
        above: z
          .number()
          .int()
          .positive()
          .describe('Prompt tokens above which the whole call is billed at these rates.'),
        input: z.number().min(0).describe('USD per 1M input tokens above the threshold.'),
        output: z.number().min(0).describe('USD per 1M output tokens above the threshold.'),
        cached_input: z.number().min(0).optional().describe('USD per 1M cached input tokens above the threshold.'),
      })
      .strict()
      .optional()
      .describe('Long-context rates (e.g. Gemini 2.5 Pro above 200k prompt tokens).'),
    deprecated: z
      .string()
      .regex(DAY)
      .optional()
      .describe('Date the provider deprecated the model (YYYY-MM-DD); answers from it carry a deprecation note.'),
    shutdown: z
      .string()
      .regex(DAY)
      .optional()
      .describe('Date the provider turns the model off (YYYY-MM-DD); from that day the router refuses it.'),
    replacement: z
      .string()
      .optional()
      .describe('The model the provider recommends instead (named in the deprecation note and the shutdown refusal).'),
  })
  .strict();

/** Candidates per tier (`provider/model`); the router sorts them by worst-case cost for each request. */
export const DEFAULT_TIERS: Readonly<Record<Tier, readonly string[]>> = {
  economy: ['openai/gpt-5.4-nano', 'gemini/gemini-3.1-flash-lite'],
  standard: ['openai/gpt-5.4-mini', 'gemini/gemini-3-flash-preview'],
  strong: ['openai/gpt-5.4', 'gemini/gemini-3.1-pro-preview'],
};

const tierList = (t: Tier) =>
  z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .meta({ default: [...DEFAULT_TIERS[t]] })
    .describe(`Candidate models of the ${t} tier, \`provider/model\`.`);

interface TaskDefaults {
  tier: Tier;
  max_output_tokens: number;
  cascade: boolean;
  adaptive: boolean;
}

function taskSchema(d: TaskDefaults) {
  return z
    .object({
      tier: TierSchema.optional()
        .meta({ default: d.tier })
        .describe(
          'The strongest tier this task may use (the cascade climbs up to it; without adaptive it is the only tier).',
        ),
      max_output_tokens: z
        .number()
        .int()
        .positive()
        .max(65536)
        .optional()
        .meta({ default: d.max_output_tokens })
        .describe('Upper bound on output tokens per call, thinking / reasoning tokens included.'),
      cascade: z
        .boolean()
        .optional()
        .meta({ default: d.cascade })
        .describe('Escalate to the next tier when an answer fails validation (schema or the task’s own checks).'),
      adaptive: z
        .boolean()
        .optional()
        .meta({ default: d.adaptive })
        .describe('Start at the tier the request’s difficulty (size, spread, offline risk level) calls for.'),
    })
    .strict();
}

/**
 * The tasks Baton runs; any other task name gets FALLBACK_TASK. Output limits leave room for thinking: both
 * providers count thinking / reasoning tokens against them and the current models think by default (an answer that
 * does not fit comes back truncated, and is paid for all the same).
 */
export const DEFAULT_TASKS: Readonly<Record<string, TaskDefaults>> = {
  risk: { tier: 'strong', max_output_tokens: 4000, cascade: true, adaptive: true },
  docs: { tier: 'strong', max_output_tokens: 3000, cascade: true, adaptive: true },
  digest: { tier: 'standard', max_output_tokens: 1500, cascade: true, adaptive: true },
};
export const FALLBACK_TASK: TaskDefaults = { tier: 'economy', max_output_tokens: 500, cascade: false, adaptive: false };

export const DEFAULT_MAX_USD_PER_1K = 0.02;

export const LlmConfigSchema = z
  .object({
    tiers: z
      .object({ economy: tierList('economy'), standard: tierList('standard'), strong: tierList('strong') })
      .strict()
      .optional()
      .describe('Tier → candidate models (`provider/model`); the router sorts each tier by worst-case cost.'),
    tasks: z
      .object({
        risk: taskSchema(DEFAULT_TASKS.risk!).optional().describe('The risk assessment of a linked PR.'),
        docs: taskSchema(DEFAULT_TASKS.docs!).optional().describe('The docs draft for a merged PR.'),
        digest: taskSchema(DEFAULT_TASKS.digest!).optional().describe("The digest's written summary."),
      })
      .catchall(taskSchema(FALLBACK_TASK))
      .optional()
      .describe('Per task (`risk`, `docs`, `digest`, others): tier, max output tokens, cascade, adaptive.'),
    prices: z
      .record(z.string(), PriceSchema)
      .optional()
      .describe('Price overrides or prices of models the shipped table does not know (`provider/model` → price).'),
    max_usd_per_1k_tokens: z
      .number()
      .positive()
      .optional()
      .meta({ default: DEFAULT_MAX_USD_PER_1K })
      .describe(
        'Per-call cap on cost per 1k tokens: a candidate whose worst case passes it is skipped; an actual call above it counts as a cap violation.',
      ),
    budgets: z
      .object({
        org_monthly_usd: z.number().min(0).optional().describe('Monthly budget of the organisation (all repos).'),
        repo_monthly_usd: z.number().min(0).optional().describe('Monthly budget of one repository.'),
        run_usd: z.number().min(0).optional().describe('Budget of one run (issue or pull request), all tasks.'),
      })
      .strict()
      .optional()
      .describe('Budgets; past 80% of one the router steps down a tier, at it uses the offline answer.'),
  })
  .strict()
  .describe('LLM routing: tiers, prices, caps and budgets.');

/** What flow.yml may say (every field optional). */
export type LlmConfig = z.infer<typeof LlmConfigSchema>;

export interface TaskPolicy {
  tier: Tier;
  maxOutputTokens: number;
  cascade: boolean;
  adaptive: boolean;
}

/** The same with every default filled in: what the router works from. */
export interface ResolvedLlmConfig {
  tiers: Record<Tier, string[]>;
  prices: NonNullable<LlmConfig['prices']>;
  maxUsdPer1k: number;
  budgets: LlmConfig['budgets'];
  task(name: string): TaskPolicy;
}

export function resolveLlmConfig(config: LlmConfig | undefined): ResolvedLlmConfig {
  const c = config ?? {};
  const tiers = Object.fromEntries(TIERS.map((t) => [t, [...(c.tiers?.[t] ?? DEFAULT_TIERS[t])]])) as Record<
    Tier,
    string[]
  >;
  return {
    tiers,
    prices: c.prices ?? {},
    maxUsdPer1k: c.max_usd_per_1k_tokens ?? DEFAULT_MAX_USD_PER_1K,
    budgets: c.budgets,
    task(name) {
      const d = DEFAULT_TASKS[name] ?? FALLBACK_TASK;
      const o = (c.tasks as Record<string, Partial<TaskDefaults> | undefined> | undefined)?.[name];
      return {
        tier: o?.tier ?? d.tier,
        maxOutputTokens: o?.max_output_tokens ?? d.max_output_tokens,
        cascade: o?.cascade ?? d.cascade,
        adaptive: o?.adaptive ?? d.adaptive,
      };
    },
  };
}
