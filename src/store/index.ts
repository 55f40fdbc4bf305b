// Opens the store the deployment asks for: PostgreSQL when `databaseUrl` (DATABASE_URL) is set, otherwise the
// embedded SQLite file under `dataDir` (BATON_DATA_DIR, default `.baton` in the working directory). Always migrated.
// The options are the typed config's `store` section (src/config/env.ts); nothing here reads the environment.
import { resolve } from 'node:path';
import { PostgresStore } from './postgres.js';
import { SqliteStore } from './sqlite.js';
import type { StoreWithJobs } from './types.js';
import { explainingErrors } from './disk.js';
import { errorMessage } from '../ops/errors.js';
import { ENV_VARS } from '../config/env.js';

export interface OpenStoreOptions {
  dataDir?: string;
  databaseUrl?: string;
  /** Postgres only: the schema (search_path) to live in. */
  schema?: string;
}

export async function openStore(o: OpenStoreOptions = {}): Promise<StoreWithJobs> {
  const databaseUrl = o.databaseUrl;
  const dataDir = resolve(o.dataDir ?? ENV_VARS.BATON_DATA_DIR.default);
  let store: StoreWithJobs | undefined;
  try {
    if (databaseUrl) store = new PostgresStore({ databaseUrl, ...(o.schema ? { schema: o.schema } : {}) });
    else {
      const sqlite = new SqliteStore({ dataDir });
      // Every error of the embedded store names its file and the remedy (full disk, corrupt, deleted, read-only).
      store = explainingErrors(sqlite, sqlite.file);
    }
    await store.migrate();
  } catch (err) {
    await store?.close().catch(() => {});
    if ((err as { explained?: boolean }).explained) throw err;
    const where = databaseUrl ? 'the PostgreSQL database in DATABASE_URL' : `the SQLite file in ${dataDir}`;
    throw new Error(`Could not open/migrate ${where}: ${errorMessage(err)}. Check that it is reachable and writable.`, {
      cause: err,
    });
  }
  return store;
}

export { SqliteStore } from './sqlite.js';
export { PostgresStore } from './postgres.js';
export type * from './types.js';
