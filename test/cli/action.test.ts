// `baton action`: one event through the action entry against the sandbox, with no credentials.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runActionCli } from '../../src/cli/action.js';

const io = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) } };
};

describe('baton action', () => {
  const dir = mkdtempSync(join(tmpdir(), 'baton-action-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs a labeled event against the sandbox and prints the job summary and the card', async () => {
    const path = join(dir, 'labeled.json');
    writeFileSync(
      path,
      JSON.stringify({
        action: 'labeled',
        label: { name: 'flow:feature' },
        issue: { number: 2, title: 'Discounts', body: 'x', user: { login: 'alice' }, labels: [] },
        sender: { login: 'alice', type: 'User' },
      }),
    );
    const c = io();
    const saved = { t: process.env.GITHUB_TOKEN, r: process.env.GITHUB_REPOSITORY };
    delete process.env.GITHUB_TOKEN;
    try {
      expect(await runActionCli(['--event-name', 'issues', '--event-path', path], c.io)).toBe(0);
    } finally {
      if (saved.t !== undefined) process.env.GITHUB_TOKEN = saved.t;
    }
    const text = c.out.join('\n');
    expect(text).toMatch(/\| Decision \| acme\/web#2: issue\.labeled → started at spec \|/);
    expect(text).toMatch(/card on acme\/web#2: stage spec \(active\)/);
  });

  it('says what is missing', async () => {
    const c = io();
    expect(await runActionCli(['--event-name', 'issues'], c.io)).toBe(2);
    expect(c.err.join('\n')).toMatch(/--event-name and --event-path are required/);
    expect(await runActionCli(['--event-name', 'issues', '--event-path', join(dir, 'nope.json')], c.io)).toBe(2);
    expect(c.err.join('\n')).toMatch(/cannot read the event payload/);
  });
});
