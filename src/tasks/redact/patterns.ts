// Known credential formats: a distinctive literal prefix (or shape) and a bounded body. Every quantifier is bounded
// and no pattern nests quantifiers, so each runs in time linear in its input (test/tasks/redact-linear.test.ts and
// `npm run bench -- security` sweep them with adversarial inputs up to 256 KiB). Generic assignments, bare random
// tokens, private key blocks, connection strings and encoded forms are found by the scanners in scan.ts instead.
// Each pattern marks the secret itself: group `s` when present, else the whole match.

export interface SecretPattern {
  kind: string;
  re: RegExp; // must be global
  /** A near-miss fragment; the linear-time bench repeats it to 256 KiB. */
  probe: string;
}

export const PATTERNS: SecretPattern[] = [
  {
    kind: 'aws_access_key',
    re: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b/g,
    probe: 'AKIAABCDEFGH',
  },
  // An access key id followed by its secret, as in SDK calls: NewStaticCredentialsProvider("AKIA…", "…").
  {
    kind: 'aws_secret_key',
    re: /\b(?:AKIA|ASIA)[A-Z0-9]{16}['"`]?\s{0,4}[,:=;]\s{0,4}['"`]?(?<s>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/g,
    probe: 'AKIAABCDEFGHIJKLMNOP", "',
  },
  {
    kind: 'github_token',
    re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g,
    probe: 'ghp_abc github_pat_',
  },
  { kind: 'gitlab_token', re: /\bgl(?:pat|dt|rt|cbt|ptt|ft|imt|agent)-[A-Za-z0-9_-]{20,64}\b/g, probe: 'glpat-abc' },
  { kind: 'slack_token', re: /\bxox[abposre]-[A-Za-z0-9-]{10,255}\b/g, probe: 'xoxb-' },
  {
    kind: 'slack_webhook',
    re: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/+-]{20,200}/g,
    probe: 'https://hooks.slack.com/services/',
  },
  {
    kind: 'discord_webhook',
    re: /https:\/\/(?:ptb\.|canary\.)?discord(?:app)?\.com\/api\/webhooks\/\d{5,25}\/[A-Za-z0-9_-]{30,100}/g,
    probe: 'https://discord.com/api/webhooks/123456/',
  },
  { kind: 'stripe_key', re: /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,255}\b/g, probe: 'sk_live_abc' },
  { kind: 'stripe_webhook_secret', re: /\bwhsec_[A-Za-z0-9]{24,128}\b/g, probe: 'whsec_abc' },
  { kind: 'twilio_key', re: /\b(?:SK|AC)[0-9a-fA-F]{32}\b/g, probe: 'SK0123abc' },
  {
    kind: 'sendgrid_key',
    re: /\bSG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{30,50}\b/g,
    probe: 'SG.abcdefghijklmnopqrstuv.',
  },
  { kind: 'mailgun_key', re: /\bkey-[0-9a-f]{32}\b/g, probe: 'key-0123abc' },
  { kind: 'mailchimp_key', re: /\b[0-9a-f]{32}-us[0-9]{1,2}\b/g, probe: '0123456789abcdef0123456789abcdef-u' },
  { kind: 'npm_token', re: /\bnpm_[A-Za-z0-9]{36}\b/g, probe: 'npm_abc' },
  { kind: 'npmrc_auth', re: /_auth(?:Token)?\s{0,8}=\s{0,8}(?<s>[^\s'"]{8,512})/g, probe: '_authToken = ' },
  { kind: 'pypi_token', re: /\bpypi-[A-Za-z0-9_-]{50,255}\b/g, probe: 'pypi-AgEI' },
  { kind: 'gcp_api_key', re: /\bAIza[0-9A-Za-z_-]{35}\b/g, probe: 'AIzaSy' },
  { kind: 'gcp_oauth_token', re: /\bya29\.[0-9A-Za-z_-]{30,512}/g, probe: 'ya29.' },
  {
    kind: 'gcp_service_account',
    re: /"private_key_id"\s{0,8}:\s{0,8}"(?<s>[0-9a-f]{40})"/g,
    probe: '"private_key_id": "',
  },
  {
    kind: 'azure_storage_key',
    re: /\b(?:AccountKey|SharedAccessKey|SharedAccessSignature)=(?<s>[A-Za-z0-9+/=%]{20,512})/g,
    probe: 'AccountKey=abc',
  },
  { kind: 'azure_client_secret', re: /\b[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}\b/g, probe: 'abc8Q~abc' },
  {
    kind: 'openai_key',
    re: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,200}T3BlbkFJ[A-Za-z0-9_-]{20,200}\b|\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,255}\b/g,
    probe: 'sk-proj-abcdefghijklmnopqrstuvwxyz-',
  },
  { kind: 'anthropic_key', re: /\bsk-ant-(?:api|admin|oat)\d{2}-[A-Za-z0-9_-]{80,255}\b/g, probe: 'sk-ant-api03-abc' },
  { kind: 'huggingface_token', re: /\bhf_[A-Za-z]{34}\b/g, probe: 'hf_abc' },
  { kind: 'shopify_token', re: /\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b/g, probe: 'shpat_abc' },
  { kind: 'square_token', re: /\b(?:sq0(?:atp|csp)-[0-9A-Za-z_-]{22,43}|EAAA[0-9A-Za-z_-]{60})\b/g, probe: 'sq0atp-' },
  { kind: 'telegram_bot_token', re: /\b\d{8,10}:AA[0-9A-Za-z_-]{33}\b/g, probe: '123456789:AA' },
  { kind: 'linear_key', re: /\blin_(?:api|oauth)_[A-Za-z0-9]{40}\b/g, probe: 'lin_api_abc' },
  { kind: 'digitalocean_token', re: /\bdo[por]_v1_[a-f0-9]{64}\b/g, probe: 'dop_v1_abc' },
  { kind: 'postman_key', re: /\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b/g, probe: 'PMAK-abc' },
  {
    kind: 'grafana_token',
    re: /\b(?:glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|glc_[A-Za-z0-9+/]{32,400}={0,2})/g,
    probe: 'glsa_',
  },
  { kind: 'vault_token', re: /\bhv[sbr]\.[A-Za-z0-9_-]{24,255}\b/g, probe: 'hvs.abc' },
  {
    kind: 'jwt',
    re: /\beyJ[A-Za-z0-9_-]{8,2000}\.eyJ[A-Za-z0-9_-]{8,4000}\.[A-Za-z0-9_-]{8,2000}/g,
    probe: 'eyJhbGciOi.eyJ',
  },
  { kind: 'doppler_token', re: /\bdp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}\b/g, probe: 'dp.pt.abc' },
  { kind: 'databricks_token', re: /\bdapi[a-f0-9]{32}(?:-\d)?\b/g, probe: 'dapi0123' },
  { kind: 'atlassian_token', re: /\bATATT3[A-Za-z0-9_=-]{180,200}\b/g, probe: 'ATATT3xFf' },
  { kind: 'newrelic_key', re: /\bNR(?:AK|II|JS)-[A-Za-z0-9]{20,42}\b/g, probe: 'NRAK-abc' },
  { kind: 'sentry_token', re: /\bsntry[su]_[A-Za-z0-9+/=_-]{40,300}/g, probe: 'sntrys_abc' },
  { kind: 'pulumi_token', re: /\bpul-[a-f0-9]{40}\b/g, probe: 'pul-0123' },
  { kind: 'flyio_token', re: /\bFlyV1 fm\d_[A-Za-z0-9+/=_-]{40,800}/g, probe: 'FlyV1 fm2_' },
  { kind: 'dropbox_token', re: /\bsl\.[A-Za-z0-9_-]{130,160}\b/g, probe: 'sl.abc' },
  { kind: 'heroku_key', re: /\bHRKU-[A-Za-z0-9_-]{60}\b/g, probe: 'HRKU-abc' },
];
