// The typed configuration for a CLI command: the environment parsed once (src/config/env.ts), or the command's
// located error and no config. Every command that reads the environment goes through here.
import { ConfigError, loadConfig, type Config, type Env } from '../config/env.js';

/** The config, or a sentence naming each bad variable (prefixed with the command) for the command to print. */
export function commandConfig(command: string, env?: Env): Config | { error: string } {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return { error: `baton ${command}: ${err.message}` };
    throw err;
  }
}
