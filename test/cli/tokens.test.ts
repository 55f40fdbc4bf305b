import { runAudit, runTokens } from '../../src/cli/tokens.js';
import { AuditLog } from '../../src/api/audit.js';
import { TokenStore } from '../../src/api/tokens.js';
import { openIsolated, type Opened } from '../store/helpers.js';

describe('baton tokens and baton audit', () => {
  let o: Opened;
  let out: string[];
  let err: string[];
  const io = { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) };
  const NOW = new Date('2026-06-01T12:00:00.000Z');
  const deps = () => ({ store: o.store, env: {}, now: () => NOW });

  beforeEach(async () => {
    o = await openIsolated('sqlite');
    out = [];
    err = [];
  });
  afterEach(async () => {
    await o.cleanup();
  });

  it('creates a token shown once, stored as a hash, that verifies with its scopes and expiry', async () => {
    const code = await runTokens(
      [
        'create',
        '--name',
        'support',
        '--repo',
        'acme/web',
        '--flow',
        'feature',
        '--can',
        'create,read',
        '--expires',
        '90d',
      ],
      io,
      deps(),
    );
    expect(code).toBe(0);
    const token = /baton_[0-9a-f]{12}_\S+/.exec(out.join('\n'))![0];
    const stored = JSON.stringify(await o.store.kvList('api-token'));
    expect(stored).not.toContain(token.split('_')[2]);
    const check = await new TokenStore(o.store, () => NOW).verify(token);
    expect(check).toMatchObject({
      ok: { name: 'support', repo: 'acme/web', flows: ['feature'], can: ['create', 'read'] },
    });
    expect((check as { ok: { expiresAt: string } }).ok.expiresAt).toBe('2026-08-30T12:00:00.000Z');
    const later = await new TokenStore(o.store, () => new Date('2026-09-01T00:00:00Z')).verify(token);
    expect(later).toEqual({ error: 'expired' });
  });

  it('refuses unknown scopes and missing options with the fix', async () => {
    expect(await runTokens(['create', '--name', 'x', '--repo', 'acme/web', '--can', 'read,admin'], io, deps())).toBe(2);
    expect(err.join('\n')).toMatch(/unknown scope admin: use create, read, comment, cancel, webhooks/);
    expect(await runTokens(['create', '--name', 'x'], io, deps())).toBe(2);
    expect(err.at(-1)).toMatch(/--repo and --can are required/);
  });

  it('lists and revokes by name; a revoked token no longer verifies', async () => {
    const { token } = await new TokenStore(o.store, () => NOW).create({
      name: 'sales',
      repo: 'acme/web',
      can: ['read'],
    });
    expect(await runTokens(['list'], io, deps())).toBe(0);
    expect(out.join('\n')).toMatch(/sales\s+acme\/web\s+\*\s+read\s+active/);
    expect(await runTokens(['revoke', 'sales'], io, deps())).toBe(0);
    expect(await new TokenStore(o.store).verify(token)).toEqual({ error: 'revoked' });
    expect(await runTokens(['revoke', 'sales'], io, deps())).toBe(1);
    expect(err.at(-1)).toMatch(/no live token/);
  });

  it('audit prints the calls of the period, filtered by token', async () => {
    const log = new AuditLog(o.store, 90, () => NOW);
    const base = { method: 'POST', route: '/runs', ip: '127.0.0.1' };
    await log.record({
      ...base,
      at: '2026-05-31T10:00:00.000Z',
      tokenId: 'a1',
      token: 'support',
      status: 201,
      target: 'run_x',
    });
    await log.record({ ...base, at: '2026-05-31T11:00:00.000Z', tokenId: null, token: null, status: 401 });
    await log.record({ ...base, at: '2026-04-01T11:00:00.000Z', tokenId: 'a1', token: 'support', status: 201 });
    expect(await runAudit(['--since', '7d'], io, deps())).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/2026-05-31 10:00:00\s+support\s+POST \/runs\s+201\s+run_x/);
    expect(text).toMatch(/\(none\)\s+POST \/runs\s+401/);
    expect(text).not.toMatch(/2026-04-01/);
    out = [];
    expect(await runAudit(['--since', '7d', '--token', 'support', '--json'], io, deps())).toBe(0);
    expect(JSON.parse(out[0]!)).toHaveLength(1);
    expect(await log.prune()).toBe(0);
    expect(await new AuditLog(o.store, 30, () => NOW).prune()).toBe(1);
  });
});
