// The CLI conventions every command keeps: `--help` prints usage with examples and exits 0 without doing anything,
// and a busy port is a sentence with the fix, not a stack.
import { createServer, type Server } from 'node:net';
import { commandHelp, main } from '../../src/cli/main.js';
import { friendlyError } from '../../src/cli/errors.js';
import { runSandbox } from '../../src/cli/sandbox.js';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) } };
}

const COMMANDS = ['start', 'sandbox', 'simulate', 'validate', 'risk', 'costs', 'jobs', 'report', 'digest'];

describe('baton <command> --help', () => {
  it.each(COMMANDS)('%s --help exits 0 with usage and examples', async (name) => {
    const c = io();
    expect(await main([name, '--help'], c.io)).toBe(0);
    const text = c.out.join('\n');
    expect(text).toMatch(new RegExp(`^usage: baton ${name}`));
    expect(text).toMatch(/\nexamples:\n {2}npx baton /);
    expect(c.err).toEqual([]);
  });

  it('answers -h and `baton help <command>` the same way, and `start --help` starts nothing', async () => {
    const a = io();
    expect(await main(['start', '-h'], a.io)).toBe(0);
    // Had it started the sandbox, it would have printed the "No GitHub App credentials" line.
    expect(a.out.join('\n')).toBe(commandHelp('start'));
    const b = io();
    expect(await main(['help', 'report'], b.io)).toBe(0);
    expect(b.out.join('\n')).toBe(commandHelp('report'));
  });

  it('an unknown command lists the commands and exits 2', async () => {
    const c = io();
    expect(await main(['frobnicate'], c.io)).toBe(2);
    expect(c.err.join('\n')).toMatch(/unknown command "frobnicate"[\s\S]*validate/);
  });
});

describe('busy ports', () => {
  let busy: Server;
  let port: number;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    port = (busy.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => busy.close(() => r())));

  it('the sandbox on a busy PORT says which port and how to pick another, and exits 1', async () => {
    const c = io();
    expect(await runSandbox([], c.io, { PORT: String(port) })).toBe(1);
    const text = c.err.join('\n');
    expect(text).toContain(`port ${port} is already in use`);
    expect(text).toMatch(/PORT=0/);
    expect(text).not.toMatch(/\n\s+at /);
  });

  it('a PORT that is not a number is refused before anything starts', async () => {
    const c = io();
    expect(await runSandbox([], c.io, { PORT: 'eighty' })).toBe(2);
    expect(c.err.join('\n')).toMatch(/PORT="eighty": expected a whole number from 0 to 65535/);
  });

  it('only known system errors are rewritten', () => {
    expect(friendlyError(Object.assign(new Error('x'), { code: 'EADDRINUSE', port: 1 }))).toMatch(/port 1/);
    expect(friendlyError(new Error('boom'))).toBeUndefined();
  });
});
