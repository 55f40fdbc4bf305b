import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openStore, PostgresStore } from '../../src/store/index.js';
import { MIGRATIONS, pendingMigrations } from '../../src/store/migrations.js';
import { PG_URL } from './helpers.js';
import { loadConfig } from '../../src/config/env.js';

describe('openStore', () => {
  it('opens SQLite in a data dir it creates, in WAL mode, with every migration recorded', async () => {
    const root = mkdtempSync(join(tmpdir(), 'baton-open-'));
    const dir = join(root, 'nested', '.baton');
    try {
      const store = await openStore({ dataDir: dir });
      expect(store.kind).toBe('sqlite');
      await store.close();
      expect(existsSync(join(dir, 'baton.db'))).toBe(true);
      const db = new Database(join(dir, 'baton.db'), { readonly: true });
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(
        (db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>).map(
          (r) => r.version,
        ),
      ).toEqual(MIGRATIONS.map((m) => m.version));
      db.close();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('uses BATON_DATA_DIR from the environment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-env-'));
    try {
      const store = await openStore(loadConfig({ BATON_DATA_DIR: dir }).store);
      await store.close();
      expect(existsSync(join(dir, 'baton.db'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opens Postgres for DATABASE_URL, in its own schema', async () => {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const store = await openStore({ ...loadConfig({ DATABASE_URL: PG_URL }).store, schema });
    try {
      expect(store.kind).toBe('postgres');
      await store.kvSet('ns', 'k', 'v');
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      const r = await c.query(`SELECT value FROM ${schema}.kv`);
      await c.end();
      expect(r.rows).toEqual([{ value: 'v' }]);
    } finally {
      await (store as PostgresStore).dropSchema();
      await store.close();
    }
  });

  it('replicas migrating a fresh Postgres schema at the same time apply each version once', async () => {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const stores = [1, 2, 3].map(() => new PostgresStore({ databaseUrl: PG_URL, schema }));
    try {
      await Promise.all(stores.map((s) => s.migrate()));
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      const r = await c.query(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`);
      await c.end();
      expect(r.rows.map((x) => x.version)).toEqual(MIGRATIONS.map((m) => m.version));
    } finally {
      await stores[0]!.dropSchema();
      for (const s of stores) await s.close();
    }
  });

  it('tells the operator what to check when the database is unreachable', async () => {
    await expect(openStore({ databaseUrl: 'postgres://postgres@127.0.0.1:1/test' })).rejects.toThrow(
      /DATABASE_URL.*reachable/,
    );
  });

  it('rejects a schema name that is not a plain identifier', () => {
    expect(() => new PostgresStore({ databaseUrl: PG_URL, schema: 'x; DROP TABLE y' })).toThrow(
      /Invalid Postgres schema name/,
    );
  });

  it('lists only the migrations not yet applied, in order', () => {
    const all = [
      { version: 3, name: 'c', sqlite: '', postgres: '' },
      { version: 1, name: 'a', sqlite: '', postgres: '' },
      { version: 2, name: 'b', sqlite: '', postgres: '' },
    ];
    expect(pendingMigrations([2], all).map((m) => m.version)).toEqual([1, 3]);
  });
});
