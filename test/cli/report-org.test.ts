// `baton report --org`: every repository of an org in one report, idle installed ones named.
import { runReport } from '../../src/cli/report.js';
import { memStore } from '../report/mem-store.js';
import { PERIOD, run, sampleLedger, sampleTransitions } from '../report/fixtures.js';

const io = () => {
  const o = { out: '', err: '' };
  return { o, io: { out: (s: string) => (o.out += s), err: (s: string) => (o.err += s) } };
};
const now = () => new Date(PERIOD.until);

function orgStore() {
  const other = run('globex/shop', [
    { issue: 1, at: '2026-01-09T09:00:00Z', kind: 'start', to: 'spec' },
    { issue: 1, at: '2026-01-10T09:00:00Z', kind: 'done', to: 'done' },
  ]);
  const store = memStore([...sampleTransitions(), ...other], sampleLedger());
  // Installed repositories (app/inventory.ts): acme/docs has never had a run.
  for (const repo of ['acme/web', 'acme/api', 'acme/docs', 'globex/shop'])
    store.kv.set(`repo\u0000${repo}`, JSON.stringify({ repo, defaultBranch: 'main', digest: {} }));
  return store;
}

describe('baton report --org', () => {
  it("covers only that org's repositories, a row each, and names the idle ones", async () => {
    const { o, io: i } = io();
    expect(await runReport(['--since', '7d', '--format', 'json', '--org', 'acme'], i, { store: orgStore(), now })).toBe(
      0,
    );
    const r = JSON.parse(o.out);
    expect(Object.keys(r.byRepo).sort()).toEqual(['acme/api', 'acme/web']);
    expect(r.idle).toEqual(['acme/docs']);
    expect(r.org).toBe('acme');

    const t = io();
    expect(await runReport(['--since', '7d', '--org', 'acme'], t.io, { store: orgStore(), now })).toBe(0);
    expect(t.o.out).toMatch(/acme\/api/);
    expect(t.o.out).not.toMatch(/globex/);
    expect(t.o.out).toMatch(/Idle \(installed, no run in the period\): acme\/docs/);
  });

  it('refuses --org with --repo, a bad name, and an org Baton does not know', async () => {
    const a = io();
    expect(await runReport(['--org', 'acme', '--repo', 'acme/web'], a.io, { store: orgStore(), now })).toBe(2);
    expect(a.o.err).toMatch(/cannot be combined/);
    const b = io();
    expect(await runReport(['--org', 'ac me'], b.io, { store: orgStore(), now })).toBe(2);
    const c = io();
    expect(await runReport(['--org', 'initech'], c.io, { store: orgStore(), now })).toBe(1);
    expect(c.o.err).toMatch(/knows no repository of initech/);
  });
});
