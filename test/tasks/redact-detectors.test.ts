// Detectors that generalise: values are generated here from a seed, so nothing matches a fixture by its text.
import { detectSecrets, redact } from '../../src/tasks/redact/redact.js';
import { PATTERNS } from '../../src/tasks/redact/patterns.js';
import { rng } from '../../src/report/history.js';

const rand = rng(1234);
const pick = (alphabet: string, n: number) =>
  Array.from({ length: n }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
const B62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const B64 = `${B62}+/`;
const HEX = '0123456789abcdef';

test('no name beside it: a bare AWS-style secret key in prose is redacted', () => {
  const key = pick(B64, 40);
  expect(redact(`use ${key} for the bucket`)).not.toContain(key);
});

test('credential positions in every syntax, including escaped and encoded forms', () => {
  const v = pick(B62, 24);
  const hex = pick(HEX, 40);
  const cases = [
    `SIGNING_KEY_ID=${hex}`,
    `API_TOKEN=${v}`,
    `password: ${v}`,
    `"apiKey": "${v}"`,
    `{"pw": "DB_PASSWORD=\\"${v}\\""}`,
    `client_secret = '${v}'`,
    `mysql --password ${v} -h db`,
    `<password>${v}</password>`,
    `Authorization: Bearer ${v}`,
    `curl https://api.example.com/?access_token=${v}&x=1`,
    `url=https%3A%2F%2Fx%3Fapi_key%3D${v}`,
    `data: ${Buffer.from(`DB_PASSWORD=${v}`).toString('base64')}`,
    `redis://:${v}@cache:6379`,
  ];
  for (const c of cases) {
    const out = redact(c);
    expect({ c, leaked: out.includes(v) || out.includes(hex) }).toEqual({ c, leaked: false });
  }
});

test('precision: hashes, UUIDs, base64 test data, identifiers and lockfiles are not mangled', () => {
  const ordinary = [
    `commit ${pick(HEX, 40)}`,
    `"sha": "${pick(HEX, 40)}"`,
    `id: 3f2b8c1e-9a4d-4e2f-b6a1-0c9d8e7f6a5b`,
    `"integrity": "sha512-${pick(B64, 86)}=="`,
    `const fixture = "${Buffer.from('hello world, this is ordinary test data for a parser').toString('base64')}";`,
    'export const TSConstructSignatureDeclaration = assertTSConstructSignatureDeclaration;',
    'const token = await getToken(client);',
    'password: string;',
    "DUPLICATE_KEY: 'remove or rename one of them',",
    `![logo](data:image/png;base64,${pick(B64, 300)})`,
    `h1:${pick(B64, 43)}=`,
    'maxTokens: 4096, cacheKey: `${org}/${repo}`',
  ].join('\n');
  expect(detectSecrets(ordinary)).toEqual([]);
});

test('every known-format pattern is linear by construction: bounded quantifiers, nothing nested', () => {
  for (const p of PATTERNS) {
    // An unbounded quantifier is `*`, `+` or `{n,}` outside a character class.
    const src = p.re.source.replace(/\\./g, '').replace(/\[[^\]]*\]/g, 'C');
    expect({ kind: p.kind, unbounded: /[*+]|\{\d+,\}/.test(src) }).toEqual({ kind: p.kind, unbounded: false });
  }
});
