// The partner API assembled: tokens, audit, outbound webhooks, the service and its HTTP handler, wired to a running
// Baton (its installation Octokits and flow loader) once that exists.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Flow } from '../flow/types.js';
import { GitHubPort, repoInstallationId, etagCache, type EtagCache, type OctokitLike } from '../github/port.js';
import type { JobQueue } from '../queue/types.js';
import type { Store, TransitionRecord } from '../store/types.js';
import { AuditLog } from './audit.js';
import { createApiHandler } from './http.js';
import { Outbound, OUTBOUND_JOB } from './outbound.js';
import { ApiError, ApiService, type ApiGitHub } from './service.js';
import { TokenStore } from './tokens.js';
import { LRUCache } from 'lru-cache';

export { OUTBOUND_JOB } from './outbound.js';
export { TokenStore } from './tokens.js';
export { AuditLog } from './audit.js';

const REPO_TTL_MS = 5 * 60_000;

export interface PartnerApiGitHub {
  octokitFor(installationId: number | undefined): Promise<OctokitLike>;
  loadFlow(port: GitHubPort, defaultBranch: string): Promise<Flow | undefined>;
}

export interface PartnerApi {
  handler(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  jobs: Record<string, (job: { id: string; key: string; name: string; attempt: number }) => Promise<void>>;
  onTransition(t: TransitionRecord): Promise<void>;
  /** Give the API its GitHub once Baton runs. */
  bind(github: PartnerApiGitHub): void;
  tokens: TokenStore;
  audit: AuditLog;
  service: ApiService;
}

export function createPartnerApi(o: {
  store: Store;
  queue: Pick<JobQueue, 'enqueue'>;
  ratePerMinute?: number;
  allowPrivateCallbacks?: boolean;
  log?: { warn(o: object, msg: string): void };
}): PartnerApi {
  let gh: PartnerApiGitHub | undefined;
  const bound = (): PartnerApiGitHub => {
    if (!gh)
      throw new ApiError(503, 'Starting', 'Baton is starting; retry in a few seconds.', {
        headers: { 'retry-after': '5' },
      });
    return gh;
  };
  const etags: EtagCache = etagCache();
  const installs = new LRUCache<string, number>({ max: 1000 });
  // The repository's metadata, briefly cached: its ETag changes with every issue opened (open_issues_count), so a
  // conditional request would cost a full request per run started.
  const repos = new LRUCache<string, Promise<Record<string, unknown>>>({ max: 1000, ttl: REPO_TTL_MS });
  const repository = (port: GitHubPort): Promise<Record<string, unknown>> => {
    const hit = repos.get(port.fullName);
    if (hit) return hit;
    const data = port.getRepo() as unknown as Promise<Record<string, unknown>>;
    repos.set(port.fullName, data);
    data.catch(() => repos.delete(port.fullName));
    return data;
  };
  const github: ApiGitHub = {
    async repo(full) {
      const g = bound();
      const [owner, repo] = full.split('/') as [string, string];
      let id = installs.get(full.toLowerCase());
      if (id === undefined) {
        id = await repoInstallationId(await g.octokitFor(undefined), { owner, repo });
        if (id === undefined) return undefined;
        installs.set(full.toLowerCase(), id);
      }
      const port = new GitHubPort(await g.octokitFor(id), { owner, repo }, etags);
      return { port, installationId: id, repository: () => repository(port) };
    },
    async flow(port) {
      return bound().loadFlow(port, String((await repository(port)).default_branch));
    },
  };
  const tokens = new TokenStore(o.store);
  const audit = new AuditLog(o.store);
  const service = new ApiService({ store: o.store, queue: o.queue, github });
  const outbound = new Outbound({
    store: o.store,
    queue: o.queue,
    tokens,
    ...(o.allowPrivateCallbacks ? { allowPrivate: true } : {}),
    origin: (repo, issue) => service.origin(repo, issue),
  });
  const handler = createApiHandler({
    service,
    outbound,
    tokens,
    audit,
    ...(o.ratePerMinute ? { ratePerMinute: o.ratePerMinute } : {}),
    ...(o.log ? { log: o.log } : {}),
  });
  return {
    handler,
    jobs: { [OUTBOUND_JOB]: outbound.handle },
    onTransition: async (t) => {
      await outbound.onTransition(t);
    },
    bind(g) {
      gh = g;
    },
    tokens,
    audit,
    service,
  };
}
