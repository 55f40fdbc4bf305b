// The reconcile sweep: Baton is edge-triggered (webhooks) and, with this, level-triggered too. Deliveries older than
// GitHub's retention, or never sent at all (a payload over the 25 MB cap, an incident at GitHub), are gone for good;
// GitHub's current state is not. Periodically (and on `baton reconcile`), for each known repository, the sweep lists
// the issues that carry a Baton stage label (or the trigger label and no run yet), reads each run's card, reads the
// GitHub facts its current stage's transitions depend on (labels, linked PRs' state and merged flag, latest reviews
// on the head, check runs on the head), and replays the engine (pure `decide`) over the facts that happened after
// the run entered its stage. The transitions that would have fired are queued as one `baton.reconcile` job on the
// issue's key, so they go through the same worker, engine and effect journal as a webhook (nothing is applied
// twice; event ids are per stage entry, so a later sweep cannot repeat them).
//
// Budget: lists and single reads are conditional where the port can (304s cost no rate limit); a run that moved
// since the previous sweep is skipped (its events are evidently arriving), as is a run with jobs still pending; and a
// sweep stops at `maxRequests` and says so.
import { createHash } from 'node:crypto';
import type { Flow } from '../flow/types.js';
import { decide, STAGE_LABEL_PREFIX, stageLabel } from '../engine/decide.js';
import type { BatonEvent, PrRef, RunState } from '../engine/types.js';
import type { Store } from '../store/types.js';
import type { JobQueue } from '../queue/types.js';
import { GitHubPort, etagCache, type EtagCache, type OctokitLike } from '../github/port.js';
import type { FlowConfigs } from '../github/config.js';
import type { RunStates } from '../github/runs.js';
import { RECONCILE_EVENT } from '../github/events.js';
import { issuesFromKeywords, linkedIssue } from '../github/links.js';
import { latestReviews } from '../github/reviews.js';
import { tryLease } from './lease.js';
import type { SlaWatch } from './timers.js';

type P = Record<string, any>;

export interface ReconcileDeps {
  store: Store;
  queue: Pick<JobQueue, 'enqueue'>;
  flows: FlowConfigs;
  runs: RunStates;
  /** Runs read by the sweep are watched for their SLA: a run in a repository with no event since a restart too. */
  sla?: Pick<SlaWatch, 'observe'>;
  octokitFor(installationId: number | undefined): Promise<OctokitLike>;
  botLogin(): string | undefined;
  log: { info(o: object, m?: string): void; warn(o: object, m?: string): void };
  now?: () => Date;
}

export interface ReconcileOptions {
  /** Only this repository (`baton reconcile --repo o/r`). */
  repo?: string;
  /** Check every run, including those that moved since the last sweep. */
  all?: boolean;
  /** Stop after this many GitHub requests (default 1000). */
  maxRequests?: number;
  /** Only report what would be queued. */
  dryRun?: boolean;
}

export interface ReconcileReport {
  ran: boolean;
  repos: number;
  runsChecked: number;
  /** Runs skipped because they moved since the previous sweep. */
  skippedActive: number;
  /** Runs skipped because jobs of theirs are still pending. */
  skippedPending: number;
  /** Missed transitions found (engine events queued). */
  events: number;
  jobs: number;
  /** GitHub requests made (304s included), and how many of them were 304s (free). */
  requests: number;
  notModified: number;
  budgetExhausted: boolean;
  found: Array<{ repo: string; issue: number; from: string | null; events: string[] }>;
}

const LAST_SWEEP = 'last-sweep';
export const RECONCILE_LEASE_MS = 300_000;
/** How far back the first sweep looks for closed issues whose run may have missed its end. */
const CLOSED_LOOKBACK_MS = 14 * 24 * 3600_000;
/** Later sweeps read closed issues updated since the previous sweep, with this overlap for clock skew. */
const CLOSED_OVERLAP_MS = 3600_000;

/** An Octokit that counts what it asks GitHub. */
function counting(o: OctokitLike, r: ReconcileReport): OctokitLike {
  return {
    request: (async (route: string, params?: Record<string, unknown>) => {
      r.requests++;
      try {
        return await o.request(route as never, params as never);
      } catch (err) {
        if ((err as { status?: number }).status === 304) r.notModified++;
        throw err;
      }
    }) as unknown as OctokitLike['request'],
  };
}

export class Reconciler {
  private readonly etags: EtagCache = etagCache();
  /** When this process last finished a sweep: the first sweep after a start checks every run. */
  private lastSweepAt: number | undefined;

  constructor(private readonly deps: ReconcileDeps) {}

  async sweep(o: ReconcileOptions = {}): Promise<ReconcileReport> {
    const { store } = this.deps;
    const now = this.deps.now?.() ?? new Date();
    const report: ReconcileReport = {
      ran: false,
      repos: 0,
      runsChecked: 0,
      skippedActive: 0,
      skippedPending: 0,
      events: 0,
      jobs: 0,
      requests: 0,
      notModified: 0,
      budgetExhausted: false,
      found: [],
    };
    const lease = o.dryRun ? undefined : await tryLease(store, 'reconcile', RECONCILE_LEASE_MS, now.getTime());
    if (!o.dryRun && !lease) return report;
    report.ran = true;
    try {
      const since = o.all ? undefined : this.lastSweepAt;
      const pending = new Set((await store.pendingDeliveries(10_000)).map((d) => d.key));
      const known = (await store.kvList('repo'))
        .map((r) => JSON.parse(r.value) as { repo: string; installationId?: number; defaultBranch: string })
        .filter((r) => !o.repo || r.repo.toLowerCase() === o.repo.toLowerCase());
      for (const r of known) {
        if (report.budgetExhausted) break;
        report.repos++;
        await this.sweepRepo(r, { since, pending, max: o.maxRequests ?? 1000, dryRun: !!o.dryRun }, report);
      }
      if (!o.dryRun) {
        this.lastSweepAt = now.getTime();
        await store.kvSet('reconcile', LAST_SWEEP, now.toISOString());
      }
      this.deps.log.info(
        {
          runs: report.runsChecked,
          skippedActive: report.skippedActive,
          skippedPending: report.skippedPending,
          events: report.events,
          requests: report.requests,
          notModified: report.notModified,
          budgetExhausted: report.budgetExhausted,
        },
        'reconcile sweep',
      );
      return report;
    } finally {
      await lease?.release().catch(() => undefined);
    }
  }

  private async sweepRepo(
    r: { repo: string; installationId?: number; defaultBranch: string },
    o: { since: number | undefined; pending: Set<string>; max: number; dryRun: boolean },
    report: ReconcileReport,
  ): Promise<void> {
    const [owner, name] = r.repo.split('/') as [string, string];
    const port = new GitHubPort(
      counting(await this.deps.octokitFor(r.installationId), report),
      { owner, repo: name },
      this.etags,
    );
    const flow = (await this.deps.flows.get(port, r.defaultBranch)).flow;
    if (!flow) return;
    const finals = new Set(flow.stages.filter((s) => s.final).map((s) => stageLabel(s.id).toLowerCase()));
    // Closed issues too: GitHub closes a "Fixes #N" issue itself when the PR merges, so a run whose merge and close
    // webhooks were both lost is no longer among the open issues. Those updated since the last sweep (or within the
    // look-back on the first) that still carry a stage label are read as well.
    const closedSince = new Date(
      o.since !== undefined ? o.since - CLOSED_OVERLAP_MS : Date.now() - CLOSED_LOOKBACK_MS,
    ).toISOString();
    const closed = (await port.listIssues({ state: 'closed', since: closedSince })).filter((i) =>
      i.labels.some((l) => l.toLowerCase().startsWith(STAGE_LABEL_PREFIX)),
    );
    const issues = [...(await port.listIssues({ state: 'open' })), ...closed].filter((i) => !i.pull_request);
    let pulls: P[] | undefined;
    const pullsOf = async () => (pulls ??= (await port.listPulls({ state: 'all' })) as unknown as P[]);
    for (const issue of issues) {
      if (report.requests >= o.max) {
        report.budgetExhausted = true;
        return;
      }
      const labels = issue.labels.map((l) => l.toLowerCase());
      const stageLabels = labels.filter((l) => l.startsWith(STAGE_LABEL_PREFIX) && l !== 'baton:high-risk');
      const triggered = labels.includes(flow.trigger.toLowerCase());
      if (!stageLabels.length && !triggered) continue;
      if (stageLabels.length && stageLabels.every((l) => finals.has(l))) continue;
      const key = `${r.repo}#${issue.number}`;
      if (o.pending.has(key)) {
        report.skippedPending++;
        continue;
      }
      if (o.since !== undefined) {
        const last = Number(await this.deps.store.kvGet('run-written', key));
        if (last > o.since) {
          report.skippedActive++;
          continue;
        }
      }
      report.runsChecked++;
      const run = (await this.deps.runs.read(port, issue.number)).run;
      if (run && !o.dryRun)
        await this.deps.sla?.observe(
          {
            repo: r.repo,
            defaultBranch: r.defaultBranch,
            flow,
            ...(r.installationId ? { installationId: r.installationId } : {}),
          },
          run,
        );
      const events = await this.missed(port, flow, run, issue, pullsOf, r.defaultBranch);
      if (!events.length) continue;
      report.events += events.length;
      report.found.push({
        repo: r.repo,
        issue: issue.number,
        from: run?.stage ?? null,
        events: events.map((e) => e.type),
      });
      if (o.dryRun) continue;
      // The pending set was read when the sweep began; a delivery for this issue may have arrived since (the start-up
      // sweep races the first live webhooks). Its own job will apply these events, so the reconcile job must not.
      if ((await this.deps.store.pendingDeliveries(10_000)).some((d) => d.key === key)) {
        report.skippedPending++;
        continue;
      }
      const id = `reconcile:${createHash('sha1')
        .update(events.map((e) => e.id).join('\n'))
        .digest('hex')}`;
      const payload = {
        repository: { full_name: r.repo, default_branch: r.defaultBranch },
        installation: { id: r.installationId },
        sender: { login: 'baton', type: 'Bot' },
        issue: issue.number,
        events,
      };
      if (await this.deps.store.recordDelivery({ id, name: RECONCILE_EVENT, key, payload, receivedAt: nowIso() })) {
        await this.deps.queue.enqueue({ id, key, name: RECONCILE_EVENT });
        report.jobs++;
      }
    }
  }

  /** Replay the engine over GitHub's current facts: the transitions the run missed, in order. */
  private async missed(
    port: GitHubPort,
    flow: Flow,
    run: RunState | null,
    issue: {
      number: number;
      state?: string;
      labels: string[];
      user: { login: string };
      created_at: string;
      closed_at?: string;
      updated_at?: string;
      state_reason?: string;
    },
    pullsOf: () => Promise<P[]>,
    defaultBranch: string,
  ): Promise<BatonEvent[]> {
    const repo = port.fullName;
    const base = { repo, issue: issue.number, actor: 'baton', issueAuthor: issue.user.login };
    if (!run) {
      // A closed issue starts no run, whatever its labels.
      if (issue.state === 'closed') return [];
      // Labelled with the trigger but no run: the labelled delivery was lost.
      if (!issue.labels.some((l) => l.toLowerCase() === flow.trigger.toLowerCase())) return [];
      const ev: BatonEvent = {
        ...base,
        id: `reconcile:start:${repo}#${issue.number}`,
        type: 'issue.labeled',
        label: flow.trigger,
        at: issue.created_at,
      };
      return this.replay(flow, null, [ev]);
    }
    if (run.status !== 'active') return [];
    const facts = new Facts(port, pullsOf, issue);
    const out: BatonEvent[] = [];
    let sim: RunState = run;
    for (let step = 0; step < 12; step++) {
      const stage = flow.stages.find((s) => s.id === sim.stage);
      if (!stage || sim.status !== 'active') break;
      const entry = `${sim.stage}@${sim.enteredAt}`;
      const types = new Set(stage.on.map((t) => t.event));
      const candidates = (await facts.candidates(sim, types, flow)).map(
        (c) => ({ ...c, ...base, id: `reconcile:${repo}#${issue.number}:${entry}:${c.id}` }) as BatonEvent,
      );
      candidates.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
      let moved = false;
      for (const ev of candidates) {
        const d = decide(flow, sim, ev);
        if (d.run && (d.run.stage !== sim.stage || d.run.status !== sim.status)) {
          out.push(ev);
          sim = d.run;
          moved = true;
          break;
        }
      }
      if (!moved) break;
    }
    // The issue was closed and that delivery was lost: the run would stay active (and nudged) on a closed issue.
    if (issue.state === 'closed' && sim.status === 'active') {
      const ev: BatonEvent = {
        ...base,
        id: `reconcile:${repo}#${issue.number}:closed@${issue.closed_at ?? issue.updated_at}`,
        type: 'issue.closed',
        at: issue.closed_at ?? issue.updated_at ?? issue.created_at,
        ...(issue.state_reason ? { reason: issue.state_reason } : {}),
        ...closingMerge(sim, issue.number, await pullsOf(), repo, defaultBranch),
      };
      const d = decide(flow, sim, ev);
      if (d.run && (d.run.stage !== sim.stage || d.run.status !== sim.status)) out.push(ev);
    }
    return out;
  }

  private replay(flow: Flow, run: RunState | null, events: BatonEvent[]): BatonEvent[] {
    const d = decide(flow, run, events[0]!);
    return d.run ? events : [];
  }
}

/**
 * The run's merged PR whose description closes the issue ("Fixes #N", merged into the default branch): GitHub's own
 * close on that merge finishes the run's merge instead of cancelling it (as app/worker.ts withClosingMerge decides
 * for a delivered close; the sweep's close names no closer, so it matches on the PR alone).
 */
function closingMerge(
  sim: RunState,
  issue: number,
  pulls: P[],
  repo: string,
  defaultBranch: string,
): { closedByMerge?: number } {
  for (const ref of [...sim.prs].reverse()) {
    if (ref.state !== 'merged') continue;
    const p = pulls.find((x) => x.number === ref.number);
    if (p?.merged_at && p.base?.ref === defaultBranch && issuesFromKeywords(p.body ?? null, repo).includes(issue))
      return { closedByMerge: ref.number };
  }
  return {};
}

/** GitHub facts of one run, read lazily (only what the current stage's transitions need) and once. */
class Facts {
  private reviews = new Map<number, P[]>();
  private checks = new Map<string, P[]>();

  constructor(
    private readonly port: GitHubPort,
    private readonly pullsOf: () => Promise<P[]>,
    private readonly issue: { number: number; labels: string[] },
  ) {}

  /** The linked PRs as GitHub has them now: those on the card, and new ones whose text or branch names the issue. */
  private async linked(sim: RunState): Promise<P[]> {
    const pulls = await this.pullsOf();
    const onCard = new Set(sim.prs.map((p) => p.number));
    return pulls.filter(
      (p) => onCard.has(p.number) || linkedIssue(p as never, this.port.fullName)?.issue === this.issue.number,
    );
  }

  async candidates(
    sim: RunState,
    types: Set<string>,
    flow: Flow,
  ): Promise<Array<Omit<BatonEvent, 'repo' | 'issue' | 'actor'> & Record<string, unknown>>> {
    const out: Array<Record<string, any>> = [];
    const after = (at: string | null | undefined) => !!at && at >= sim.enteredAt;
    if (types.has('issue.labeled'))
      for (const t of flow.stages.find((s) => s.id === sim.stage)?.on ?? [])
        if (t.event === 'issue.labeled' && t.label && this.issue.labels.includes(t.label))
          out.push({ id: `label:${t.label}`, type: 'issue.labeled', label: t.label, at: sim.enteredAt });
    const prTypes = ['pr.opened', 'pr.linked', 'pr.ready_for_review', 'pr.synchronize', 'pr.merged', 'pr.closed'];
    const needPrs =
      prTypes.some((t) => types.has(t)) ||
      types.has('review.approved') ||
      types.has('review.changes_requested') ||
      types.has('checks.completed');
    if (!needPrs) return out as never;
    for (const p of await this.linked(sim)) {
      const ref: PrRef = {
        number: p.number,
        author: p.user?.login ?? '',
        headSha: p.head?.sha,
        headRef: p.head?.ref,
        draft: !!p.draft,
      };
      const card = sim.prs.find((x) => x.number === p.number);
      const open = p.state === 'open';
      if (!card && open && (types.has('pr.opened') || types.has('pr.linked')))
        out.push({ id: `pr.opened:${p.number}`, type: 'pr.opened', pr: ref, at: p.created_at ?? sim.enteredAt });
      if (card?.state === 'draft' && open && !p.draft && types.has('pr.ready_for_review'))
        out.push({ id: `pr.ready:${p.number}`, type: 'pr.ready_for_review', pr: ref, at: p.updated_at });
      if (card && open && card.headSha !== ref.headSha && types.has('pr.synchronize'))
        out.push({ id: `pr.sync:${p.number}:${ref.headSha}`, type: 'pr.synchronize', pr: ref, at: p.updated_at });
      if (p.merged_at && after(p.merged_at) && types.has('pr.merged'))
        out.push({ id: `pr.merged:${p.number}`, type: 'pr.merged', pr: ref, at: p.merged_at });
      if (!p.merged_at && p.state === 'closed' && after(p.closed_at) && types.has('pr.closed'))
        out.push({ id: `pr.closed:${p.number}`, type: 'pr.closed', pr: ref, at: p.closed_at });
      // Reviews and checks are facts of the PR while it was open: a merged PR's approval still counts.
      if (!card) continue;
      if (types.has('review.approved') || types.has('review.changes_requested')) {
        const reviews = await this.reviewsOf(p.number);
        const onHead = reviews.filter((rv) => !rv.commit_id || rv.commit_id === ref.headSha);
        const latest = latestReviews(onHead as never);
        const times = new Map(onHead.map((rv) => [String(rv.user?.login).toLowerCase(), rv.submitted_at as string]));
        const approvals = [...latest.values()].filter((l) => l.state === 'APPROVED');
        const lastApproval = approvals
          .map((a) => times.get(a.login.toLowerCase()) ?? '')
          .sort()
          .at(-1);
        if (approvals.length && after(lastApproval))
          out.push({
            id: `review.approved:${p.number}:${approvals.map((a) => a.login).join(',')}`,
            type: 'review.approved',
            pr: ref,
            reviewer: approvals.at(-1)!.login,
            approvals: approvals.map((a) => a.login),
            at: lastApproval,
          });
        for (const l of latest.values())
          if (l.state === 'CHANGES_REQUESTED' && after(times.get(l.login.toLowerCase())))
            out.push({
              id: `review.changes:${p.number}:${l.login}`,
              type: 'review.changes_requested',
              pr: ref,
              reviewer: l.login,
              approvals: [],
              at: times.get(l.login.toLowerCase()),
            });
      }
      if (types.has('checks.completed')) {
        const runs = (await this.checksOf(ref.headSha)).filter((c) => !String(c.name).startsWith('Baton / '));
        if (runs.length && runs.every((c) => c.status === 'completed')) {
          const at = runs
            .map((c) => String(c.completed_at ?? ''))
            .sort()
            .at(-1);
          const bad = runs.find((c) => !['success', 'neutral', 'skipped'].includes(String(c.conclusion)));
          if (after(at)) {
            out.push({
              id: `checks:${ref.headSha}`,
              type: 'checks.completed',
              pr: ref,
              conclusion: bad ? String(bad.conclusion) : 'success',
              check: 'suite',
              suite: true,
              at,
            });
            for (const c of runs)
              out.push({
                id: `check:${ref.headSha}:${c.name}`,
                type: 'checks.completed',
                pr: ref,
                conclusion: String(c.conclusion),
                check: c.name,
                suite: false,
                at: c.completed_at,
              });
          }
        }
      }
    }
    return out as never;
  }

  private async reviewsOf(pr: number): Promise<P[]> {
    let r = this.reviews.get(pr);
    if (!r) {
      r = (await this.port.listReviews(pr)) as unknown as P[];
      this.reviews.set(pr, r);
    }
    return r;
  }

  private async checksOf(sha: string): Promise<P[]> {
    let c = this.checks.get(sha);
    if (!c) {
      c = (await this.port.listCheckRuns(sha)) as unknown as P[];
      this.checks.set(sha, c);
    }
    return c;
  }
}

function nowIso(): string {
  return new Date().toISOString();
}
