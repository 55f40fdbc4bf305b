// Opens the store for the report/digest commands. The store module is written elsewhere; this is the one place that
// knows how we reach it, so the CLI functions can take an injected store in tests.
import type { Store } from '../store/types.js';
import { openStore } from '../store/index.js';
import { errorMessage } from '../ops/errors.js';
import { loadConfig, type Config, type Env } from '../config/env.js';

export interface StoreOptions {
  dataDir?: string;
  databaseUrl?: string;
}

export type OpenStore = (o: StoreOptions) => Promise<Store>;

export const defaultOpenStore: OpenStore = (o) => openStore(o);

export function storeOptions(
  flags: { 'data-dir'?: string; 'database-url'?: string },
  config: Config['store'],
): StoreOptions {
  const o: StoreOptions = {};
  const url = flags['database-url'] ?? config.databaseUrl;
  const dir = flags['data-dir'] ?? config.dataDir;
  if (url) o.databaseUrl = url;
  if (dir) o.dataDir = dir;
  return o;
}

/**
 * Runs `fn` with the store the command names (flags, then env) — or the injected one, left open — and closes what it
 * opened. When the store cannot be opened, says how to point the command at it and returns exit code 1.
 */
export async function withStore<T>(
  deps: { store?: Store; openStore?: OpenStore; env?: Env },
  flags: { 'data-dir'?: string; 'database-url'?: string },
  err: (s: string) => void,
  fn: (store: Store) => Promise<T>,
): Promise<T | 1> {
  let store = deps.store;
  const owned = !store;
  try {
    store ??= await (deps.openStore ?? defaultOpenStore)(storeOptions(flags, loadConfig(deps.env).store));
  } catch (e) {
    err(
      `could not open the store: ${errorMessage(e)}\nSet DATABASE_URL for PostgreSQL or BATON_DATA_DIR (or --data-dir) for the SQLite file.\n`,
    );
    return 1;
  }
  try {
    return await fn(store);
  } finally {
    if (owned) await store.close();
  }
}
