// Opens an isolated store of either kind: a fresh temp dir for SQLite, a fresh schema for Postgres.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PostgresStore } from '../../src/store/postgres.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { StoreWithJobs } from '../../src/store/types.js';

import { PG_URL } from '../support/services.js';

export { PG_URL };

export interface Opened {
  store: StoreWithJobs;
  /** The SQLite data dir or the Postgres schema (for child processes). */
  where: string;
  /** Another independent store on the same database (another replica: its own connection/pool). */
  twin(): Promise<StoreWithJobs>;
  cleanup(): Promise<void>;
}

export async function openIsolated(kind: 'sqlite' | 'postgres'): Promise<Opened> {
  const extra: StoreWithJobs[] = [];
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'baton-store-'));
    const store = new SqliteStore({ dataDir: dir });
    await store.migrate();
    return {
      store,
      where: dir,
      twin: async () => {
        const s = new SqliteStore({ dataDir: dir });
        await s.migrate();
        extra.push(s);
        return s;
      },
      cleanup: async () => {
        for (const s of extra) await s.close();
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const store = new PostgresStore({ databaseUrl: PG_URL, schema });
  await store.migrate();
  return {
    store,
    where: schema,
    twin: async () => {
      const s = new PostgresStore({ databaseUrl: PG_URL, schema });
      await s.migrate();
      extra.push(s);
      return s;
    },
    cleanup: async () => {
      for (const s of extra) await s.close();
      await store.dropSchema();
      await store.close();
    },
  };
}
