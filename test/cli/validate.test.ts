// `baton validate`: output format, exit codes, --json, offline remote extends.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runValidate } from '../../src/cli/validate.js';

const FIX = fileURLToPath(new URL('../fixtures/flows/', import.meta.url));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) } };
}

describe('baton validate', () => {
  it('prints path:line:col: error: message and exits 1', async () => {
    const c = io();
    const path = `${FIX}broken/unknown-role.yml`;
    expect(await runValidate([path], c.io)).toBe(1);
    expect(c.out).toEqual([
      `${path}:12:12: error: stages[1].owner: unknown role "qa" — define it under roles: or use issue.author / pr.author / @login (roles: dev, qa-team)`,
    ]);
    expect(c.err).toEqual([`${path}: 1 error`]);
  });

  it('prints the summary and exits 0 for a valid flow, warnings included', async () => {
    const c = io();
    const path = `${FIX}valid/warnings.yml`;
    expect(await runValidate([path], c.io)).toBe(0);
    expect(c.out).toHaveLength(3);
    expect(c.out[0]).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:10:10: warning: `));
    expect(c.out[2]).toBe(`${path}: ok — flow "flow:warn": 2 stages (build → done), 0 roles, trigger flow:warn`);
  });

  it('resolves presets offline', async () => {
    const c = io();
    expect(await runValidate([`${FIX}valid/feature-child.yml`], c.io)).toBe(0);
    expect(c.out.at(-1)).toContain('6 stages (build → review → security-review → checks → merge → done), 5 roles');
  });

  it('warns on the extends line when a remote base cannot be fetched, and exits 0', async () => {
    const c = io();
    const path = `${FIX}valid/remote-child.yml`;
    expect(await runValidate([path], c.io)).toBe(0);
    expect(c.out[0]).toMatch(
      /remote-child\.yml:2:10: warning: extends: cannot fetch remote base "acme\/flows:\.github\/org-base\.yml@main" offline/,
    );
    expect(c.out[1]).toMatch(/not fetched/);
  });

  it('prints problems as JSON with --json', async () => {
    const c = io();
    expect(await runValidate(['--json', `${FIX}broken/version-2.yml`], c.io)).toBe(1);
    const parsed = JSON.parse(c.out.join('\n'));
    expect(parsed.valid).toBe(false);
    expect(parsed.problems).toEqual([
      expect.objectContaining({
        line: 1,
        col: 10,
        severity: 'error',
        message: expect.stringContaining('unsupported version 2'),
      }),
    ]);
  });

  it('defaults to .github/flow.yml relative to the working directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-validate-'));
    const cwd = process.cwd();
    try {
      process.chdir(dir);
      const missing = io();
      expect(await runValidate([], missing.io)).toBe(2);
      expect(missing.err[0]).toMatch(/\.github\/flow\.yml not found/);
    } finally {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a given file and rejects unknown flags', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-validate-'));
    try {
      const file = join(dir, 'flow.yml');
      writeFileSync(file, 'version: 1\ntrigger: t\nstages:\n  - id: only\n');
      const ok = io();
      expect(await runValidate([file], ok.io)).toBe(0);
      expect(ok.out).toEqual([`${file}: ok — flow "t": 1 stage (only), 0 roles, trigger t`]);
      const bad = io();
      expect(await runValidate(['--nope', file], bad.io)).toBe(2);
      expect(bad.err[0]).toMatch(/unexpected argument --nope/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--base-dir resolves remote extends offline, so overrides and loops are checked before pushing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-validate-base-'));
    try {
      mkdirSync(join(dir, 'acme', 'flows@v2'), { recursive: true });
      mkdirSync(join(dir, 'acme', 'flows'), { recursive: true });
      writeFileSync(
        join(dir, 'acme', 'flows@v2', 'base.yml'),
        'version: 1\ntrigger: flow:org\nstages:\n  - id: build\n    owner: dev\n    on: [{ event: pr.merged, to: done }]\n  - id: done\n',
      );
      const child = join(dir, 'flow.yml');
      writeFileSync(
        child,
        'version: 1\nextends: acme/flows:base.yml@v2\nroles:\n  dev: bob\nstages:\n  - id: build\n    owner: qa\n',
      );
      const c = io();
      expect(await runValidate([child, '--base-dir', dir], c.io)).toBe(1);
      expect(c.out.join('\n')).toMatch(/flow\.yml:7:12: error: stages\[0\]\.owner: unknown role "qa"/);

      // a.yml ↔ b.yml: the loop is found offline too.
      writeFileSync(join(dir, 'acme', 'flows', 'a.yml'), 'version: 1\nextends: acme/flows:b.yml\n');
      writeFileSync(join(dir, 'acme', 'flows', 'b.yml'), 'version: 1\nextends: acme/flows:a.yml\n');
      writeFileSync(child, 'version: 1\nextends: acme/flows:a.yml\n');
      const l = io();
      expect(await runValidate([child, '--base-dir', dir], l.io)).toBe(1);
      expect(l.out.join('\n')).toMatch(/extends loop: .*acme\/flows:a\.yml → acme\/flows:b\.yml → acme\/flows:a\.yml/);

      // Without --base-dir the same file is checked as far as it can be, and says how to check the rest.
      const w = io();
      expect(await runValidate([child], w.io)).toBe(0);
      expect(w.out.join('\n')).toMatch(/--base-dir DIR checks it/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a file that is not UTF-8 is one located error, not mojibake', async () => {
    const c = io();
    expect(await runValidate([`${FIX}broken/not-utf8.yml`], c.io)).toBe(1);
    expect(c.out).toEqual([expect.stringMatching(/not-utf8\.yml:1:25: error: byte 0xe9 is not UTF-8/)]);
  });
});
