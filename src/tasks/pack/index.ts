export { packDiff, trimContext, type PackResult, type PackOptions, type PackInputFile, type Omission } from './pack.js';
export { parseUnifiedDiff, type DiffFile } from './diff.js';
export { skipReason, type SkipReason } from './classify.js';
