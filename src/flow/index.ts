// Public API of the flow package.
export {
  loadFlow,
  loadFlowBytes,
  summarizeFlow,
  formatProblem,
  type LoadFlowOptions,
  type LoadFlowResult,
} from './load.js';
export {
  loadBundledPreset,
  parseBaseRef,
  presetNames,
  type BaseRef,
  type FetchBase,
  type LoadPreset,
} from './extends.js';
export { normalizeFlow, normalizeRole, durationMs } from './normalize.js';
export { FlowFileSchema, type FlowFile } from './schema.js';
export type { Flow, FlowProblem, Role, Stage } from './types.js';
