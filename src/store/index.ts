// Opens the store the deployment asks for: PostgreSQL when DATABASE_URL (or `databaseUrl`) is set, otherwise the
// embedded SQLite file under BATON_DATA_DIR (default `.baton` in the working directory). Always migrated.
import { resolve } from 'node:path';
import { PostgresStore } from './postgres.js';
import { SqliteStore } from './sqlite.js';
import type { StoreWithJobs } from './types.js';

export interface OpenStoreOptions {
  dataDir?: string;
  databaseUrl?: string;
  /** Postgres only: the schema (search_path) to live in. */
  schema?: string;
  env?: NodeJS.ProcessEnv;
}

export async function openStore(o: OpenStoreOptions = {}): Promise<StoreWithJobs> {
  const env = o.env ?? process.env;
  const databaseUrl = o.databaseUrl ?? env.DATABASE_URL;
  const store: StoreWithJobs = databaseUrl
    ? new PostgresStore({ databaseUrl, ...(o.schema ? { schema: o.schema } : {}) })
    : new SqliteStore({ dataDir: resolve(o.dataDir ?? env.BATON_DATA_DIR ?? '.baton') });
  try {
    await store.migrate();
  } catch (err) {
    await store.close().catch(() => {});
    const where = databaseUrl
      ? 'the PostgreSQL database in DATABASE_URL'
      : `the SQLite file in ${o.dataDir ?? env.BATON_DATA_DIR ?? '.baton'}`;
    throw new Error(
      `Could not open/migrate ${where}: ${(err as Error).message}. Check that it is reachable and writable.`,
      { cause: err },
    );
  }
  return store;
}

export { SqliteStore } from './sqlite.js';
export { PostgresStore } from './postgres.js';
export type * from './types.js';
