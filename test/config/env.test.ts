// The environment is parsed once, by one schema: bad values are refused with the variable's name, unset and empty
// mean the default, and the README's table is what the schema generates.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, ENV_VARS, envTable, loadConfig } from '../../src/config/env.js';
import { embedSection } from '../../src/docs/readme.js';

const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c.server).toMatchObject({ port: 3000, host: '0.0.0.0' });
    expect(c.store).toEqual({ dataDir: '.baton', retention: { payloadDays: 1, jobDays: 30 } });
    expect(c.github.dismissStaleApprovals).toBe(true);
    expect(c.queue).toMatchObject({ redisPrefix: 'baton', concurrency: 8, leaseMs: 30000, jobAttempts: 6 });
    expect(c.llm.timeoutMs).toBe(30000);
    expect(c.ops).toMatchObject({ logLevel: 'info', debug: false });
    expect(c.ops.tracesUrl).toBeUndefined();
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig({ PORT: '', BATON_CONCURRENCY: ' ' }).server.port).toBe(3000);
  });

  it('refuses a port that is not a number instead of passing NaN on', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT="eighty": expected a whole number from 0 to 65535/);
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT="70000"/);
  });

  it('names every bad variable at once', () => {
    try {
      loadConfig({ BATON_CONCURRENCY: '0', OPENAI_BASE_URL: 'not a url', LOG_LEVEL: 'loud' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems.map((p) => p.split('=')[0]).sort()).toEqual([
        'BATON_CONCURRENCY',
        'LOG_LEVEL',
        'OPENAI_BASE_URL',
      ]);
    }
  });

  it('derives what several variables say together', () => {
    const c = loadConfig({
      GHE_HOST: 'ghe.example.com',
      GOOGLE_API_KEY: 'g',
      PRIVATE_KEY: 'a\\nb',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318/',
    });
    expect(c.github.baseUrl).toBe('https://ghe.example.com/api/v3');
    expect(c.github.privateKey).toBe('a\nb');
    expect(c.llm.gemini.apiKey).toBe('g');
    expect(c.ops.tracesUrl).toBe('http://otel:4318/v1/traces');
    expect(loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://x:1/t' }).ops.tracesUrl).toBe('http://x:1/t');
  });

  it('documents every variable', () => {
    for (const [name, v] of Object.entries(ENV_VARS)) expect(`${name}: ${v.description}`).toMatch(/: \S.{8,}/);
  });
});

describe("the README's environment table", () => {
  it('is generated from the schema (npm run schema)', () => {
    expect(embedSection(readme, 'env', envTable())).toBe(readme);
  });

  it('names every variable the source reads', () => {
    for (const name of Object.keys(ENV_VARS)) expect(readme).toContain(`\`${name}\``);
  });
});

describe('the one reader of the process environment', () => {
  // Files that may name process.env, and why. Anything else takes the typed Config (or a section of it) from its
  // caller, so a variable is declared, parsed and documented once.
  const EXCEPTIONS: Record<string, string> = {
    'config/env.ts': 'the reader itself: loadConfig parses process.env by the schema',
    // GitHub Actions hands a step its inputs as INPUT_* and the job as GITHUB_* (its documented runner contract), not
    // Baton's deployment settings; src/action/inputs.ts parses them with their own schema, once, at the entry.
    'action/main.ts': "the bundled Action's entry: the runner's INPUT_*/GITHUB_* go to readInputs",
    'cli/action.ts': 'runs that Action entry locally, with the process environment as a runner would give it',
    // The sandbox's runner starts the Action as a child process; PATH and HOME are the child's, not configuration.
    'sandbox/actions-runner.ts': 'passes PATH and HOME on to the child process it spawns as the runner',
  };
  const src = fileURLToPath(new URL('../../src/', import.meta.url));
  const files = (dir: string): string[] =>
    readdirSync(join(src, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
    );

  it('is src/config/env.ts: no other module reads process.env (except the documented ones)', () => {
    const readers = files('').filter((f) => /process\.env\b/.test(readFileSync(join(src, f), 'utf8')));
    expect(readers.sort()).toEqual(Object.keys(EXCEPTIONS).sort());
  });
});
