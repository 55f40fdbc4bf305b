// Every repository the App is installed on is known from the start, not from its first event: at start Baton lists
// its installations and each one's repositories, and `installation` / `installation_repositories` events add and drop
// repositories as they change. A known repository is in the digest, the reconcile sweep (which feeds the SLA watch
// from the cards it reads) and the dashboard even when nobody has touched it since installation.
import pLimit from 'p-limit';
import type { FlowConfigs } from '../github/config.js';
import { GitHubPort, listInstallations, type EtagCache, type OctokitLike } from '../github/port.js';
import { errorMessage } from '../ops/errors.js';
import type { RepoRegistry, SlaWatch } from './timers.js';
import type { Logger } from 'pino';

export interface InventoryDeps {
  octokitFor(installationId: number | undefined): Promise<OctokitLike>;
  flows: FlowConfigs;
  repos: RepoRegistry;
  sla?: SlaWatch;
  etags?: EtagCache;
  log: { info(o: object, m?: string): void; warn(o: object, m?: string): void };
}

export interface InventoryReport {
  installations: number;
  repos: number;
  /** Repositories that run a flow (their own, or the org's). */
  withFlow: number;
  /** Repositories known before that no installation lists any more. */
  dropped: number;
}

/** One repository of an installation: its default branch (when the payload lacks it) and its flow's digest. */
export async function knowRepo(
  deps: InventoryDeps,
  r: { full_name: string; default_branch?: string; archived?: boolean },
  installationId: number,
): Promise<boolean> {
  const [owner = '', repo = ''] = r.full_name.split('/');
  const port = new GitHubPort(await deps.octokitFor(installationId), { owner, repo }, deps.etags);
  const defaultBranch = r.default_branch ?? (await port.getRepo()).default_branch;
  const lookup = await deps.flows.get(port, defaultBranch);
  const flow = lookup.flow;
  if (flow) await deps.repos.observe({ repo: r.full_name, installationId, defaultBranch, flow });
  else
    await deps.repos.know({
      repo: r.full_name,
      installationId,
      defaultBranch,
      ...(lookup.disabled ? { optedOut: true } : {}),
    });
  return !!flow;
}

/** The repository no installation reaches any more: no digest, no SLA nudges. */
export async function forgetRepo(deps: Pick<InventoryDeps, 'repos' | 'sla'>, repo: string): Promise<number> {
  await deps.repos.forget(repo);
  return (await deps.sla?.forgetRepo(repo)) ?? 0;
}

/**
 * Repositories read at once at start. Each costs one flow read (a conditional request once its ETag is known); one at a
 * time, an org with hundreds of repositories would hold back the first job for minutes after every deploy. Reads only:
 * GitHub asks integrators to avoid concurrent writes, not reads
 * (https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#avoid-concurrent-requests),
 * and the throttling plugin still spaces them out when GitHub signals a limit.
 */
export const INVENTORY_CONCURRENCY = 8;

/** The start's pass over every installation (GET /app/installations, then GET /installation/repositories each). */
export async function knowInstalledRepos(deps: InventoryDeps): Promise<InventoryReport> {
  const report: InventoryReport = { installations: 0, repos: 0, withFlow: 0, dropped: 0 };
  const seen = new Set<string>();
  const failed = new Set<number>();
  const limit = pLimit(INVENTORY_CONCURRENCY);
  for (const inst of await listInstallations(await deps.octokitFor(undefined))) {
    // A suspended installation's tokens are refused; its repositories are kept until it is deleted.
    if (inst.suspended_at) {
      failed.add(inst.id);
      continue;
    }
    report.installations++;
    try {
      const port = new GitHubPort(
        await deps.octokitFor(inst.id),
        { owner: inst.account?.login ?? '', repo: '' },
        deps.etags,
      );
      const repos = await port.listInstallationRepos();
      for (const r of repos) seen.add(r.full_name.toLowerCase());
      const active = repos.filter((r) => !r.archived);
      report.repos += active.length;
      await Promise.all(
        active.map((r) =>
          limit(async () => {
            try {
              if (await knowRepo(deps, r, inst.id)) report.withFlow++;
            } catch (err) {
              deps.log.warn({ repo: r.full_name, err: errorMessage(err) }, 'could not read an installed repository');
            }
          }),
        ),
      );
    } catch (err) {
      failed.add(inst.id);
      deps.log.warn({ installation: inst.id, err: errorMessage(err) }, 'could not list the installation repositories');
    }
  }
  // Known before, listed by no installation now (removed while Baton was down): dropped like an event would.
  for (const k of await deps.repos.all()) {
    if (seen.has(k.repo.toLowerCase()) || (k.installationId !== undefined && failed.has(k.installationId))) continue;
    await forgetRepo(deps, k.repo);
    report.dropped++;
  }
  deps.log.info({ ...report }, 'installed repositories known');
  return report;
}

/**
 * `installation` and `installation_repositories` (GitHub sends them to every App,
 * https://docs.github.com/en/webhooks/webhook-events-and-payloads#installation and
 * https://docs.github.com/en/webhooks/webhook-events-and-payloads#installation_repositories): repositories added are
 * known at once (digest, reconcile and SLA watch, dashboard), before their first event; repositories the App can no
 * longer reach leave the SLA watch and the digest registry, so no timer keeps acting on them.
 */
export async function installationChanged(
  deps: InventoryDeps,
  name: string,
  payload: Record<string, any>,
  log: Pick<Logger, 'info'>,
): Promise<boolean> {
  if (name !== 'installation' && name !== 'installation_repositories') return false;
  const action = String(payload.action ?? '');
  const gone: Record<string, any>[] =
    name === 'installation'
      ? action === 'deleted' || action === 'suspend'
        ? (payload.repositories ?? [])
        : []
      : (payload.repositories_removed ?? []);
  const added: Record<string, any>[] =
    name === 'installation'
      ? action === 'created' || action === 'unsuspend'
        ? (payload.repositories ?? [])
        : []
      : (payload.repositories_added ?? []);
  for (const r of gone) {
    const full: string | undefined = r?.full_name;
    if (!full) continue;
    const runs = await forgetRepo(deps, full);
    log.info({ repo: full, runs, action: `${name}.${action}` }, 'the App can no longer reach this repository');
  }
  const installationId: number | undefined = payload.installation?.id;
  // An install on "All repositories" lists every one of them: read several at once, and let one that cannot be read
  // (deleted meanwhile, a transient error) not fail the others; the next start's inventory reads it again.
  const limit = pLimit(INVENTORY_CONCURRENCY);
  await Promise.all(
    added.map((r) =>
      limit(async () => {
        const full: string | undefined = r?.full_name;
        if (!full || installationId === undefined) return;
        try {
          const withFlow = await knowRepo(deps, { full_name: full }, installationId);
          log.info({ repo: full, withFlow, action: `${name}.${action}` }, 'the App was installed on this repository');
        } catch (err) {
          deps.log.warn({ repo: full, err: errorMessage(err) }, 'could not read a newly installed repository');
        }
      }),
    ),
  );
  return true;
}
