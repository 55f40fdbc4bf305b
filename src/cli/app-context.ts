// What the operator commands that talk to GitHub as the App (`baton deliveries`, `baton reconcile`) share: the App's
// credentials from the environment, the same store (and queue) as the server, and a logger that stays quiet.
import { Probot } from 'probot';
import { openStack, type Stack } from '../app/stack.js';
import { createLogger } from '../ops/log.js';
import type { Config, Env } from '../config/env.js';
import { commandConfig } from './config.js';
import { credentials } from './start.js';

export interface AppContext {
  probot: Probot;
  stack: Stack;
  log: ReturnType<typeof createLogger>;
  config: Config;
  close(): Promise<void>;
}

/** The App and the store, or a sentence saying what is missing. */
export async function openAppContext(
  command: string,
  env?: Env,
): Promise<AppContext | { error: string; config?: never }> {
  const config = commandConfig(command, env);
  if ('error' in config) return config;
  const creds = credentials({ secret: 'unused by this command', ...config.github });
  if ('missing' in creds)
    return {
      error: `baton ${command}: ${creds.missing.join(', ')} not set. It talks to GitHub as the App: set APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) as for \`baton start\`.`,
    };
  const log = createLogger({ level: config.ops.commandLogLevel });
  const baseUrl = config.github.baseUrl;
  const probot = new Probot({
    appId: creds.appId,
    privateKey: creds.privateKey,
    log: log.child({ name: 'probot' }),
    ...(baseUrl ? { baseUrl } : {}),
  });
  const stack = await openStack({ config, log });
  return { probot, stack, log, config, close: () => stack.close() };
}
