// The GitHub sandbox: a local GitHub (REST + signed webhooks) for the demo, tests and benchmarks.
export { Sandbox, type SandboxOptions, type ActionOpts } from './github-server.js';
export { seedDemo, type SeedOptions, type SeededDemo } from './seed.js';
export { ROUTES, type RouteDef } from './routes.js';
export { exampleFor, buildPayload } from './payloads.js';
export { WebhookSender, signBody, type Delivery } from './webhooks.js';
export { Faults, secondaryRateLimit, primaryRateLimit, type FaultSpec } from './faults.js';
export {
  SandboxState,
  blobSha,
  diffText,
  isoSeconds,
  type Repo,
  type Issue,
  type Pull,
  type Comment,
  type Role,
} from './state.js';
export { Renderer } from './render.js';
export { World, type FileChanges } from './world.js';
export { HttpError } from './http-types.js';
export type { RequestCounts } from './http-server.js';
