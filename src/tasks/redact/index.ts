export {
  redactSecrets,
  redactSecretsSync,
  redactionRecall,
  patternFindings,
  applyRedactions,
  type Finding,
  type Redaction,
  type CorpusItem,
} from './redact.js';
export { PATTERNS, entropy, type SecretPattern } from './patterns.js';
