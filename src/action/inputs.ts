// The runner's environment and the action's inputs, parsed once. The runner passes inputs as INPUT_<NAME> with the
// name upper-cased and hyphens kept (https://docs.github.com/en/actions/reference/workflows-and-actions/metadata-syntax#inputs),
// and describes the job in GITHUB_* variables
// (https://docs.github.com/en/actions/reference/workflows-and-actions/variables#default-environment-variables).
import { z } from 'zod';

const usd = z
  .string()
  .trim()
  .transform((s, ctx) => {
    if (s === '') return undefined;
    const n = Number(s);
    if (!Number.isFinite(n) || n < 0) {
      ctx.addIssue({ code: 'custom', message: `"${s}" is not an amount in USD (e.g. 10 or 2.5)` });
      return z.NEVER;
    }
    return n;
  })
  .optional();

const Env = z.object({
  GITHUB_EVENT_NAME: z.string().min(1, 'GITHUB_EVENT_NAME is not set: run Baton as a step of a workflow job'),
  GITHUB_EVENT_PATH: z.string().min(1, 'GITHUB_EVENT_PATH is not set: run Baton as a step of a workflow job'),
  GITHUB_REPOSITORY: z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'GITHUB_REPOSITORY must be owner/repo'),
  GITHUB_API_URL: z.string().url().default('https://api.github.com'),
  GITHUB_STEP_SUMMARY: z.string().optional(),
  GITHUB_OUTPUT: z.string().optional(),
  GITHUB_RUN_ID: z.string().default('0'),
  GITHUB_RUN_ATTEMPT: z.coerce.number().int().positive().default(1),
  GITHUB_TOKEN: z.string().optional(),
  'INPUT_GITHUB-TOKEN': z.string().optional(),
  'INPUT_FLOW-PATH': z.string().optional(),
  'INPUT_OPENAI-API-KEY': z.string().optional(),
  'INPUT_GEMINI-API-KEY': z.string().optional(),
  'INPUT_ORG-MONTHLY-USD': usd,
  'INPUT_REPO-MONTHLY-USD': usd,
  'INPUT_RUN-USD': usd,
  'INPUT_BOT-LOGIN': z.string().optional(),
  INPUT_MODE: z.enum(['event', 'route', '']).optional(),
  OPENAI_BASE_URL: z.string().optional(),
  GEMINI_BASE_URL: z.string().optional(),
});

export interface ActionInputs {
  eventName: string;
  eventPath: string;
  repo: { owner: string; repo: string };
  apiUrl: string;
  token: string;
  summaryPath?: string;
  outputPath?: string;
  runId: string;
  runAttempt: number;
  flowPath: string;
  /** The login Baton's own writes appear under: github-actions[bot] with the workflow token, `<app-slug>[bot]` with an App token. */
  botLogin: string;
  budgets: { org_monthly_usd?: number; repo_monthly_usd?: number; run_usd?: number };
  /** The LLM providers' keys (from the inputs; never logged) and endpoints, as the router takes them. */
  llm: { openai: { apiKey?: string; baseUrl?: string }; gemini: { apiKey?: string; baseUrl?: string } };
  /** `route`: only print the concurrency group of the event (the README workflow's first job). */
  mode: 'event' | 'route';
}

const blank = (s: string | undefined) => (s && s.trim() !== '' ? s.trim() : undefined);

/** Parse the environment; throws one message naming each bad variable and its fix. */
export function readInputs(env: Record<string, string | undefined>): ActionInputs {
  const r = Env.safeParse(env);
  if (!r.success)
    throw new Error(
      r.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`).join('\n') ||
        'invalid environment',
    );
  const e = r.data;
  const token = blank(e['INPUT_GITHUB-TOKEN']) ?? blank(e.GITHUB_TOKEN);
  if (!token)
    throw new Error(
      'No GitHub token: pass `github-token` (its default is the workflow token, ${{ github.token }}) or set GITHUB_TOKEN.',
    );
  const [owner, repo] = e.GITHUB_REPOSITORY.split('/') as [string, string];
  const budgets: ActionInputs['budgets'] = {};
  if (e['INPUT_ORG-MONTHLY-USD'] !== undefined) budgets.org_monthly_usd = e['INPUT_ORG-MONTHLY-USD'];
  if (e['INPUT_REPO-MONTHLY-USD'] !== undefined) budgets.repo_monthly_usd = e['INPUT_REPO-MONTHLY-USD'];
  if (e['INPUT_RUN-USD'] !== undefined) budgets.run_usd = e['INPUT_RUN-USD'];
  return {
    eventName: e.GITHUB_EVENT_NAME,
    eventPath: e.GITHUB_EVENT_PATH,
    repo: { owner, repo },
    apiUrl: e.GITHUB_API_URL.replace(/\/+$/, ''),
    token,
    summaryPath: blank(e.GITHUB_STEP_SUMMARY),
    outputPath: blank(e.GITHUB_OUTPUT),
    runId: e.GITHUB_RUN_ID,
    runAttempt: e.GITHUB_RUN_ATTEMPT,
    flowPath: blank(e['INPUT_FLOW-PATH']) ?? '.github/flow.yml',
    botLogin: blank(e['INPUT_BOT-LOGIN']) ?? 'github-actions[bot]',
    budgets,
    llm: {
      openai: { apiKey: blank(e['INPUT_OPENAI-API-KEY']), baseUrl: blank(e.OPENAI_BASE_URL) },
      gemini: { apiKey: blank(e['INPUT_GEMINI-API-KEY']), baseUrl: blank(e.GEMINI_BASE_URL) },
    },
    mode: e.INPUT_MODE === 'route' ? 'route' : 'event',
  };
}
