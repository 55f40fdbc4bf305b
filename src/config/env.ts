// The process environment, parsed once. Every variable Baton reads is declared here with its type, default and
// description; `loadConfig` turns the environment into a typed Config (or a ConfigError naming each bad variable and
// what it accepts), and the README's environment table is generated from the same declarations
// (`npm run schema`; test/config/env.test.ts fails when it drifts).
import { z } from 'zod';
import { DEFAULT_RETRY } from '../queue/types.js';
import { DEFAULT_RETENTION, MIN_JOB_DAYS } from '../store/retention.js';

/** The raw process environment (or a test's stand-in): only `loadConfig` looks inside it. */
export type Env = Record<string, string | undefined>;

/** Unset and empty are the same thing: `FOO=` in a .env file must not become the number 0 or an empty URL. */
const unsetIfEmpty = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const text = () => z.preprocess(unsetIfEmpty, z.string().optional());
const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^-?\d+$/, { error: `a whole number from ${min} to ${max}` })
      .transform(Number)
      .pipe(
        z
          .number()
          .min(min, { error: `at least ${min}` })
          .max(max, { error: `at most ${max}` }),
      )
      .optional(),
  );
const url = () => z.preprocess(unsetIfEmpty, z.url({ error: 'a URL such as https://host:port' }).optional());
const flag = () =>
  z.preprocess(
    unsetIfEmpty,
    z
      .enum(['1', 'true', 'yes', '0', 'false', 'no'], { error: '1/true/yes or 0/false/no' })
      .transform((v) => ['1', 'true', 'yes'].includes(v))
      .optional(),
  );
const level = () =>
  z.preprocess(
    unsetIfEmpty,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'a pino log level' }).optional(),
  );

interface Var {
  schema: z.ZodType;
  description: string;
  /** Shown in the README; the value used when the variable is unset. */
  default?: string | number | boolean;
  group: string;
}

/** Every environment variable Baton reads, in README order. */
export const ENV_VARS = {
  APP_ID: {
    schema: text(),
    group: 'GitHub App',
    description: 'GitHub App id (with the two below; none of the three runs the sandbox).',
  },
  PRIVATE_KEY: {
    schema: text(),
    group: 'GitHub App',
    description: 'The App private key (PEM; `\\n` escapes allowed).',
  },
  PRIVATE_KEY_PATH: {
    schema: text(),
    group: 'GitHub App',
    description: 'A file holding the private key, instead of `PRIVATE_KEY`.',
  },
  WEBHOOK_SECRET: { schema: text(), group: 'GitHub App', description: 'The webhook secret set on the App.' },
  BATON_BOT_LOGIN: {
    schema: text(),
    group: 'GitHub App',
    description: "The App's bot login (`<slug>[bot]`); looked up with `GET /app` when unset.",
  },
  BATON_DISMISS_STALE_APPROVALS: {
    schema: flag(),
    group: 'GitHub App',
    description:
      'Approvals count only on the pull request\'s current head, as branch protection\'s "dismiss stale approvals" (`false` keeps them across pushes).',
    default: true,
  },
  GITHUB_API_URL: {
    schema: url(),
    group: 'GitHub App',
    description: 'GitHub Enterprise Server API URL (e.g. `https://ghe.example.com/api/v3`).',
  },
  GHE_HOST: {
    schema: text(),
    group: 'GitHub App',
    description: 'GitHub Enterprise Server host name, instead of `GITHUB_API_URL`.',
  },
  BATON_GITHUB_TIMEOUT_MS: {
    schema: int(1),
    group: 'GitHub App',
    description: 'Timeout of one GitHub request attempt, ms.',
    default: 30000,
  },
  BATON_WRITE_SPACING_MS: {
    schema: int(0),
    group: 'GitHub App',
    description: 'Spacing of GitHub writes per installation, ms (GitHub asks for about 1000).',
    default: 1000,
  },
  PORT: { schema: int(0, 65535), group: 'Server', description: 'Listen port.', default: 3000 },
  HOST: { schema: text(), group: 'Server', description: 'Listen address.', default: '0.0.0.0' },
  BATON_DASHBOARD_TOKEN: {
    schema: text(),
    group: 'Server',
    description: 'Bearer token for the dashboard at `/baton` (without it the dashboard is off).',
  },
  BATON_API_RATE_LIMIT: {
    schema: int(1),
    group: 'Server',
    description: 'Partner API requests per token per minute (per replica).',
    default: 120,
  },
  BATON_METRICS_TOKEN: { schema: text(), group: 'Server', description: 'Bearer token for `/metrics`.' },
  BATON_DATA_DIR: {
    schema: text(),
    group: 'Store and queue',
    description: 'Directory of the SQLite file and the embedded queue.',
    default: '.baton',
  },
  DATABASE_URL: {
    schema: text(),
    group: 'Store and queue',
    description: 'PostgreSQL instead of SQLite (migrations run on start).',
  },
  REDIS_URL: { schema: text(), group: 'Store and queue', description: 'BullMQ queue and shared throttling on Redis.' },
  BATON_REDIS_PREFIX: { schema: text(), group: 'Store and queue', description: 'Redis key prefix.', default: 'baton' },
  BATON_CONCURRENCY: {
    schema: int(1),
    group: 'Store and queue',
    description: 'Jobs in flight per process.',
    default: 8,
  },
  BATON_QUEUE_LEASE_MS: {
    schema: int(1),
    group: 'Store and queue',
    description: "Lease before a crashed replica's job is taken over, ms.",
    default: 30000,
  },
  BATON_JOB_ATTEMPTS: {
    schema: int(1),
    group: 'Store and queue',
    description: 'Attempts before a job is dead-lettered and the card says it is stuck.',
    default: DEFAULT_RETRY.attempts,
  },
  BATON_RECOVERY_INTERVAL_MS: {
    schema: int(-1),
    group: 'Store and queue',
    description: 'Recover failed deliveries on start, then every this many ms (0: on start only; -1: never).',
    default: 300000,
  },
  BATON_RECONCILE_INTERVAL_MS: {
    schema: int(-1),
    group: 'Store and queue',
    description: 'The reconcile sweep: on start, then every this many ms (0: on start only; -1: never).',
    default: 600000,
  },
  BATON_PAYLOAD_RETENTION_DAYS: {
    schema: int(0),
    group: 'Store and queue',
    description: 'Days the payloads of processed deliveries are kept.',
    default: DEFAULT_RETENTION.payloadDays,
  },
  BATON_JOB_RETENTION_DAYS: {
    schema: int(MIN_JOB_DAYS),
    group: 'Store and queue',
    description: "Days finished jobs are kept (at least GitHub's 3-day redelivery window).",
    default: DEFAULT_RETENTION.jobDays,
  },
  OPENAI_API_KEY: {
    schema: text(),
    group: 'LLM',
    description: 'OpenAI, or any compatible endpoint with `OPENAI_BASE_URL`.',
  },
  OPENAI_BASE_URL: {
    schema: url(),
    group: 'LLM',
    description: 'An OpenAI-compatible endpoint (Azure, OpenRouter, a local server).',
  },
  GEMINI_API_KEY: { schema: text(), group: 'LLM', description: 'Gemini API key.' },
  GOOGLE_API_KEY: { schema: text(), group: 'LLM', description: 'Gemini, when `GEMINI_API_KEY` is unset.' },
  GEMINI_BASE_URL: { schema: url(), group: 'LLM', description: 'Another Gemini endpoint.' },
  BATON_PRICES_FILE: {
    schema: text(),
    group: 'LLM',
    description: 'A JSON file of price overrides (USD per 1M tokens per `provider/model`).',
  },
  BATON_LLM_TIMEOUT_MS: { schema: int(1), group: 'LLM', description: 'Timeout of one LLM call, ms.', default: 30000 },
  LOG_LEVEL: {
    schema: level(),
    group: 'Operations',
    description: 'Log level of `baton start` (`baton deliveries` and `reconcile` log at `warn` when it is unset).',
    default: 'info',
  },
  BATON_LOG_LEVEL: {
    schema: level(),
    group: 'Operations',
    description: 'Log level of the sandbox and `baton simulate`.',
    default: 'warn',
  },
  BATON_DEBUG: {
    schema: flag(),
    group: 'Operations',
    description: 'Print stack traces with CLI errors.',
    default: false,
  },
  OTEL_EXPORTER_OTLP_ENDPOINT: {
    schema: url(),
    group: 'Operations',
    description: 'Send traces to this OTLP/HTTP collector (`/v1/traces` is appended).',
  },
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: {
    schema: url(),
    group: 'Operations',
    description: 'The traces URL itself, used as is (wins over the one above).',
  },
} as const satisfies Record<string, Var>;

export type EnvName = keyof typeof ENV_VARS;

const EnvSchema = z.object(
  Object.fromEntries(Object.entries(ENV_VARS).map(([k, v]) => [k, v.schema.describe(v.description)])) as {
    [K in EnvName]: (typeof ENV_VARS)[K]['schema'];
  },
);

type Parsed = z.infer<typeof EnvSchema>;

/** What Baton runs with, grouped by what it configures. Optional fields are off when unset. */
export interface Config {
  github: {
    appId?: string;
    privateKey?: string;
    privateKeyPath?: string;
    secret?: string;
    botLogin?: string;
    /** GitHub Enterprise Server API base; undefined for github.com. */
    baseUrl?: string;
    timeoutMs?: number;
    writeSpacingMs?: number;
    dismissStaleApprovals: boolean;
  };
  server: { port: number; host: string; dashboardToken?: string; metricsToken?: string; apiRatePerMinute: number };
  recovery: { recoveryIntervalMs: number; reconcileIntervalMs: number };
  store: { dataDir: string; databaseUrl?: string; retention: { payloadDays: number; jobDays: number } };
  queue: { redisUrl?: string; redisPrefix: string; concurrency: number; leaseMs: number; jobAttempts: number };
  llm: {
    openai: { apiKey?: string; baseUrl?: string };
    gemini: { apiKey?: string; baseUrl?: string };
    pricesFile?: string;
    timeoutMs: number;
  };
  ops: {
    logLevel: string;
    /** Operator commands that print their own report stay quiet unless LOG_LEVEL is set. */
    commandLogLevel: string;
    sandboxLogLevel: string;
    debug: boolean;
    tracesUrl?: string;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `The environment has ${problems.length === 1 ? 'a problem' : 'problems'}:\n${problems.map((p) => `  ${p}`).join('\n')}`,
    );
  }
}

const dflt = <K extends EnvName>(k: K): NonNullable<(typeof ENV_VARS)[K] extends { default: infer D } ? D : never> =>
  (ENV_VARS[k] as Var).default as never;

/** Parse the environment. Throws a ConfigError that names every bad variable, what it holds and what it accepts. */
export function loadConfig(env: Env = process.env): Config {
  const picked = Object.fromEntries(Object.keys(ENV_VARS).map((k) => [k, env[k]]));
  const r = EnvSchema.safeParse(picked);
  if (!r.success)
    throw new ConfigError(
      r.error.issues.map((i) => {
        const name = String(i.path[0]);
        return `${name}=${JSON.stringify(env[name] ?? '')}: expected ${i.message}. ${ENV_VARS[name as EnvName]?.description ?? ''}`.trim();
      }),
    );
  return toConfig(r.data);
}

function toConfig(e: Parsed): Config {
  const tracesBase = e.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/+$/, '');
  const optional = <T extends object>(o: T): T =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  return {
    github: optional({
      appId: e.APP_ID,
      privateKey: e.PRIVATE_KEY?.replace(/\\n/g, '\n'),
      privateKeyPath: e.PRIVATE_KEY_PATH,
      secret: e.WEBHOOK_SECRET,
      botLogin: e.BATON_BOT_LOGIN,
      baseUrl: e.GHE_HOST ? `https://${e.GHE_HOST}/api/v3` : e.GITHUB_API_URL,
      timeoutMs: e.BATON_GITHUB_TIMEOUT_MS,
      writeSpacingMs: e.BATON_WRITE_SPACING_MS,
      dismissStaleApprovals: e.BATON_DISMISS_STALE_APPROVALS ?? dflt('BATON_DISMISS_STALE_APPROVALS'),
    }),
    server: optional({
      port: e.PORT ?? dflt('PORT'),
      host: e.HOST ?? dflt('HOST'),
      dashboardToken: e.BATON_DASHBOARD_TOKEN,
      metricsToken: e.BATON_METRICS_TOKEN,
      apiRatePerMinute: e.BATON_API_RATE_LIMIT ?? dflt('BATON_API_RATE_LIMIT'),
    }),
    recovery: {
      recoveryIntervalMs: e.BATON_RECOVERY_INTERVAL_MS ?? dflt('BATON_RECOVERY_INTERVAL_MS'),
      reconcileIntervalMs: e.BATON_RECONCILE_INTERVAL_MS ?? dflt('BATON_RECONCILE_INTERVAL_MS'),
    },
    store: optional({
      dataDir: e.BATON_DATA_DIR ?? dflt('BATON_DATA_DIR'),
      databaseUrl: e.DATABASE_URL,
      retention: {
        payloadDays: e.BATON_PAYLOAD_RETENTION_DAYS ?? dflt('BATON_PAYLOAD_RETENTION_DAYS'),
        jobDays: e.BATON_JOB_RETENTION_DAYS ?? dflt('BATON_JOB_RETENTION_DAYS'),
      },
    }),
    queue: optional({
      redisUrl: e.REDIS_URL,
      redisPrefix: e.BATON_REDIS_PREFIX ?? dflt('BATON_REDIS_PREFIX'),
      concurrency: e.BATON_CONCURRENCY ?? dflt('BATON_CONCURRENCY'),
      leaseMs: e.BATON_QUEUE_LEASE_MS ?? dflt('BATON_QUEUE_LEASE_MS'),
      jobAttempts: e.BATON_JOB_ATTEMPTS ?? dflt('BATON_JOB_ATTEMPTS'),
    }),
    llm: optional({
      openai: optional({ apiKey: e.OPENAI_API_KEY, baseUrl: e.OPENAI_BASE_URL }),
      gemini: optional({ apiKey: e.GEMINI_API_KEY ?? e.GOOGLE_API_KEY, baseUrl: e.GEMINI_BASE_URL }),
      pricesFile: e.BATON_PRICES_FILE,
      timeoutMs: e.BATON_LLM_TIMEOUT_MS ?? dflt('BATON_LLM_TIMEOUT_MS'),
    }),
    ops: optional({
      logLevel: e.LOG_LEVEL ?? dflt('LOG_LEVEL'),
      commandLogLevel: e.LOG_LEVEL ?? 'warn',
      sandboxLogLevel: e.BATON_LOG_LEVEL ?? dflt('BATON_LOG_LEVEL'),
      debug: e.BATON_DEBUG ?? dflt('BATON_DEBUG'),
      // Per the OTLP spec the signal-specific variable is used as is; the base gets the signal's path.
      tracesUrl: e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (tracesBase ? `${tracesBase}/v1/traces` : undefined),
    }),
  };
}

/** The README's environment table. */
export function envTable(): string {
  const rows = Object.entries(ENV_VARS).map(([name, v]: [string, Var]) => {
    const d = v.default !== undefined ? ` Default \`${v.default}\`.` : '';
    return `| ${v.group} | \`${name}\` | ${v.description}${d} |`;
  });
  return ['| for | variable | what it sets |', '|---|---|---|', ...rows].join('\n');
}
