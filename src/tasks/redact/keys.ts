// What a key name says about the value assigned to it. Names are split into words (snake, kebab, dot and camel
// case), so `DB_PASSWORD`, `dbPassword`, `db.password` and `--db-password` are the same key. Three answers: a
// credential (the value is redacted when it has a little substance), an identifier that is ordinary even when random
// (hashes, ids, checksums: never redacted by position), or nothing to say.
import { LRUCache } from 'lru-cache';

export type KeyClass = 'password' | 'token' | 'ordinary';

export function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

const PASSWORD_WORDS = new Set(['password', 'passwd', 'passphrase', 'pwd', 'pw', 'pass', 'passcode', 'secret']);
const TOKEN_WORDS = new Set([
  'token',
  'apikey',
  'api_key',
  'credential',
  'cred',
  'creds',
  'auth',
  'authorization',
  'authtoken',
  'bearer',
  'jwt',
  'cookie',
  'hmac',
  'salt',
  'privkey',
  'privatekey',
  'secretkey',
  'accesskey',
  'dsn',
  'sig',
  'signature',
  'otp',
  'totp',
  'sas',
]);
// Words that make a `…key` name a credential: api key, access key, signing key, …
const KEY_QUALIFIERS = new Set([
  'api',
  'access',
  'secret',
  'private',
  'priv',
  'signing',
  'sign',
  'encryption',
  'encrypt',
  'decrypt',
  'master',
  'account',
  'client',
  'app',
  'auth',
  'deploy',
  'service',
  'ssh',
  'gpg',
  'pgp',
  'crypt',
  'crypto',
  'cipher',
  'session',
  'webhook',
  'license',
  'licence',
  'server',
  'shared',
  'storage',
  'subscription',
  'consumer',
  'admin',
  'root',
  'hmac',
  'aes',
  'rsa',
  'kms',
  'jwt',
  'live',
  'prod',
  'production',
  'bot',
]);
// A value named like this is ordinary data, whatever it looks like.
const ORDINARY_LAST = new Set([
  'name',
  'names',
  'path',
  'paths',
  'file',
  'files',
  'dir',
  'type',
  'types',
  'length',
  'len',
  'count',
  'size',
  'ttl',
  'expiry',
  'expires',
  'expiration',
  'expire',
  'header',
  'env',
  'field',
  'prefix',
  'suffix',
  'url',
  'uri',
  'endpoint',
  'host',
  'port',
  'user',
  'username',
  'login',
  'format',
  'version',
  'mode',
  'enabled',
  'enable',
  'disabled',
  'required',
  'policy',
  'rotation',
  'hint',
  'label',
  'title',
  'description',
  'placeholder',
  'example',
  'schema',
  'regex',
  'pattern',
  'kind',
  'limit',
  'max',
  'min',
  'timeout',
  'index',
  'algorithm',
  'alg',
  'provider',
  'source',
  'location',
  'var',
  'variable',
  'arn',
  'usage',
  'budget',
  'budgets',
  'tokens',
  'secrets',
  'passwords',
  'keys',
  'strength',
  'manager',
  'store',
  'class',
  'input',
  'reset',
  'changed',
  'confirmation',
  'confirm',
  'check',
  'valid',
  'error',
  'message',
  'text',
  'ref',
  'lookup',
  'rule',
  'rules',
  'scope',
  'scopes',
  'range',
  'char',
  'chars',
  'id', // an id is a credential only as `key_id` / `token_id` (checked below)
]);
/** Names whose values are hashes, ids or checksums: random-looking by nature, never secrets by position. */
const HASH_WORDS = new Set([
  'sha',
  'sha1',
  'sha256',
  'sha384',
  'sha512',
  'md5',
  'hash',
  'digest',
  'checksum',
  'integrity',
  'etag',
  'commit',
  'rev',
  'revision',
  'uuid',
  'guid',
  'oid',
  'fingerprint',
  'h1',
  'nonce',
  'node',
  'id',
  'ids',
  'cursor',
  'sri',
  'blob',
  'tree',
  'parent',
  'before',
  'after',
  'head',
  'base',
  'merge',
  'color',
  'colour',
  'avatar',
  'gravatar',
  'image',
  'thumbnail',
  'data',
  'content',
  'body',
  'src',
  'href',
]);

// Cheap first look: a key with none of these stems cannot be a credential name (most keys in code are not).
const STEMS = /pass|pw|secret|token|key|auth|cred|bearer|jwt|cookie|hmac|salt|sig|otp|dsn|sas|priv/i;
/** `'none'`: the key says nothing (lru-cache holds no undefined). */
const cache = new LRUCache<string, KeyClass | 'none'>({ max: 4096 });

/** What a key name says about its value (memoised: the same keys recur in a text). */
export function keyClass(key: string): KeyClass | undefined {
  const hit = cache.get(key);
  if (hit !== undefined) return hit === 'none' ? undefined : hit;
  const cls = classify(key);
  cache.set(key, cls ?? 'none');
  return cls;
}

/** Like keyClass, for the credential question only: undefined unless the key names a credential. */
export function credentialKey(key: string): KeyClass | undefined {
  if (!STEMS.test(key)) return undefined;
  const c = keyClass(key);
  return c === 'ordinary' ? undefined : c;
}

function classify(key: string): KeyClass | undefined {
  const words = keyWords(key);
  if (!words.length) return undefined;
  const last = words[words.length - 1]!;
  const has = (set: Set<string>) => words.some((w) => set.has(w));
  const credentialId = last === 'id' && words.length >= 2 && /^(key|token|secret)$/.test(words[words.length - 2]!);
  if (ORDINARY_LAST.has(last) && !credentialId) return HASH_WORDS.has(last) ? 'ordinary' : undefined;
  if (has(PASSWORD_WORDS)) return 'password';
  if (has(TOKEN_WORDS) || credentialId) return 'token';
  if (words.includes('key')) {
    if (has(KEY_QUALIFIERS)) return 'token';
    // CONSTANT_CASE names are environment variables: `MAPS_KEY=…` in a .env file is a credential.
    if (/^[A-Z0-9_]+$/.test(key) && /[A-Z]/.test(key)) return 'token';
    return undefined;
  }
  if (HASH_WORDS.has(last)) return 'ordinary';
  return undefined;
}
