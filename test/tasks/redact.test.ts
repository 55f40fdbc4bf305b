import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { redactSecrets, redactionRecall, redactSecretsSync } from '../../src/tasks/redact/redact.js';
import { loadCorpus } from './corpus.js';

test('the corpus plants at least 60 secrets of at least 20 kinds, and every one is redacted', async () => {
  const { items, planted } = loadCorpus();
  expect(planted.length).toBeGreaterThanOrEqual(60);
  expect(new Set(planted.map((p) => p.kind)).size).toBeGreaterThanOrEqual(20);
  const r = await redactionRecall(items);
  expect(r.missed).toEqual([]);
  expect(r.recall).toBe(1);
  expect(r.total).toBe(planted.length);
});

test('findings become [REDACTED:<kind>] and the text around them survives', async () => {
  const pw = 'Zq9' + 'xLm2Wp7Rt';
  const r = await redactSecrets(`url: postgres://app:${pw}@db.internal:5432/app\nPORT=8080\n`);
  expect(r.text).not.toContain(pw);
  expect(r.text).toMatch(/^url: \S*\[REDACTED:[a-z_]*connection_string\]\S*\nPORT=8080\n$/);
  const jwt = 'eyJhbGciOiJIUzI1NiJ9' + '.eyJzdWIiOiIxMjM0NTY3ODkwIn0.' + 'dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
  expect(redactSecretsSync(`token ${jwt} end`).text).toBe('token [REDACTED:jwt] end');
});

test("ordinary code is not mangled: this repo's own source has no findings", async () => {
  const root = process.cwd();
  const files: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|js|json)$/.test(n)) files.push(p);
    }
  };
  walk(join(root, 'src'));
  walk(join(root, 'bench'));
  // The detectors' own source describes secret formats, so it is the one place allowed to look like them.
  const scanned = files.filter((f) => !f.includes(join('src', 'tasks', 'redact')));
  expect(scanned.length).toBeGreaterThan(20);
  const hits: string[] = [];
  for (const f of scanned) {
    const text = readFileSync(f, 'utf8');
    const r = await redactSecrets(text);
    for (const x of r.findings) hits.push(`${f}: ${x.kind}: ${text.slice(x.start - 20, x.end + 5)}`);
  }
  expect(hits).toEqual([]);
});

test('placeholders and expressions assigned to key-ish names are left alone', async () => {
  const code = [
    'const password = input.password;',
    'password: string;',
    'const token = await getToken(client);',
    "apiKey: process.env.OPENAI_API_KEY ?? ''",
    'DB_PASSWORD=${DB_PASSWORD}',
    'secret: <your-secret-here>',
    'maxTokens: 4096,',
  ].join('\n');
  expect((await redactSecrets(code)).text).toBe(code);
});
