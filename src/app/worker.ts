// The worker: one job = one recorded delivery. Normalises it into engine events, loads the flow and the run from
// GitHub, asks the engine, applies the effects exactly once, runs LLM tasks, and writes the status card once.
import type { Flow } from '../flow/types.js';
import { summarizeFlow } from '../flow/index.js';
import { decide, stageLabel, STAGE_LABEL_PREFIX } from '../engine/decide.js';
import type { BatonEvent, Effect, RunState, TaskResult } from '../engine/types.js';
import type { Job } from '../queue/types.js';
import { DEFAULT_RETRY } from '../queue/types.js';
import type { Store, TransitionRecord } from '../store/types.js';
import type { LlmRouter } from '../llm/types.js';
import type { TaskContext } from '../tasks/types.js';
import { EffectApplier } from '../github/apply.js';
import { renderCard } from '../github/card.js';
import { FlowConfigs, formatProblems } from '../github/config.js';
import { FLOW_PATH, normalize, type Lookups } from '../github/events.js';
import { references } from '../github/links.js';
import { GitHubPort, type EtagCache, type OctokitLike } from '../github/port.js';
import { RunStates } from '../github/runs.js';
import { roleOf } from '../engine/owners.js';
import type { RepoRegistry, SlaWatch } from './timers.js';
import { loadDigest } from '../report/digest.js';

type P = Record<string, any>;

export interface Logger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
}

export interface TaskRunners {
  risk(ctx: TaskContext): Promise<TaskResult>;
  docs(ctx: TaskContext): Promise<TaskResult>;
}

export interface WorkerHooks {
  transition?(t: TransitionRecord, timing: { stageSeconds?: number; cycleSeconds?: number }): void;
  job?(outcome: 'done' | 'retry' | 'dead', name: string, ms: number): void;
}

export interface WorkerDeps {
  store: Store;
  /** The router for a flow (its `llm:` section: tiers, prices, budgets). */
  router(flow: Flow): LlmRouter;
  tasks: TaskRunners;
  octokitFor(installationId: number | undefined): Promise<OctokitLike>;
  botLogin(): string | undefined;
  log: Logger;
  hooks?: WorkerHooks;
  maxAttempts?: number;
  /** Timers' view of the world (SLA nudges, digests), fed as jobs run. */
  sla?: SlaWatch;
  repos?: RepoRegistry;
  /** Put a revived job back on the queue (BullMQ needs it; the SQL queue picks revived rows up by itself). */
  requeue?(job: { id: string; key: string; name: string }): Promise<void>;
}

export const FLOW_CHECK = 'Baton / flow.yml';

export class Worker {
  readonly flows: FlowConfigs;
  readonly runs: RunStates;
  private readonly etags: EtagCache = new Map();
  private readonly linked = new Set<string>();
  private readonly teams = new Map<string, { at: number; members: string[] }>();

  constructor(private readonly deps: WorkerDeps) {
    this.flows = new FlowConfigs(deps.store);
    this.runs = new RunStates(deps.store, deps.botLogin);
  }

  /** The queue's job handler. */
  handle = async (job: Job): Promise<void> => {
    const started = Date.now();
    const d = await this.deps.store.getDelivery(job.id);
    if (!d) return;
    const payload = d.payload as P;
    const log = this.deps.log;
    try {
      const full: string | undefined = payload.repository?.full_name;
      if (!full) return;
      const [owner, repo] = full.split('/') as [string, string];
      const octokit = await this.deps.octokitFor(payload.installation?.id);
      const port = new GitHubPort(octokit, { owner, repo }, this.etags);
      const norm = await normalize(d.name, payload, this.lookups(port), this.deps.botLogin());
      if (norm.ignored && !norm.events.length && !norm.flowCheck) {
        log.debug({ delivery: job.id, event: d.name, reason: norm.ignored }, 'ignored');
      }
      if (norm.flowCheck) await this.flowCheck(port, norm.flowCheck);
      for (const ev of norm.events) await this.process(port, payload, { ...ev, delivery: job.id }, job);
      this.deps.hooks?.job?.('done', d.name, Date.now() - started);
    } catch (err) {
      const last = job.attempt >= (this.deps.maxAttempts ?? DEFAULT_RETRY.attempts);
      this.deps.hooks?.job?.(last ? 'dead' : 'retry', d.name, Date.now() - started);
      log.warn(
        { delivery: job.id, event: d.name, attempt: job.attempt, err: String((err as Error)?.message ?? err) },
        last ? 'job failed for good' : 'job failed, will retry',
      );
      if (last) await this.markStuck(payload, job, err).catch(() => undefined);
      throw err;
    }
  };

  private lookups(port: GitHubPort): Lookups {
    return {
      issueForPr: (pr) => this.deps.store.issueForPr(port.fullName, pr),
      permission: (login) => port.getPermission(login),
      approvals: async (pr) => {
        const latest = new Map<string, string>();
        for (const r of await port.listReviews(pr))
          if (r.state !== 'COMMENTED' && r.state !== 'PENDING') latest.set(r.user.login, r.state);
        return [...latest].filter(([, s]) => s === 'APPROVED').map(([u]) => u);
      },
      pull: async (pr) => {
        try {
          return await port.getPull(pr);
        } catch (err) {
          if ((err as { status?: number }).status === 404) return undefined;
          throw err;
        }
      },
    };
  }

  private async process(port: GitHubPort, payload: P, ev: BatonEvent, job: Job): Promise<void> {
    const { store, log } = this.deps;
    const defaultBranch: string = payload.repository?.default_branch ?? (await port.getRepo()).default_branch;
    const lookup = await this.flows.get(port, defaultBranch);
    if (lookup.problem?.firstReport)
      await this.reportConfigProblem(port, lookup.problem.sha, formatProblems(lookup.problem.problems), !!lookup.flow);
    const flow = lookup.flow;
    if (!flow) return;
    const repoCtx = {
      repo: port.fullName,
      installationId: payload.installation?.id as number | undefined,
      defaultBranch,
      flow,
    };
    await this.deps.repos?.observe(repoCtx);

    // Cheap pre-check: an issue event on an issue with no stage label, other than the trigger, cannot touch a run.
    const issueLabels: string[] | undefined =
      payload.issue && !payload.issue.pull_request ? (payload.issue.labels ?? []).map((l: P) => l.name) : undefined;
    // The payload's labels are a snapshot from when the user acted: a label added right after the trigger predates
    // Baton's stage label, so an issue that still has the trigger, or whose card Baton wrote, is never skipped.
    if (
      issueLabels &&
      ev.type !== 'command' &&
      !issueLabels.some((l) => l.startsWith(STAGE_LABEL_PREFIX) || l === flow.trigger) &&
      !(ev.type === 'issue.labeled' && ev.label === flow.trigger) &&
      !(await store.kvGet('card', `${port.fullName}#${ev.issue}`))
    )
      return;

    const read = await this.runs.read(port, ev.issue);
    const teamMembers = await this.teamMembersFor(port, flow, ev);
    let decision = decide(flow, read.run, ev, { teamMembers });
    log.info(
      { delivery: ev.delivery, issue: `${port.fullName}#${ev.issue}`, event: ev.type, note: decision.note },
      'decided',
    );
    let run = decision.run;
    if (!run) {
      // Commands answered without a run (status, refusals) still post their reply.
      await this.applier(port, flow, null, payload, job).applyAll(decision.effects, this.applyCtx(port, job));
      return;
    }
    let dirty = decision.effects.some((e) => e.kind === 'card') || !!read.restored;
    const ctx = this.applyCtx(port, job);
    const followUps: BatonEvent[] = [];
    const applier = this.applier(port, flow, () => run!, payload, job, followUps, ev);
    const all: Effect[] = [...decision.effects];
    await applier.applyAll(decision.effects, ctx);
    // Task results come back as events so the engine, not the worker, decides what they mean for the run.
    while (followUps.length) {
      const next = followUps.shift()!;
      decision = decide(flow, run, next, { teamMembers });
      run = decision.run!;
      dirty ||= decision.effects.some((e) => e.kind === 'card');
      all.push(...decision.effects);
      await applier.applyAll(decision.effects, ctx);
    }
    if (dirty) await applier.syncIssue(run.issue, all, ctx, stageLabel(run.stage));
    for (const pr of run.prs) {
      const k = `${port.fullName}!${pr.number}`;
      if (!this.linked.has(k)) {
        await store.linkPr(port.fullName, pr.number, run.issue);
        this.linked.add(k);
      }
    }
    if (dirty) {
      const links: Record<string, string> = {};
      const web: string = payload.repository?.html_url ?? `https://github.com/${port.fullName}`;
      for (const pr of run.prs)
        if (pr.risk?.commentId)
          links[`risk:${pr.number}`] = `${web}/pull/${pr.number}#issuecomment-${pr.risk.commentId}`;
      const problem = lookup.problem
        ? `\`.github/flow.yml\` at ${lookup.problem.sha.slice(0, 7)} is invalid; the last good version is in use. Run \`npx baton validate\`.`
        : undefined;
      await this.runs.write(port, run, renderCard(run, flow, { links, configProblem: problem }), read.cardId);
    }
    await this.deps.sla?.observe(repoCtx, run);
    if (ev.type === 'command' && ev.command === 'retry' && decision.note === 'retry')
      await this.reviveDead(`${port.fullName}#${run.issue}`);
  }

  /** `/baton retry`: put the issue's dead-lettered jobs back in the queue (they run after this one, in order). */
  private async reviveDead(key: string): Promise<void> {
    for (const d of await this.deps.store.deadDeliveries(500)) {
      if (d.key !== key) continue;
      if (await this.deps.store.reviveDelivery(d.id)) await this.deps.requeue?.({ id: d.id, key: d.key, name: d.name });
      this.deps.log.info({ delivery: d.id, key }, 'dead job revived by /baton retry');
    }
  }

  /** Post the week's Workflow Wins digest on the flow's digest issue (created once when none is configured). */
  async postDigest(repo: string, week: string): Promise<void> {
    const known = await this.deps.repos?.get(repo);
    if (!known) return;
    const [owner, name] = repo.split('/') as [string, string];
    const port = new GitHubPort(await this.deps.octokitFor(known.installationId), { owner, repo: name }, this.etags);
    // After a restart the repo is known from the store but its flow is not loaded yet.
    const flow = 'flow' in known ? known.flow : (await this.flows.get(port, known.defaultBranch)).flow;
    if (!flow) return;
    const seniorRole = roleOf(flow, flow.risk.senior_role ?? 'senior');
    const digest = await loadDigest(this.deps.store, {
      repo,
      now: new Date(),
      router: this.deps.router(flow),
      seniors: seniorRole.users,
    });
    let issue = flow.digest.issue ?? Number(await this.deps.store.kvGet('digest-issue', repo));
    if (!issue) {
      const created = await port.createIssue(
        'Baton · Workflow Wins',
        'Baton posts a weekly digest of how the workflow is doing here. Set `digest.issue` in `.github/flow.yml` to use another issue.',
      );
      issue = created.number;
      await this.deps.store.kvSet('digest-issue', repo, String(issue));
    }
    await port.createComment(
      issue,
      `${digest.markdown}

<!-- baton:digest ${week} -->`,
    );
  }

  private applyCtx(port: GitHubPort, job: Job) {
    return { port, store: this.deps.store, verifyAll: job.attempt > 1 };
  }

  private applier(
    port: GitHubPort,
    flow: Flow,
    getRun: (() => RunState) | null,
    payload: P,
    _job: Job,
    followUps: BatonEvent[] = [],
    cause?: BatonEvent,
  ): EffectApplier {
    const { store, router, tasks } = this.deps;
    return new EffectApplier({
      task: async (e) => {
        if (e.kind !== 'task' || !getRun) return;
        const run = getRun();
        const ctx: TaskContext = {
          port,
          router: router(flow),
          flow,
          run,
          pr: e.pr,
          org: port.ref.owner,
          repo: port.fullName,
          now: () => new Date(),
          roleMembers: (role) => roleOf(flow, role),
        };
        let result: TaskResult;
        try {
          result = await (e.task === 'risk' ? tasks.risk(ctx) : tasks.docs(ctx));
        } catch (err) {
          // A task failing (GitHub trouble) is retried with the job; the LLM side never throws (offline fallback).
          throw Object.assign(new Error(`${e.task} task for PR #${e.pr} failed: ${(err as Error).message}`), {
            cause: err,
          });
        }
        followUps.push({
          id: `${e.key}:done`,
          type: 'task.done',
          task: e.task,
          pr: e.pr,
          result,
          at: cause?.at ?? new Date().toISOString(),
          actor: 'baton',
          repo: port.fullName,
          issue: run.issue,
        });
      },
      transition: async (e) => {
        if (e.kind !== 'transition' || !getRun) return;
        const run = getRun();
        const h = e.entry;
        const pr = [...run.prs].reverse().find((p) => p.state !== 'closed');
        const issue = payload.issue && !payload.issue.pull_request ? payload.issue : undefined;
        const rec: TransitionRecord = {
          id: `${port.fullName}#${run.issue}:${h.at}:${h.from ?? ''}>${h.to}:${h.kind}:${h.event}`,
          repo: port.fullName,
          issue: run.issue,
          flow: flow.name,
          from: h.from,
          to: h.to,
          kind: h.kind,
          event: h.event,
          by: h.by,
          at: h.at,
          owners: h.owners,
          ...(pr ? { pr: pr.number, ...(pr.risk ? { risk: pr.risk.level } : {}) } : {}),
          ...(h.kind === 'start' && issue
            ? { refs: references(issue.body), labels: (issue.labels ?? []).map((l: P) => l.name) }
            : {}),
        };
        await store.recordTransitions([rec]);
        const prev = run.history.length > 1 ? run.history[run.history.length - 2] : undefined;
        const secs = (a: string, b: string) => Math.max(0, (Date.parse(b) - Date.parse(a)) / 1000);
        this.deps.hooks?.transition?.(rec, {
          ...(prev && h.from !== null && h.from !== h.to ? { stageSeconds: secs(prev.at, h.at) } : {}),
          ...(h.kind === 'done' ? { cycleSeconds: secs(run.startedAt, h.at) } : {}),
        });
      },
    });
  }

  private async teamMembersFor(port: GitHubPort, flow: Flow, ev: BatonEvent): Promise<Record<string, string[]>> {
    if (ev.type !== 'review.approved') return {};
    const out: Record<string, string[]> = {};
    const teams = new Set(Object.values(flow.roles).flatMap((r) => r.teams));
    for (const slug of teams) {
      const key = slug.toLowerCase();
      const hit = this.teams.get(`${port.fullName}:${key}`);
      if (hit && Date.now() - hit.at < 5 * 60_000) {
        out[key] = hit.members;
        continue;
      }
      const [org, team] = slug.split('/') as [string, string];
      const members = await port.listTeamMembers(org, team);
      this.teams.set(`${port.fullName}:${key}`, { at: Date.now(), members });
      out[key] = members;
    }
    return out;
  }

  /** A PR that changes flow.yml gets a check run with the validation result, annotated at line:column. */
  private async flowCheck(port: GitHubPort, c: { pr: number; headSha: string }): Promise<void> {
    const files = await port.listPullFiles(c.pr);
    if (!files.some((f) => f.filename === FLOW_PATH)) return;
    const file = await port.getFile(FLOW_PATH, c.headSha);
    let conclusion: 'success' | 'failure' = 'success';
    let title: string;
    let summary: string;
    const annotations: Parameters<GitHubPort['createCheckRun']>[0]['annotations'] = [];
    if (!file) {
      title = 'flow.yml removed';
      summary = 'This PR deletes `.github/flow.yml`: Baton will stop starting runs in this repository once it merges.';
    } else {
      const parsed = await this.flows.parse(port, file.text);
      // Problems located in a remote base file cannot be annotated on this PR's diff; they are in the summary.
      for (const p of parsed.problems.filter((x) => x.path === FLOW_PATH))
        annotations.push({
          path: FLOW_PATH,
          start_line: p.line,
          end_line: p.line,
          ...(p.col ? { start_column: p.col, end_column: p.col } : {}),
          annotation_level: p.severity === 'error' ? 'failure' : 'warning',
          message: p.message,
          title: 'Baton flow.yml',
        });
      const errors = parsed.problems.filter((p) => p.severity === 'error').length;
      if (errors || !parsed.flow) {
        conclusion = 'failure';
        title = `${errors} problem${errors === 1 ? '' : 's'} in flow.yml`;
        summary =
          '```\n' +
          formatProblems(parsed.problems) +
          '\n```\nRun `npx baton validate` locally to check before pushing.';
      } else {
        title = 'flow.yml is valid';
        summary = summarizeFlow(parsed.flow);
      }
    }
    const existing = (await port.listCheckRuns(c.headSha, FLOW_CHECK)).find((r) => r.name === FLOW_CHECK);
    if (existing) await port.updateCheckRun(existing.id, { conclusion, title, summary });
    else await port.createCheckRun({ name: FLOW_CHECK, head_sha: c.headSha, conclusion, title, summary, annotations });
  }

  private async reportConfigProblem(
    port: GitHubPort,
    sha: string,
    text: string,
    lastGoodInUse: boolean,
  ): Promise<void> {
    this.deps.log.warn({ repo: port.fullName, sha }, 'flow.yml on the default branch is invalid');
    await port.createIssue(
      `Baton: .github/flow.yml is invalid (${sha.slice(0, 7)})`,
      [
        `The \`.github/flow.yml\` on the default branch (blob ${sha.slice(0, 7)}) does not validate:`,
        '',
        '```',
        text,
        '```',
        '',
        lastGoodInUse
          ? 'Runs in flight keep using the last valid version until this is fixed.'
          : 'No valid version is known yet, so Baton is not starting runs in this repository.',
        'Fix the file (check it with `npx baton validate .github/flow.yml`). Baton reports each broken version once.',
      ].join('\n'),
    );
  }

  /** After the last retry: say on the card what is stuck and why, so a human can act. */
  private async markStuck(payload: P, job: Job, err: unknown): Promise<void> {
    const full: string | undefined = payload.repository?.full_name;
    const m = /#(\d+)$/.exec(job.key);
    if (!full || !m) return;
    const [owner, repo] = full.split('/') as [string, string];
    const port = new GitHubPort(await this.deps.octokitFor(payload.installation?.id), { owner, repo }, this.etags);
    const lookup = await this.flows.get(port, payload.repository?.default_branch ?? 'main');
    const read = await this.runs.read(port, Number(m[1]));
    if (!read.run || !lookup.flow) return;
    const run: RunState = {
      ...read.run,
      stuck: {
        reason: String((err as Error)?.message ?? err).slice(0, 300),
        at: new Date().toISOString(),
        job: job.id,
      },
    };
    await this.runs.write(port, run, renderCard(run, lookup.flow), read.cardId);
  }
}
