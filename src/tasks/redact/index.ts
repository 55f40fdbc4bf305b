export {
  redactSecrets,
  redactSecretsSync,
  redact,
  redactDeep,
  detectSecrets,
  redactionRecall,
  patternFindings,
  applyRedactions,
  type Finding,
  type Redaction,
  type CorpusItem,
} from './redact.js';
export { PATTERNS, type SecretPattern } from './patterns.js';
export { entropy, looksRandom } from './entropy.js';
