// Structured logs. Probot logs through pino; Baton adds job-scoped child loggers (every line of a job carries its
// delivery id, so `grep <delivery>` shows one job's whole story) and redaction: payload bodies, tokens, the App's
// private key, the webhook secret and LLM API keys never reach a log line.
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { redact, redactDeep } from '../tasks/redact/redact.js';

const CENSOR = '[redacted]';

// Secrets and bodies, at the top level and one level down (`{ err: { request: { headers } } }` is covered by the
// explicit paths). pino's redact paths are exact, so the common shapes are listed rather than guessed.
const SECRET_KEYS = [
  'authorization',
  'Authorization',
  'cookie',
  'token',
  'accessToken',
  'access_token',
  'privateKey',
  'private_key',
  'PRIVATE_KEY',
  'secret',
  'webhookSecret',
  'WEBHOOK_SECRET',
  'apiKey',
  'api_key',
  'OPENAI_API_KEY',
  'GEMINI_API_KEY',
  'BATON_DASHBOARD_TOKEN',
  'DATABASE_URL',
  'REDIS_URL',
  'password',
];
const BODY_KEYS = ['payload', 'body'];

export const REDACT_PATHS: string[] = [
  ...SECRET_KEYS.flatMap((k) => [k, `*.${k}`]),
  ...BODY_KEYS.flatMap((k) => [k, `*.${k}`]),
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'headers["x-goog-api-key"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["x-api-key"]',
  '*.headers["x-goog-api-key"]',
  'err.request.headers.authorization',
  'error.request.headers.authorization',
  'err.response.data',
  'error.response.data',
  'env.*',
];

// Token shapes that might sneak into a message string (an error message echoing a URL or header).
const TOKEN_PATTERNS: RegExp[] = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
  /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g,
  /\bsk-[A-Za-z0-9_-]{16,}\b/g,
  /\bAIza[0-9A-Za-z_-]{30,}\b/g,
  /\b(Bearer|token)\s+[A-Za-z0-9._~+/=-]{16,}/gi,
];

/** Replace token-shaped substrings of a free-text message, then every secret the shared detectors find. */
export function scrubSecrets(text: string): string {
  let out = text.length > 65_536 ? `${text.slice(0, 65_536)}… (log line clipped)` : text;
  for (const re of TOKEN_PATTERNS)
    out = out.replace(re, (_m, scheme?: string) =>
      typeof scheme === 'string' && /^(bearer|token)$/i.test(scheme) ? `${scheme} ${CENSOR}` : CENSOR,
    );
  return redact(out);
}

export const redactOptions = { paths: REDACT_PATHS, censor: CENSOR } as const;

/**
 * Baton's root logger (give it to Probot as `log`). Redacts the paths above and scrubs token shapes out of
 * message strings.
 */
export function createLogger(opts: { level?: string; name?: string } = {}, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    name: opts.name ?? 'baton',
    level: opts.level ?? 'info',
    redact: { ...redactOptions, paths: [...redactOptions.paths] },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((a) =>
          typeof a === 'string'
            ? scrubSecrets(a)
            : a && typeof a === 'object' && !(a instanceof Error)
              ? redactDeep(a)
              : a,
        ) as Parameters<typeof method>;
        method.apply(this, scrubbed);
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

export interface JobContext {
  delivery: string;
  event: string;
  key: string;
  attempt?: number;
}

/**
 * A child logger for one job: every line carries delivery, event and key. Redaction is applied on the child too,
 * because the parent may be Probot's own logger, which does not know Baton's secret names.
 */
export function jobLogger(log: Logger, ctx: JobContext): Logger {
  const bindings: Record<string, unknown> = { delivery: ctx.delivery, event: ctx.event, key: ctx.key };
  if (ctx.attempt !== undefined) bindings.attempt = ctx.attempt;
  return log.child(bindings, { redact: { ...redactOptions, paths: [...redactOptions.paths] } });
}
