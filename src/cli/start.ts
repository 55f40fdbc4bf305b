// `baton start` (what `npm start` runs): the GitHub App when APP_ID, PRIVATE_KEY (or PRIVATE_KEY_PATH) and
// WEBHOOK_SECRET are set; otherwise the sandbox demo, so a newcomer sees Baton work with no setup at all.
import { readFileSync } from 'node:fs';
import type { CliIo } from './io.js';
import { createLogger } from '../ops/log.js';
import { initTracing, shutdownTracing } from '../ops/tracing.js';
import { openStack } from '../app/stack.js';
import { serveBaton } from '../app/serve.js';
import type { Config, Env } from '../config/env.js';
import { commandConfig } from './config.js';

export function credentials(
  github: Config['github'],
): { appId: string; privateKey: string; secret: string } | { missing: string[] } {
  const privateKey =
    github.privateKey ?? (github.privateKeyPath ? readFileSync(github.privateKeyPath, 'utf8') : undefined);
  const { appId, secret } = github;
  if (appId && privateKey && secret) return { appId, privateKey, secret };
  return {
    missing: [
      !appId && 'APP_ID',
      !privateKey && 'PRIVATE_KEY (or PRIVATE_KEY_PATH)',
      !secret && 'WEBHOOK_SECRET',
    ].filter((x): x is string => !!x),
  };
}

export async function runStart(argv: string[], io: CliIo, env?: Env): Promise<number> {
  const config = commandConfig('start', env);
  if ('error' in config) {
    io.err(config.error);
    return 2;
  }
  const creds = credentials(config.github);
  if ('missing' in creds) {
    if (creds.missing.length < 3) {
      io.err(
        `baton start: ${creds.missing.join(', ')} not set. Set all three GitHub App credentials to run the app, or none to run the sandbox.`,
      );
      return 2;
    }
    io.out('No GitHub App credentials (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET): starting the built-in sandbox.\n');
    // The sandbox is loaded only here: production `baton start` never imports it.
    const { runSandbox } = await import('./sandbox.js');
    return runSandbox(argv, io, env, config);
  }
  initTracing({ url: config.ops.tracesUrl });
  const log = createLogger({ level: config.ops.logLevel });
  const stack = await openStack({ config, log });
  const baton = await serveBaton(stack, {
    ...creds,
    ...(config.github.baseUrl ? { baseUrl: config.github.baseUrl } : {}),
    host: config.server.host,
    port: config.server.port,
    log,
    redisUrl: config.queue.redisUrl,
    redisPrefix: config.queue.redisPrefix,
    githubTimeoutMs: config.github.timeoutMs,
    metricsToken: config.server.metricsToken,
    dashboardToken: config.server.dashboardToken,
    apiRatePerMinute: config.server.apiRatePerMinute,
    concurrency: config.queue.concurrency,
    // GitHub asks apps to space writes ~1 s apart per installation; a GitHub Enterprise operator may relax it.
    writeSpacingMs: config.github.writeSpacingMs,
    botLogin: config.github.botLogin,
    recoveryIntervalMs: config.recovery.recoveryIntervalMs,
    reconcileIntervalMs: config.recovery.reconcileIntervalMs,
    retention: config.store.retention,
    dismissStaleApprovals: config.github.dismissStaleApprovals,
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
