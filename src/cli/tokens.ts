// `baton tokens create|list|revoke` and `baton audit`: partner API tokens and the log of what they did.
// Reads and writes the same store as the server (BATON_DATA_DIR or DATABASE_URL).
import { parseArgs } from 'node:util';
import { AuditLog } from '../api/audit.js';
import { parseScopes, TokenStore, type ApiToken } from '../api/tokens.js';
import { parseDuration } from '../report/stats.js';
import { withStore, type OpenStore } from '../report/open-store.js';
import type { Store } from '../store/types.js';
import type { CliIo } from './io.js';
import type { Env } from '../config/env.js';
import { errorMessage } from '../ops/errors.js';

export interface TokensDeps {
  store?: Store;
  openStore?: OpenStore;
  env?: Env;
  now?: () => Date;
}

const STORE_FLAGS = {
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
  json: { type: 'boolean' },
} as const;

function status(t: ApiToken, now: Date): string {
  if (t.revokedAt) return `revoked ${t.revokedAt.slice(0, 10)}`;
  if (t.expiresAt && Date.parse(t.expiresAt) <= now.getTime()) return `expired ${t.expiresAt.slice(0, 10)}`;
  return t.expiresAt ? `active until ${t.expiresAt.slice(0, 10)}` : 'active';
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

export async function runTokens(argv: string[], io: CliIo, deps: TokensDeps = {}): Promise<number> {
  const [sub, ...rest] = argv;
  const now = deps.now ?? (() => new Date());
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        ...STORE_FLAGS,
        name: { type: 'string' },
        repo: { type: 'string' },
        flow: { type: 'string', multiple: true },
        can: { type: 'string' },
        expires: { type: 'string' },
      },
    });
  } catch (e) {
    io.err(`baton tokens: ${errorMessage(e)} (see baton tokens --help)`);
    return 2;
  }
  const f = parsed.values;
  if (sub === 'create') {
    if (!f.name || !f.repo || !f.can) {
      io.err(
        'baton tokens create: --name, --repo and --can are required, e.g. --name support --repo acme/web --can create,read',
      );
      return 2;
    }
    let can;
    let expiresInMs: number | undefined;
    try {
      can = parseScopes(f.can);
      expiresInMs = f.expires ? parseDuration(f.expires) : undefined;
    } catch (e) {
      io.err(`baton tokens create: ${errorMessage(e)}`);
      return 2;
    }
    return withStore(deps, f, io.err, async (store) => {
      try {
        const { token, record } = await new TokenStore(store, now).create({
          name: f.name!,
          repo: f.repo!,
          flows: (f.flow ?? []).flatMap((x) => x.split(',')).filter(Boolean),
          can,
          ...(expiresInMs ? { expiresInMs } : {}),
        });
        if (f.json) io.out(JSON.stringify({ token, ...record, hash: undefined }));
        else
          io.out(
            [
              `Token for ${record.name} (${record.repo}; ${record.flows.length ? `flows ${record.flows.join(', ')}` : 'every flow'}; ${record.can.join(', ')}; ${status(record, now())}):`,
              '',
              `  ${token}`,
              '',
              'It is shown once: Baton keeps only its hash. Revoke it with `baton tokens revoke ' + record.id + '`.',
            ].join('\n'),
          );
        return 0;
      } catch (e) {
        io.err(`baton tokens create: ${errorMessage(e)}`);
        return 2;
      }
    });
  }
  if (sub === 'list') {
    return withStore(deps, f, io.err, async (store) => {
      const list = await new TokenStore(store, now).list();
      if (f.json) io.out(JSON.stringify(list.map(({ hash: _hash, ...t }) => t)));
      else if (!list.length)
        io.out('No API tokens yet: baton tokens create --name NAME --repo owner/repo --can create,read');
      else
        io.out(
          table(
            ['ID', 'NAME', 'REPO', 'FLOWS', 'SCOPES', 'STATUS', 'CREATED'],
            list.map((t) => [
              t.id,
              t.name,
              t.repo,
              t.flows.join(',') || '*',
              t.can.join(','),
              status(t, now()),
              t.createdAt.slice(0, 10),
            ]),
          ),
        );
      return 0;
    });
  }
  if (sub === 'revoke') {
    const which = parsed.positionals[0];
    if (!which) {
      io.err('baton tokens revoke: name the token by id or name, e.g. baton tokens revoke support');
      return 2;
    }
    return withStore(deps, f, io.err, async (store) => {
      const hits = await new TokenStore(store, now).revoke(which);
      if (!hits.length) {
        io.err(`baton tokens revoke: no live token with id or name "${which}" (baton tokens list shows them)`);
        return 1;
      }
      io.out(`revoked ${hits.map((t) => `${t.id} (${t.name})`).join(', ')}`);
      return 0;
    });
  }
  io.err('usage: baton tokens create|list|revoke … (see baton tokens --help)');
  return 2;
}

export async function runAudit(argv: string[], io: CliIo, deps: TokensDeps = {}): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...STORE_FLAGS, since: { type: 'string', default: '7d' }, token: { type: 'string' } },
    });
  } catch (e) {
    io.err(`baton audit: ${errorMessage(e)} (see baton audit --help)`);
    return 2;
  }
  const f = parsed.values;
  let sinceMs: number;
  try {
    sinceMs = parseDuration(f.since!);
  } catch (e) {
    io.err(`baton audit: --since ${errorMessage(e)}`);
    return 2;
  }
  const now = deps.now ?? (() => new Date());
  return withStore(deps, f, io.err, async (store) => {
    const since = new Date(now().getTime() - sinceMs).toISOString();
    const rows = await new AuditLog(store).list({ since, ...(f.token ? { token: f.token } : {}) });
    if (f.json) io.out(JSON.stringify(rows));
    else if (!rows.length) io.out(`No API calls since ${since.slice(0, 16).replace('T', ' ')} UTC.`);
    else
      io.out(
        table(
          ['WHEN (UTC)', 'TOKEN', 'CALL', 'STATUS', 'TARGET', 'FROM'],
          rows.map((r) => [
            r.at.slice(0, 19).replace('T', ' '),
            r.token ?? '(none)',
            `${r.method} ${r.route}`,
            String(r.status),
            r.target ?? '',
            r.ip,
          ]),
        ),
      );
    return 0;
  });
}
