// Public API of the tasks area: risk assessment, docs on merge, and the safety tools they share.
export type { TaskContext, TaskResult } from './types.js';
export {
  runRiskTask,
  approveRisk,
  diffHash,
  ensureCheck,
  RISK_CHECK_NAME,
  HIGH_RISK_LABEL,
  type ApproveResult,
  type RiskTaskOptions,
} from './risk/run.js';
export {
  computeMetrics,
  metricsFromData,
  changeEntropy,
  type ChangeMetrics,
  type MetricsInput,
} from './risk/metrics.js';
export {
  scoreChange,
  levelFor,
  DEFAULT_THRESHOLDS,
  COEFFICIENTS,
  type RiskScore,
  type RiskLevel,
  type ScoreInput,
  type Thresholds,
} from './risk/score.js';
export {
  RiskNarrativeSchema,
  buildRiskPrompt,
  offlineNarrative,
  renderRiskComment,
  parseRiskComment,
  riskMarker,
  type RiskNarrative,
} from './risk/narrative.js';
export { DEFAULT_SENSITIVE_PATHS } from './risk/paths.js';
export {
  runDocsTask,
  offlineDocs,
  prependEntry,
  docsMarker,
  docsBranch,
  DocsSchema,
  type DocsAnswer,
} from './docs/run.js';
export { packDiff, parseUnifiedDiff, type PackResult, type Omission } from './pack/index.js';
export { redactSecrets, redactSecretsSync, redactionRecall, type CorpusItem } from './redact/index.js';
export {
  frameUntrusted,
  dataFrameRule,
  sanitizeModelText,
  sanitizeInline,
  neutraliseMentions,
  stripHtml,
  MAX_COMMENT_CHARS,
} from './safety.js';
