// `baton sandbox act`: usage problems and a missing sandbox are said in words, with what to do.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSandboxAct } from '../../src/cli/sandbox-act.js';
import { readSession, removeSession, writeSession } from '../../src/sandbox/session.js';

const run = async (argv: string[], env: Record<string, string> = {}) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runSandboxAct(argv, { out: (s) => void out.push(s), err: (s) => void err.push(s) }, env);
  return { code, out: out.join('\n'), err: err.join('\n') };
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'baton-act-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('says how to start a sandbox when none runs on this data directory', async () => {
  const r = await run(['--as', 'bob', 'comment', '1', '/baton status'], { BATON_DATA_DIR: dir });
  expect(r.code).toBe(1);
  expect(r.err).toMatch(/no sandbox is running with BATON_DATA_DIR=.*start one with `npm start`/);
});

it('refuses a missing --as, an unknown action and a missing number before reaching any sandbox', async () => {
  expect((await run(['comment', '1', 'hi'])).err).toMatch(/say who acts: --as LOGIN/);
  expect((await run(['--as', 'bob', 'poke', '1'])).err).toMatch(/unknown action "poke"/);
  expect((await run(['--as', 'bob', 'merge', 'x'])).err).toMatch(/merge: give the issue or pull request number/);
  expect((await run(['--as', 'bob', 'review', '2', 'lgtm'])).err).toMatch(/approve, request-changes or comment/);
  expect((await run(['--help'])).out).toMatch(/usage: baton sandbox act --as LOGIN/);
});

it('names the people it knows when asked to act as someone else', async () => {
  const s = { url: 'http://127.0.0.1:9', viewUrl: 'x', batonUrl: 'y', repo: 'acme/web', tokens: { bob: 't' }, pid: 1 };
  writeSession(dir, s);
  expect(readSession(dir)).toEqual(s);
  const r = await run(['--as', 'mallory', 'comment', '1', 'hi'], { BATON_DATA_DIR: dir });
  expect(r.err).toMatch(/no person "mallory" \(people: bob\)/);
  // Only the process that wrote the session removes it (another sandbox may have replaced it).
  removeSession(dir, 2);
  expect(typeof readSession(dir)).toBe('object');
  removeSession(dir, 1);
  expect(readSession(dir)).toMatch(/no sandbox is running/);
});
