// Opens the store for the report/digest commands. The store module is written elsewhere; this is the one place that
// knows how we reach it, so the CLI functions can take an injected store in tests.
import type { Store } from '../store/types.js';
import { openStore } from '../store/index.js';

export interface StoreOptions {
  dataDir?: string;
  databaseUrl?: string;
}

export type OpenStore = (o: StoreOptions) => Promise<Store>;

export const defaultOpenStore: OpenStore = (o) => openStore(o);

export function storeOptions(flags: { 'data-dir'?: string; 'database-url'?: string }, env: NodeJS.ProcessEnv): StoreOptions {
  const o: StoreOptions = {};
  const url = flags['database-url'] ?? env.DATABASE_URL;
  const dir = flags['data-dir'] ?? env.BATON_DATA_DIR;
  if (url) o.databaseUrl = url;
  if (dir) o.dataDir = dir;
  return o;
}
