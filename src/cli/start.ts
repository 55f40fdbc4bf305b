// `baton start` (what `npm start` runs): the GitHub App when APP_ID, PRIVATE_KEY (or PRIVATE_KEY_PATH) and
// WEBHOOK_SECRET are set; otherwise the sandbox demo, so a newcomer sees Baton work with no setup at all.
import { readFileSync } from 'node:fs';
import type { CliIo } from './io.js';
import { createLogger } from '../ops/log.js';
import { initTracing, shutdownTracing } from '../ops/tracing.js';
import { openStack } from '../app/stack.js';
import { serveBaton } from '../app/serve.js';
import { runSandbox } from './sandbox.js';

export function credentials(
  env: Record<string, string | undefined>,
): { appId: string; privateKey: string; secret: string } | { missing: string[] } {
  const privateKey =
    env.PRIVATE_KEY?.replace(/\\n/g, '\n') ??
    (env.PRIVATE_KEY_PATH ? readFileSync(env.PRIVATE_KEY_PATH, 'utf8') : undefined);
  const missing = [
    !env.APP_ID && 'APP_ID',
    !privateKey && 'PRIVATE_KEY (or PRIVATE_KEY_PATH)',
    !env.WEBHOOK_SECRET && 'WEBHOOK_SECRET',
  ].filter(Boolean) as string[];
  if (missing.length) return { missing };
  return { appId: env.APP_ID!, privateKey: privateKey!, secret: env.WEBHOOK_SECRET! };
}

export async function runStart(
  argv: string[],
  io: CliIo,
  env: Record<string, string | undefined> = process.env,
): Promise<number> {
  const creds = credentials(env);
  if ('missing' in creds) {
    if (creds.missing.length < 3) {
      io.err(
        `baton start: ${creds.missing.join(', ')} not set. Set all three GitHub App credentials to run the app, or none to run the sandbox.`,
      );
      return 2;
    }
    io.out('No GitHub App credentials (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET): starting the built-in sandbox.\n');
    return runSandbox(argv, io, env);
  }
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.err(`baton start: PORT must be a port number from 0 to 65535 (got "${env.PORT}")`);
    return 2;
  }
  initTracing({ env });
  const log = createLogger({ level: env.LOG_LEVEL ?? 'info' });
  const stack = await openStack({ env });
  const baton = await serveBaton(stack, {
    ...creds,
    baseUrl: env.GHE_HOST ? `https://${env.GHE_HOST}/api/v3` : env.GITHUB_API_URL,
    host: env.HOST ?? '0.0.0.0',
    port,
    log,
    redisUrl: env.REDIS_URL,
    redisPrefix: env.BATON_REDIS_PREFIX,
    githubTimeoutMs: Number(env.BATON_GITHUB_TIMEOUT_MS) > 0 ? Number(env.BATON_GITHUB_TIMEOUT_MS) : undefined,
    metricsToken: env.BATON_METRICS_TOKEN,
    dashboardToken: env.BATON_DASHBOARD_TOKEN,
    // Partner API requests per token per minute (per replica).
    ...(Number(env.BATON_API_RATE_LIMIT) > 0 ? { apiRatePerMinute: Number(env.BATON_API_RATE_LIMIT) } : {}),
    concurrency: env.BATON_CONCURRENCY ? Number(env.BATON_CONCURRENCY) : undefined,
    // GitHub asks apps to space writes ~1 s apart per installation; a GitHub Enterprise operator may relax it.
    writeSpacingMs: env.BATON_WRITE_SPACING_MS ? Number(env.BATON_WRITE_SPACING_MS) : undefined,
    botLogin: env.BATON_BOT_LOGIN,
    ...(env.BATON_RECOVERY_INTERVAL_MS ? { recoveryIntervalMs: Number(env.BATON_RECOVERY_INTERVAL_MS) } : {}),
    ...(env.BATON_RECONCILE_INTERVAL_MS ? { reconcileIntervalMs: Number(env.BATON_RECONCILE_INTERVAL_MS) } : {}),
    env,
  });
  log.info(
    { url: baton.url, webhookUrl: baton.webhookUrl, store: stack.store.kind, queue: stack.queue.kind },
    `Baton listening; webhooks at ${baton.webhookUrl}`,
  );
  io.out(`baton listening ${baton.url} webhooks ${baton.webhookUrl}`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  // Graceful deploys: stop taking work, finish or release in-flight jobs, then exit 0.
  log.info('shutting down: finishing in-flight jobs');
  await baton.stop(20_000);
  await stack.close();
  await shutdownTracing();
  return 0;
}
