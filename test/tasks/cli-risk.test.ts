import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRisk } from '../../src/cli/risk.js';

function io(stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s), readStdin: async () => stdin },
  };
}

const dir = mkdtempSync(join(tmpdir(), 'baton-risk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('scores every valid line, reports bad lines as FILE:line and exits 1 after the rest', async () => {
  const f = join(dir, 'm.jsonl');
  writeFileSync(
    f,
    [
      JSON.stringify({ la: 10, ld: 2, nf: 1, exp: 200 }),
      '{not json',
      JSON.stringify({ la: -1, ld: 0, nf: 1 }),
      '',
      JSON.stringify({
        la: 3000,
        ld: 800,
        nf: 90,
        nd: 12,
        ns: 4,
        entropy: 0.9,
        fix: true,
        exp: 1,
        sexp: 0,
        sensitive: ['db/migrations/x.sql'],
      }),
    ].join('\n'),
  );
  const t = io();
  const code = await runRisk(['--metrics', f], t.io);
  expect(code).toBe(1);
  expect(t.out).toHaveLength(2);
  const [a, b] = t.out.map((l) => JSON.parse(l));
  expect(a.level).toBe('low');
  expect(b.level).toBe('high');
  expect(Object.keys(b).sort()).toEqual(['level', 'reasons', 'score']);
  // First the convention it assumed, then each bad line in order.
  expect(t.err[0]).toMatch(/metrics read as the kamei convention/);
  expect(t.err[1]).toMatch(new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: not valid JSON`));
  expect(t.err[2]).toMatch(/:3: la: /);
});

test('reads stdin with -, exits 0 when all lines are good; usage errors exit 2', async () => {
  const t = io(`${JSON.stringify({ la: 1, ld: 1, nf: 1 })}\n`);
  expect(await runRisk(['--metrics', '-'], t.io)).toBe(0);
  expect(JSON.parse(t.out[0] ?? '{}').level).toBe('low');
  const u = io();
  expect(await runRisk([], u.io)).toBe(2);
  expect(u.err[0]).toMatch(/usage: baton risk/);
  const missing = io();
  expect(await runRisk(['--metrics', join(dir, 'nope.jsonl')], missing.io)).toBe(2);
  expect(missing.err[0]).toMatch(/cannot read/);
});
