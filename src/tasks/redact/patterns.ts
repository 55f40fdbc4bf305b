// Baton's own secret detectors, layered on top of secretlint's recommended preset for what it misses or only
// matches in specific file types (generic assignments, connection strings, JWTs, vendor tokens in any text).
// Each pattern marks the secret itself: group `s` when present, else the whole match.

export interface SecretPattern {
  kind: string;
  re: RegExp; // must be global
  /** Optional extra check on the captured secret (entropy, placeholders) to keep ordinary code intact. */
  accept?: (secret: string, match: RegExpMatchArray) => boolean;
}

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

const PLACEHOLDER =
  /^(\$\{.*\}|\$[A-Z_]+|<[^>]*>|\{\{.*\}\}|%\(?[a-z_]+\)?s?|x{4,}|\*{3,}|\.{3,}|changeme|your[-_].*|example.*|dummy|redacted|null|none|undefined|true|false)$/i;

/** A value assigned to a key-ish name: quoted values need a little substance, bare values must look like a secret, not code. */
function plausibleSecret(v: string, m: RegExpMatchArray): boolean {
  if (v.length < 6 || PLACEHOLDER.test(v) || v.includes('${')) return false;
  // Obvious stand-ins in tests and benches ('sk-test', 'g-bench'): short and saying so.
  if (v.length < 20 && /(^|[-_])(test|bench|fake|dummy|example|sample|placeholder)([-_]|$)/i.test(v)) return false;
  if (!m.groups?.q) {
    // Bare values in code are usually expressions: calls, types, generics, optional chains, plain identifiers.
    if (/[([<{?]/.test(v) || /^[A-Za-z_$][A-Za-z_$.]*!?$/.test(v)) return false;
  }
  if (/^\[REDACTED:/.test(v)) return false;
  if (/^(process\.env|os\.environ|env\.|import\.meta|secrets\.|vars\.|ENV\[)/.test(v)) return false;
  if (/^[a-z][A-Za-z]*$/.test(v) && v.length < 16) return false; // an identifier, e.g. `password: string`
  if (/^[a-z_]+(\.[a-z_]+)+$/i.test(v)) return false; // a property path, e.g. opts.token
  return entropy(v) >= 2.2;
}

const KEYISH =
  '(?:[A-Za-z0-9_.-]{0,40}?(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|auth[_-]?key|private[_-]?key|client[_-]?secret|signing[_-]?key|encryption[_-]?key|master[_-]?key|account[_-]?key)(?!s)[A-Za-z0-9_.-]{0,40})';
// `(?!s)`: plurals (`tokens`, `secrets`) name collections and counters, not credentials.

export const PATTERNS: SecretPattern[] = [
  {
    kind: 'private_key',
    re: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|$)/g,
  },
  { kind: 'aws_access_key', re: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b/g },
  {
    kind: 'aws_secret_key',
    re: /aws.{0,20}?(?:secret|private).{0,20}?['"=:\s]\s*['"]?(?<s>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi,
  },
  // An access key id followed by its secret, as in SDK calls: NewStaticCredentialsProvider("AKIA…", "…").
  {
    kind: 'aws_secret_key',
    re: /\b(?:AKIA|ASIA)[A-Z0-9]{16}['"`]?\s*[,:=;]\s*['"`]?(?<s>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/g,
  },
  { kind: 'github_token', re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g },
  { kind: 'gitlab_token', re: /\bglpat-[A-Za-z0-9_-]{20,}\b/g },
  { kind: 'slack_token', re: /\bxox[abposre]-[A-Za-z0-9-]{10,}\b/g },
  { kind: 'slack_webhook', re: /https:\/\/hooks\.slack\.com\/(?:services|workflows)\/[A-Za-z0-9_/+-]{20,}/g },
  {
    kind: 'discord_webhook',
    re: /https:\/\/(?:ptb\.|canary\.)?discord(?:app)?\.com\/api\/webhooks\/\d+\/[A-Za-z0-9_-]{30,}/g,
  },
  { kind: 'stripe_key', re: /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}\b/g },
  { kind: 'stripe_webhook_secret', re: /\bwhsec_[A-Za-z0-9]{24,}\b/g },
  { kind: 'twilio_key', re: /\bSK[0-9a-fA-F]{32}\b/g },
  { kind: 'sendgrid_key', re: /\bSG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{30,50}\b/g },
  { kind: 'mailgun_key', re: /\bkey-[0-9a-f]{32}\b/g },
  { kind: 'mailchimp_key', re: /\b[0-9a-f]{32}-us[0-9]{1,2}\b/g },
  { kind: 'npm_token', re: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { kind: 'npmrc_auth', re: /_auth(?:Token)?\s*=\s*(?<s>[^\s'"]{8,})/g },
  { kind: 'pypi_token', re: /\bpypi-[A-Za-z0-9_-]{50,}\b/g },
  { kind: 'gcp_api_key', re: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { kind: 'gcp_service_account', re: /"private_key_id"\s*:\s*"(?<s>[0-9a-f]{40})"/g },
  {
    kind: 'azure_storage_key',
    re: /\b(?:AccountKey|SharedAccessKey|SharedAccessSignature)=(?<s>[A-Za-z0-9+/=%]{20,})/g,
  },
  { kind: 'azure_client_secret', re: /\b[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}\b/g },
  {
    kind: 'openai_key',
    re: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}\b|\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}\b/g,
  },
  { kind: 'anthropic_key', re: /\bsk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{80,}\b/g },
  { kind: 'huggingface_token', re: /\bhf_[A-Za-z]{34}\b/g },
  { kind: 'shopify_token', re: /\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b/g },
  { kind: 'square_token', re: /\bsq0(?:atp|csp)-[0-9A-Za-z_-]{22,43}\b/g },
  { kind: 'telegram_bot_token', re: /\b\d{8,10}:AA[0-9A-Za-z_-]{33}\b/g },
  { kind: 'linear_key', re: /\blin_api_[A-Za-z0-9]{40}\b/g },
  { kind: 'digitalocean_token', re: /\bdo[por]_v1_[a-f0-9]{64}\b/g },
  { kind: 'postman_key', re: /\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b/g },
  { kind: 'grafana_token', re: /\bglsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}\b/g },
  { kind: 'vault_token', re: /\bhv[sb]\.[A-Za-z0-9_-]{24,}\b/g },
  { kind: 'jwt', re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  // scheme://user:password@host — only the password is a secret; the user and host stay readable.
  {
    kind: 'connection_string',
    re: /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s:/@'"`]{1,64}:(?<s>[^\s@'"`/]{3,128})@[^\s'"`]+/gi,
    accept: (s) => !PLACEHOLDER.test(s) && !/^(\$\{?[A-Z_]+\}?|pass(word)?|secret|pwd)$/i.test(s),
  },
  {
    kind: 'basic_auth_header',
    re: /\bAuthorization\s*[:=]\s*['"]?(?:Basic|Bearer|token)\s+(?<s>[A-Za-z0-9._~+/=-]{12,})/gi,
  },
  // Generic assignment to a key-ish name: `DB_PASSWORD=…`, `secret: "…"`, `"apiKey": "…"`, `client_secret = '…'`.
  {
    kind: 'generic_secret',
    re: new RegExp(`${KEYISH}['"]?\\s*(?::=|=>|[:=])\\s*(?<q>['"\`]?)(?<s>[^\\s'"\`,;)]{6,200})\\k<q>`, 'gi'),
    accept: plausibleSecret,
  },
  // High-entropy hex/base64 assigned to any *key*/*salt*/*signature* name.
  {
    kind: 'high_entropy_key',
    re: /[A-Za-z0-9_]{0,40}(?:key|salt|signature|seed|hmac|nonce_secret)['"]?\s*[:=]\s*['"]?(?<s>(?:[0-9a-fA-F]{32,}|[A-Za-z0-9+/_-]{32,}={0,2}))(?![A-Za-z0-9+/=_-])/gi,
    accept: (s) => entropy(s) >= 3.5,
  },
];
