// Operations surface: metrics, tracing, health routes and logging, in one import for the app and CLI wiring.
export {
  createMetrics,
  instrumentOctokit,
  metricsHooks,
  eventLabel,
  type Metrics,
  type MetricsOptions,
} from './metrics.js';
export {
  initTracing,
  shutdownTracing,
  flushTracing,
  withSpan,
  withLlmSpan,
  withParent,
  currentTraceparent,
  traceOctokit,
} from './tracing.js';
export { healthRoutes, opsHandler, type OpsDeps } from './health.js';
export { createLogger, jobLogger, scrubSecrets, REDACT_PATHS, type JobContext } from './log.js';
export { routeTemplate } from './route-template.js';
