// The worker: one job = one recorded delivery. Normalises it into engine events, loads the flow and the run from
// GitHub, asks the engine, applies the effects exactly once, and writes the status card once. What each effect or
// side job does lives with its subject: the flow.yml check and config-problem issue in src/github, tasks in
// src/tasks, transitions and the digest in src/report.
import type { Logger } from 'pino';
import { LRUCache } from 'lru-cache';
import type { Flow } from '../flow/types.js';
import { decide, stageLabel, STAGE_LABEL_PREFIX } from '../engine/decide.js';
import type { BatonEvent, Effect, RunState } from '../engine/types.js';
import type { Job } from '../queue/types.js';
import { DEFAULT_RETRY } from '../queue/types.js';
import type { Store } from '../store/types.js';
import type { LlmRouter } from '../llm/types.js';
import { EffectApplier } from '../github/apply.js';
import { Refusals } from '../github/refusals.js';
import { renderCard } from '../github/card.js';
import { combineRequired } from '../github/combined-checks.js';
import { FlowConfigs, formatProblems, isOrgRepo } from '../github/config.js';
import { configProblemNote, reportConfigProblem } from '../github/config-problem.js';
import { normalize, type Lookups } from '../github/events.js';
import { issuesFromKeywords } from '../github/links.js';
import { DeferredLabels, transitionLabels } from '../github/deferred.js';
import { checkFlowFile, type OrgChild } from '../github/flow-check.js';
import { GitHubPort, etagCache, type EtagCache, type OctokitLike } from '../github/port.js';
import { countedApprovers } from '../github/reviews.js';
import { RepoMoves } from '../github/repo-moves.js';
import { RunStates } from '../github/runs.js';
import { TeamMembers } from '../github/teams.js';
import { errorMessage } from '../ops/errors.js';
import { jobLogger } from '../ops/log.js';
import { postDigest } from '../report/post-digest.js';
import { postOrgDigest } from '../report/org-digest.js';
import { recordMerge } from '../report/merges.js';
import { transitionEffect, type TransitionHook } from '../report/transition-effect.js';
import { taskEffect, type TaskRunners } from '../tasks/effect.js';
import { RepoRegistry, type SlaWatch } from './timers.js';
import { installationChanged, type InventoryDeps } from './inventory.js';

type P = Record<string, any>;

export interface WorkerHooks {
  transition?: TransitionHook;
  job?(outcome: 'done' | 'retry' | 'dead', name: string, ms: number): void;
  /** The engine's decision on an event, before any effect is applied (the action's job summary). */
  decided?(d: { issue: string; event: BatonEvent; note?: string }): void;
}

export interface WorkerDeps {
  store: Store;
  /** The router for a flow (its `llm:` section: tiers, prices, budgets). */
  router(flow: Flow): LlmRouter;
  tasks: TaskRunners;
  octokitFor(installationId: number | undefined): Promise<OctokitLike>;
  botLogin(): string | undefined;
  /** Each job logs through a child carrying its delivery id, event, key and attempt. */
  log: Logger;
  hooks?: WorkerHooks;
  maxAttempts?: number;
  /** Timers' view of the world (SLA nudges, digests), fed as jobs run. */
  sla?: SlaWatch;
  repos?: RepoRegistry;
  /** Where the flow file lives (default `.github/flow.yml`; the action's `flow-path` input). */
  flowPath?: string;
  /** Put a revived job back on the queue (BullMQ needs it; the SQL queue picks revived rows up by itself). */
  requeue?(job: { id: string; key: string; name: string }): Promise<void>;
  /** Approvals count only on the PR's current head (BATON_DISMISS_STALE_APPROVALS; default true). */
  dismissStaleApprovals?: boolean;
}

export class Worker {
  readonly flows: FlowConfigs;
  readonly runs: RunStates;
  private readonly etags: EtagCache = etagCache();
  /** PRs already linked in the store by this process (a miss only costs an idempotent write). */
  private readonly linked = new LRUCache<string, true>({ max: 10_000 });
  private readonly teams = new TeamMembers();
  private readonly deferred: DeferredLabels;
  private readonly refusals = new Refusals();
  private readonly moves: RepoMoves;

  constructor(private readonly deps: WorkerDeps) {
    this.flows = new FlowConfigs(deps.store, deps.flowPath);
    this.runs = new RunStates(deps.store, deps.botLogin);
    this.moves = new RepoMoves(deps.store);
    this.deferred = new DeferredLabels(deps.store);
  }

  private dismissOpt(): { dismissStale?: boolean } {
    return this.deps.dismissStaleApprovals !== undefined ? { dismissStale: this.deps.dismissStaleApprovals } : {};
  }

  /** The one way to a repository's port: its installation's Octokit and the shared ETag cache. */
  private async portFor(fullName: string, installationId: number | undefined): Promise<GitHubPort> {
    const [owner = '', repo = ''] = fullName.split('/');
    return new GitHubPort(await this.deps.octokitFor(installationId), { owner, repo }, this.etags);
  }

  /** Every line of a job carries its delivery id, event, key and attempt (`grep <delivery>` tells its story). */
  private logFor(job: Job, event: string): Logger {
    const ctx = { delivery: job.id, event, key: job.key, attempt: job.attempt };
    return jobLogger(this.deps.log, ctx);
  }

  /** The queue's job handler. */
  handle = async (job: Job): Promise<void> => {
    const started = Date.now();
    const d = await this.deps.store.getDelivery(job.id);
    if (!d) return;
    const payload = d.payload as P;
    const log = this.logFor(job, d.name);
    try {
      if (await installationChanged(this.inventoryDeps(), d.name, payload, log)) return;
      const full: string | undefined = payload.repository?.full_name;
      if (!full) return;
      if (await this.repositoryMoved(d.name, payload, full, log)) return;
      const port = await this.portFor(full, payload.installation?.id);
      // Every merge counts for flow compliance, also (above all) the ones no run carried.
      if (d.name === 'pull_request' && payload.action === 'closed' && payload.pull_request)
        await recordMerge(this.deps.store, full, payload.pull_request);
      const norm = await normalize(d.name, payload, this.lookups(port), this.deps.botLogin(), job.id);
      if (norm.ignored && !norm.events.length && !norm.flowCheck) {
        log.debug({ reason: norm.ignored }, 'ignored');
      }
      if (norm.configPushed) await this.flows.pushed(full, String(payload.after ?? ''));
      if (norm.flowCheck)
        await checkFlowFile(port, this.flows, norm.flowCheck, () => this.orgChildren(port.ref.owner, full));
      for (const ev of norm.events) await this.process(port, payload, { ...ev, delivery: job.id }, job, log);
      this.deps.hooks?.job?.('done', d.name, Date.now() - started);
    } catch (err) {
      const last = job.attempt >= (this.deps.maxAttempts ?? DEFAULT_RETRY.attempts);
      this.deps.hooks?.job?.(last ? 'dead' : 'retry', d.name, Date.now() - started);
      log.warn({ err: errorMessage(err) }, last ? 'job failed for good' : 'job failed, will retry');
      if (last) await this.markStuck(payload, job, err).catch(() => undefined);
      throw err;
    }
  };

  /** The org's other known repositories (every installed one, app/inventory.ts), for the org flow's PR check. */
  private async orgChildren(owner: string, except: string): Promise<OrgChild[]> {
    const known = (await this.deps.repos?.all()) ?? [];
    const out: OrgChild[] = [];
    for (const k of known) {
      if (k.repo.split('/')[0]?.toLowerCase() !== owner.toLowerCase() || k.repo.toLowerCase() === except.toLowerCase())
        continue;
      out.push({ port: await this.portFor(k.repo, k.installationId), defaultBranch: k.defaultBranch });
    }
    return out.sort((a, b) => a.port.fullName.localeCompare(b.port.fullName));
  }

  /** What the installed-repositories inventory (app/inventory.ts) needs, from this worker. */
  inventoryDeps(): InventoryDeps {
    return {
      octokitFor: this.deps.octokitFor,
      flows: this.flows,
      ...(this.deps.repos ? { repos: this.deps.repos } : { repos: new RepoRegistry(this.deps.store) }),
      ...(this.deps.sla ? { sla: this.deps.sla } : {}),
      etags: this.etags,
      log: this.deps.log,
    };
  }

  /**
   * Runs belong to the repository's id: when a payload names a known id under a new name (`repository.renamed` or
   * `repository.transferred`, or any later event if that one was missed), the store's runs, cards and flow follow
   * it and the timers forget the old name (the next event re-registers the repository). True for the rename events
   * themselves, which have nothing else to do.
   */
  private async repositoryMoved(name: string, payload: P, full: string, log: Logger): Promise<boolean> {
    const former = await this.moves.observe(payload.repository?.id, full);
    if (former) {
      await this.deps.repos?.forget(former);
      const runs = (await this.deps.sla?.forgetRepo(former)) ?? 0;
      log.info({ from: former, to: full, runs }, 'repository renamed or transferred: its runs follow it');
    }
    return name === 'repository' && (payload.action === 'renamed' || payload.action === 'transferred');
  }

  /**
   * GitHub closes the issues a PR's description says it fixes ("Fixes #N") when that PR is merged into the default
   * branch, as completed and by whoever merged it, and its `issues.closed` may arrive before the PR's own
   * `pull_request.closed` (https://docs.github.com/en/issues/tracking-your-work-with-issues/using-issues/linking-a-pull-request-to-an-issue;
   * deliveries are not ordered). So a completed close of an active run with a PR asks GitHub (one GET per candidate
   * PR, only on close events) whether that PR is merged and closes this issue. If so, the merge is decided first when
   * the run has not seen it (the very event the PR's delivery gives, so that delivery is a duplicate when it comes),
   * and the close is marked as the merge's: the engine then completes instead of cancelling.
   */
  private async withClosingMerge(
    port: GitHubPort,
    payload: P,
    ev: Extract<BatonEvent, { type: 'issue.closed' }>,
    defaultBranch: string,
    job: Job,
    log: Logger,
  ): Promise<BatonEvent> {
    if (ev.reason !== 'completed') return ev;
    const { run } = await this.runs.read(port, ev.issue);
    if (run?.status !== 'active') return ev;
    for (const pr of [...run.prs].reverse()) {
      if (pr.state === 'closed') continue;
      const pull = await port.findPull(pr.number);
      if (!pull?.merged || pull.base.ref !== defaultBranch) continue;
      if (!issuesFromKeywords(pull.body, port.fullName).includes(ev.issue)) continue;
      // The close GitHub makes on the merge is the merger's; someone else closing the issue is a person's close.
      if (pull.merged_by && pull.merged_by.login.toLowerCase() !== ev.actor.toLowerCase()) continue;
      if (pr.state !== 'merged') {
        const merged = {
          action: 'closed',
          number: pull.number,
          pull_request: pull,
          repository: payload.repository,
          installation: payload.installation,
          sender: pull.merged_by ?? payload.sender,
        };
        const norm = await normalize('pull_request', merged, this.lookups(port), this.deps.botLogin(), job.id);
        for (const m of norm.events)
          if (m.type === 'pr.merged' && m.issue === ev.issue) {
            log.info({ issue: `${port.fullName}#${ev.issue}`, pr: pull.number }, 'closed by a merge: the merge first');
            await this.process(port, merged, { ...m, delivery: job.id }, job, log);
          }
      }
      return { ...ev, closedByMerge: pr.number };
    }
    return ev;
  }

  private lookups(port: GitHubPort): Lookups {
    return {
      issueForPr: (pr) => this.deps.store.issueForPr(port.fullName, pr),
      permission: (login) => port.getPermission(login),
      approvals: (pr) => countedApprovers(port, pr, this.dismissOpt()),
      pull: (pr) => port.findPull(pr),
      checksOn: async (sha) => {
        const [runs, statuses] = await Promise.all([port.listCheckRuns(sha), port.listStatuses(sha)]);
        return { runs, statuses };
      },
      prsForSha: async (sha) =>
        (await port.pullsForCommit(sha)).filter((p) => p.state === 'open' && p.head.sha === sha).map((p) => p.number),
    };
  }

  private async process(port: GitHubPort, payload: P, ev: BatonEvent, job: Job, log: Logger): Promise<void> {
    const { store } = this.deps;
    const defaultBranch: string = payload.repository?.default_branch ?? (await port.getRepo()).default_branch;
    const lookup = await this.flows.get(port, defaultBranch);
    if (lookup.problem?.firstReport) {
      const where = lookup.problem.repo;
      log.warn({ repo: where, sha: lookup.problem.sha }, 'flow.yml on the default branch is invalid');
      // A broken org flow is reported once, on the org's `.github` repository, not in every repository running it.
      const on = where === port.fullName ? port : await this.portFor(where, payload.installation?.id);
      await reportConfigProblem(on, {
        sha: lookup.problem.sha,
        text: formatProblems(lookup.problem.problems),
        lastGoodInUse: !!lookup.flow,
      });
    }
    const flow = lookup.flow;
    if (!flow) return;
    const repoCtx = {
      repo: port.fullName,
      installationId: payload.installation?.id as number | undefined,
      defaultBranch,
      flow,
    };
    await this.deps.repos?.observe(repoCtx);
    const issueKey = `${port.fullName}#${ev.issue}`;
    if (ev.type === 'issue.labeled' && transitionLabels(flow).has(ev.label)) await this.deferred.remember(issueKey, ev);
    if (await this.cannotTouchRun(port, payload, ev, flow)) return;
    if (ignoredBot(flow, ev.actor)) {
      log.debug({ actor: ev.actor, type: ev.type }, 'ignored: a bot listed in ignore_bots');
      return;
    }

    if (ev.type === 'checks.completed') ev = await this.withRequiredChecks(port, flow, ev);
    if (ev.type === 'issue.closed') ev = await this.withClosingMerge(port, payload, ev, defaultBranch, job, log);
    const read = await this.runs.read(port, ev.issue);
    const teamMembers = await this.teamMembersFor(port, flow, ev);
    let decision = decide(flow, read.run, ev, { teamMembers });
    const moves = (d: typeof decision) => d.effects.some((e) => e.kind === 'card');
    // A label event moves a run only while the label is there: GitHub's state now decides, not the payload's
    // snapshot (a label added and removed again, delivered late or twice, must not move the run).
    if (ev.type === 'issue.labeled' && moves(decision) && !(await port.getIssue(ev.issue)).labels.includes(ev.label))
      decision = { run: read.run, effects: [], note: `label ${ev.label} is no longer on the issue` };
    log.info({ issue: issueKey, type: ev.type, note: decision.note }, 'decided');
    this.deps.hooks?.decided?.({ issue: issueKey, event: ev, note: decision.note });
    const ctx = { port, store, verifyAll: job.attempt > 1, refusals: this.refusals };
    let run = decision.run;
    if (!run) {
      // Commands answered without a run (status, refusals) still post their reply.
      await this.applier(port, flow, null, payload).applyAll(decision.effects, ctx);
      return;
    }
    let dirty = moves(decision) || !!read.restored;
    const followUps: BatonEvent[] = [];
    const current = run;
    const applier = this.applier(port, flow, () => run ?? current, payload, followUps, ev);
    const all: Effect[] = [];
    const apply = async (d: typeof decision): Promise<void> => {
      run = d.run ?? run;
      dirty ||= moves(d);
      all.push(...d.effects);
      await applier.applyAll(d.effects, ctx);
      // Task results come back as events so the engine, not the worker, decides what they mean for the run.
      for (let next = followUps.shift(); next; next = followUps.shift())
        await apply(decide(flow, run, next, { teamMembers }));
    };
    await apply(decision);
    // Label events that arrived before their stage, replayed while GitHub still shows the label (github/deferred.ts).
    if (run.status === 'active') {
      let pending = await this.deferred.pending(issueKey, run.seen);
      if (pending.length) {
        const labels = new Set((await port.getIssue(run.issue)).labels);
        await this.deferred.forget(
          issueKey,
          pending.filter((e) => !labels.has(e.label)).map((e) => e.id),
        );
        pending = pending.filter((e) => labels.has(e.label));
        for (let i = 0; i < pending.length && run.status === 'active'; i++) {
          const d = decide(flow, run, pending[i]!, { teamMembers });
          if (!moves(d)) continue;
          log.info({ issue: issueKey, type: 'issue.labeled', label: pending[i]!.label, note: d.note }, 'caught up');
          await apply(d);
          pending.splice(i, 1);
          i = -1; // the run moved: every remaining label may apply to its new stage
        }
      }
    }
    if (run.status !== 'active') await this.deferred.clear(issueKey);
    const synced = dirty ? await applier.syncIssue(run.issue, all, ctx, stageLabel(run.stage)) : undefined;
    if (applier.skipped.length) {
      // What GitHub refused is said on the card (once per reason), with the fix; the run moved on regardless.
      const known = new Set((run.skipped ?? []).map((s) => s.reason));
      const fresh = applier.skipped.filter((s) => !known.has(s.reason));
      if (fresh.length) {
        run.skipped = [...(run.skipped ?? []), ...fresh.map((s) => ({ at: ev.at, reason: s.reason }))].slice(-10);
        dirty = true;
        log.warn(
          { delivery: ev.delivery, issue: `${port.fullName}#${run.issue}`, skipped: fresh.map((s) => s.reason) },
          'GitHub refused some effects',
        );
      }
    }
    for (const pr of run.prs) {
      const k = `${port.fullName}!${pr.number}`;
      if (!this.linked.has(k)) {
        await store.linkPr(port.fullName, pr.number, run.issue);
        this.linked.set(k, true);
      }
    }
    if (dirty) {
      const links: Record<string, string> = {};
      const web: string = payload.repository?.html_url ?? `https://github.com/${port.fullName}`;
      for (const pr of run.prs)
        if (pr.risk?.commentId)
          links[`risk:${pr.number}`] = `${web}/pull/${pr.number}#issuecomment-${pr.risk.commentId}`;
      if (run.docs?.commentId) links.docs = `${web}/issues/${run.issue}#issuecomment-${run.docs.commentId}`;
      const problem = lookup.problem ? configProblemNote(lookup.problem.sha) : undefined;
      const extras = { links, configProblem: problem, now: ev.at, ...(synced ? { assignees: synced.assignees } : {}) };
      await this.runs.write(port, run, (r) => renderCard(r, flow, extras), read);
    }
    await this.deps.sla?.observe(repoCtx, run);
    if (ev.type === 'command' && ev.command === 'retry' && decision.note === 'retry')
      await this.reviveDead(`${port.fullName}#${run.issue}`, log);
  }

  /**
   * Cheap pre-check: an issue event on an issue with no stage label, other than the trigger, cannot touch a run.
   * The payload's labels are a snapshot from when the user acted: a label added right after the trigger predates
   * Baton's stage label, so an issue that still has the trigger, or whose card Baton wrote, is never skipped.
   */
  private async cannotTouchRun(port: GitHubPort, payload: P, ev: BatonEvent, flow: Flow): Promise<boolean> {
    // Only issue webhooks carry an issue object; an SLA tick names its issue by number and always reads the card.
    if (typeof payload.issue !== 'object' || !payload.issue || payload.issue.pull_request || ev.type === 'command')
      return false;
    const labels: string[] = (payload.issue.labels ?? []).map((l: P) => l.name);
    if (labels.some((l) => l.startsWith(STAGE_LABEL_PREFIX) || l === flow.trigger)) return false;
    if (ev.type === 'issue.labeled' && ev.label === flow.trigger) return false;
    return !(await this.deps.store.kvGet('card', `${port.fullName}#${ev.issue}`));
  }

  /**
   * A flow whose checks transition says `required_checks: true` waits for the status checks the PR's base branch
   * requires: read them (rulesets and branch protection, conditional reads) and attach their combined state. When
   * they cannot be read or none are required, the event stays as it is and every check counts.
   */
  private async withRequiredChecks(
    port: GitHubPort,
    flow: Flow,
    ev: Extract<BatonEvent, { type: 'checks.completed' }>,
  ): Promise<BatonEvent> {
    if (!ev.all || !flow.stages.some((s) => s.on.some((t) => t.required_checks))) return ev;
    let base: string;
    try {
      base = (await port.getPull(ev.pr.number)).base.ref;
    } catch (err) {
      if ((err as { status?: number }).status === 404) return ev;
      throw err;
    }
    const required = await port.requiredChecks(base);
    return required?.length ? { ...ev, required: combineRequired(ev.all, required) } : ev;
  }

  /** `/baton retry`: put the issue's dead-lettered jobs back in the queue (they run after this one, in order). */
  private async reviveDead(key: string, log: Logger): Promise<void> {
    for (const d of await this.deps.store.deadDeliveries(500)) {
      if (d.key !== key) continue;
      if (await this.deps.store.reviveDelivery(d.id)) await this.deps.requeue?.({ id: d.id, key: d.key, name: d.name });
      log.info({ delivery: d.id, key }, 'dead job revived by /baton retry');
    }
  }

  /** Post the week's Workflow Wins digest (src/report/post-digest.ts) for a repository Baton knows. */
  async postDigest(repo: string, week: string, due?: Date): Promise<void> {
    const known = await this.deps.repos?.get(repo);
    if (!known) return;
    const port = await this.portFor(repo, known.installationId);
    // After a restart the repo is known from the store but its flow is not loaded yet.
    const flow = 'flow' in known ? known.flow : (await this.flows.get(port, known.defaultBranch)).flow;
    if (!flow) return;
    if (flow.digest.org) {
      // The org digest: only from the org's `.github` repository, over every known repository of the org.
      if (!isOrgRepo(repo)) return;
      const owner = port.ref.owner.toLowerCase();
      const repos = ((await this.deps.repos?.all()) ?? [])
        .filter((k) => !k.optedOut)
        .map((k) => k.repo)
        .filter((r) => r.split('/')[0]?.toLowerCase() === owner && !isOrgRepo(r))
        .sort();
      await postOrgDigest({ store: this.deps.store, ...(due ? { now: () => due } : {}) }, port, {
        repos,
        week,
        ...(flow.digest.issue ? { issue: flow.digest.issue } : {}),
      });
      return;
    }
    await postDigest(
      { store: this.deps.store, router: this.deps.router, ...(due ? { now: () => due } : {}) },
      port,
      flow,
      week,
    );
  }

  private applier(
    port: GitHubPort,
    flow: Flow,
    getRun: (() => RunState) | null,
    payload: P,
    followUps: BatonEvent[] = [],
    cause?: BatonEvent,
  ): EffectApplier {
    if (!getRun) return new EffectApplier({ task: async () => undefined, transition: async () => undefined });
    return new EffectApplier({
      task: taskEffect({
        port,
        flow,
        router: this.deps.router(flow),
        tasks: this.deps.tasks,
        run: getRun,
        followUps,
        teamMembers: (slugs) => this.teams.of(port, slugs),
        ...(cause ? { cause } : {}),
        ...(this.deps.dismissStaleApprovals !== undefined
          ? { dismissStaleApprovals: this.deps.dismissStaleApprovals }
          : {}),
      }),
      transition: transitionEffect({
        store: this.deps.store,
        repo: port.fullName,
        flow,
        run: getRun,
        issue: payload.issue && !payload.issue.pull_request ? payload.issue : undefined,
        ...(this.deps.hooks?.transition ? { hook: this.deps.hooks.transition } : {}),
      }),
    });
  }

  private async teamMembersFor(port: GitHubPort, flow: Flow, ev: BatonEvent): Promise<Record<string, string[]>> {
    if (ev.type !== 'review.approved') return {};
    return this.teams.of(port, new Set(Object.values(flow.roles).flatMap((r) => r.teams)));
  }

  /** After the last retry: say on the card what is stuck and why, so a human can act. */
  private async markStuck(payload: P, job: Job, err: unknown): Promise<void> {
    const full: string | undefined = payload.repository?.full_name;
    const m = /#(\d+)$/.exec(job.key);
    if (!full || !m) return;
    const port = await this.portFor(full, payload.installation?.id);
    const lookup = await this.flows.get(port, payload.repository?.default_branch ?? 'main');
    const read = await this.runs.read(port, Number(m[1]));
    if (!read.run || !lookup.flow) return;
    const run: RunState = {
      ...read.run,
      stuck: { reason: errorMessage(err).slice(0, 300), at: new Date().toISOString(), job: job.id },
    };
    const flow = lookup.flow;
    await this.runs.write(port, run, (r) => renderCard(r, flow), read);
  }
}

/** flow.yml's `ignore_bots:` names bots with or without the `[bot]` suffix; case does not matter. */
function ignoredBot(flow: Flow, actor: string): boolean {
  const bare = (x: string) => x.toLowerCase().replace(/\[bot\]$/, '');
  return (flow.ignoreBots ?? []).some((b) => bare(b) === bare(actor)) && /\[bot\]$/i.test(actor);
}
