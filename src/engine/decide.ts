// The engine: (flow, run state, event) → (new run state, effects). Pure and deterministic: no I/O, no clock (time
// comes from the event), no randomness. Every GitHub-visible consequence is an Effect with a key derived from the
// event's content fingerprint, so the same occurrence decided twice (redelivery, a second delivery id, a retried job)
// yields effects the applier recognises as already done.
import type { Flow, Stage } from '../flow/types.js';
import { TRANSITION_DEFAULTS, type TransitionConfig } from '../flow/schema.js';
import type { BatonEvent, Decision, Effect, HistoryEntry, RunState } from './types.js';
import { inRole, resolveOwners, splitTeam, type Owners } from './owners.js';
import { runAction } from './actions.js';
import { command, HELP, knownCommands, unknownCommandLine } from './commands.js';
import type { DecisionScope, DocsOptions, PrEvent } from './scope.js';

export interface DecideContext {
  /** Members of `org/team` slugs (lower-case keys), expanded by the adapter when a guard needs them. */
  teamMembers?: Record<string, string[]>;
}

export const STAGE_LABEL_PREFIX = 'baton:';
export const RISK_CHECK = 'Baton / risk';
export const HIGH_RISK_LABEL = 'baton:high-risk';
const SEEN_LIMIT = 120;
const HISTORY_LIMIT = 200;
const WRITE = new Set(['admin', 'maintain', 'write']);
export { HELP };

export function stageLabel(id: string): string {
  return `${STAGE_LABEL_PREFIX}${id}`;
}

export function decide(flow: Flow, run: RunState | null, event: BatonEvent, ctx: DecideContext = {}): Decision {
  if (run?.seen.includes(event.id)) return { run, effects: [], note: `duplicate event ${event.id}` };
  const d = new Decider(flow, run ? structuredClone(run) : null, event, ctx);
  return d.decide();
}

class Decider implements DecisionScope {
  private effects: Effect[] = [];
  private changed = false;
  private n = 0;

  constructor(
    readonly flow: Flow,
    private state: RunState | null,
    readonly ev: BatonEvent,
    private readonly ctx: DecideContext,
  ) {}

  /** The run; only read once one exists (commands and actions run with a run). */
  get run(): RunState {
    if (!this.state) throw new Error('no run: a handler ran before the run started');
    return this.state;
  }

  decide(): Decision {
    const note = this.route();
    if (this.state && this.changed) {
      this.state.seen = [...this.state.seen, this.ev.id].slice(-SEEN_LIMIT);
      this.push({ kind: 'card', key: this.key('card'), issue: this.state.issue });
    }
    return { run: this.state, effects: this.effects, note };
  }

  // --- routing ---------------------------------------------------------------------------------------------
  private route(): string | undefined {
    const ev = this.ev;
    if (ev.type === 'command') return this.command(ev);
    if (!this.state) {
      if (ev.type === 'issue.labeled' && ev.label === this.flow.trigger) return this.start();
      return `no run on #${ev.issue}`;
    }
    if (this.state.status !== 'active') {
      if (ev.type === 'task.done') return this.taskDone(ev);
      if (ev.type === 'issue.reopened' && this.state.status === 'cancelled') return this.reopen();
      return `run on #${ev.issue} is ${this.state.status}`;
    }
    switch (ev.type) {
      case 'issue.labeled':
      case 'issue.unlabeled':
        return this.transition((t) => !t.label || t.label === ev.label);
      case 'issue.reopened':
        return this.transition(() => true);
      case 'issue.closed':
        return this.closed();
      case 'pr.linked':
      case 'pr.opened':
      case 'pr.ready_for_review':
      case 'pr.synchronize':
      case 'pr.merged':
      case 'pr.closed':
        return this.prEvent(ev);
      case 'review.approved':
      case 'review.changes_requested':
      case 'review.commented':
        return this.review(ev);
      case 'checks.completed':
        return this.checks(ev);
      case 'sla.tick':
        return this.slaTick();
      case 'task.done':
        return this.taskDone(ev);
    }
  }

  // --- starting a run --------------------------------------------------------------------------------------
  private start(): string {
    const first = this.flow.stages[0]!;
    const ev = this.ev;
    this.state = {
      v: 1,
      repo: ev.repo,
      issue: ev.issue,
      issueAuthor: ev.issueAuthor ?? ev.actor,
      flow: this.flow.name,
      stage: first.id,
      status: 'active',
      startedAt: ev.at,
      enteredAt: ev.at,
      owners: [],
      prs: [],
      history: [],
      seen: [],
      nudged: [],
      spendUsd: 0,
    };
    this.enter(first, null, 'start');
    return `started at ${first.id}`;
  }

  // --- transitions -----------------------------------------------------------------------------------------
  stage(): Stage {
    const s = this.flow.stages.find((x) => x.id === this.run.stage);
    // A run whose stage was removed from the flow restarts its bookkeeping at the first stage it can still name.
    return s ?? this.flow.stages[0]!;
  }

  /** Take the first transition of the current stage on this event whose guards hold. */
  transition(guard: (t: TransitionConfig) => boolean, types: string[] = [this.ev.type]): string | undefined {
    const stage = this.stage();
    const t = stage.on.find((x) => types.includes(x.event) && guard(x));
    if (!t) return `no transition from ${stage.id} on ${types.join('/')}`;
    const target = this.flow.stages.find((s) => s.id === t.to);
    if (!target) return `transition to unknown stage ${t.to}`;
    this.move(target, this.ev.type === 'command' ? 'manual' : undefined);
    return `${stage.id} → ${target.id}`;
  }

  move(target: Stage, forced?: 'manual'): void {
    const run = this.run;
    const from = this.stage();
    const idx = (id: string) => this.flow.stages.findIndex((s) => s.id === id);
    const kind: HistoryEntry['kind'] = target.final
      ? 'done'
      : (forced ?? (idx(target.id) < idx(from.id) ? 'back' : 'forward'));
    this.push({ kind: 'label.remove', key: this.key('unlabel'), issue: run.issue, label: stageLabel(from.id) });
    this.enter(target, from.id, kind);
  }

  /** Enter a stage: stage label, owner hand-off, the stage's actions, history, and the final-stage bookkeeping. */
  private enter(stage: Stage, from: string | null, kind: HistoryEntry['kind']): void {
    const run = this.run;
    const ev = this.ev;
    const owners = resolveOwners(this.flow, stage.owner, run);
    const previous = run.owners;
    run.stage = stage.id;
    run.enteredAt = ev.at;
    run.owners = owners.users;
    this.changed = true;
    const entry: HistoryEntry = {
      at: ev.at,
      from,
      to: stage.id,
      event: this.eventName(),
      by: ev.actor,
      kind,
      owners: owners.users,
      ...this.cause(),
    };
    run.history = [...run.history, entry].slice(-HISTORY_LIMIT);
    this.push({ kind: 'label.add', key: this.key('label'), issue: run.issue, labels: [stageLabel(stage.id)] });

    const assigns = stage.enter.some((a) => a === 'assign');
    if (assigns) {
      const gone = previous.filter((u) => !owners.users.includes(u));
      if (gone.length) this.push({ kind: 'unassign', key: this.key('unassign'), issue: run.issue, users: gone });
    }
    for (const action of stage.enter) runAction(this, action, stage, owners);
    this.push({ kind: 'transition', key: this.key('transition'), entry, issue: run.issue });
    if (stage.final) run.status = 'done';
  }

  vars(stage: Stage, owners: Owners): Record<string, string> {
    const run = this.run;
    // After the merge (the final stage's comment) the PR to name is the merged one, not "no PR yet".
    const openPr =
      run.prs.find((p) => p.state === 'open' || p.state === 'draft') ??
      [...run.prs].reverse().find((p) => p.state === 'merged');
    return {
      owner: [...owners.users.map((u) => `@${u}`), ...owners.teams.map((t) => `@${t}`)].join(', ') || 'nobody yet',
      stage: stage.name,
      issue: `#${run.issue}`,
      author: `@${run.issueAuthor}`,
      pr: openPr ? `#${openPr.number}` : 'no PR yet',
    };
  }

  requestReview(who: Owners, role?: string): void {
    for (const pr of this.run.prs.filter((p) => p.state === 'open')) {
      const users = who.users.filter((u) => u.toLowerCase() !== pr.author.toLowerCase());
      if (users.length || who.teams.length)
        this.push({
          kind: 'review.request',
          key: this.key(`review:${pr.number}`),
          pr: pr.number,
          users,
          teams: who.teams.map((t) => splitTeam(t).slug),
          ...(role ? { role } : {}),
        });
    }
  }

  riskTasks(only?: number): void {
    for (const pr of this.run.prs.filter(
      (p) => (p.state === 'open' || p.state === 'draft') && (only === undefined || p.number === only),
    ))
      this.push({ kind: 'task', key: this.key(`risk:${pr.number}:${pr.headSha}`), task: 'risk', pr: pr.number });
  }

  docsTasks(options?: DocsOptions, only?: number): void {
    for (const pr of this.run.prs.filter((p) => p.state === 'merged' && (only === undefined || p.number === only)))
      this.push({
        kind: 'task',
        key: `docs:${this.run.repo}#${pr.number}`,
        task: 'docs',
        pr: pr.number,
        ...(options ? { options } : {}),
      });
  }

  stageHas(name: 'risk' | 'docs'): DocsOptions | true | undefined {
    for (const a of this.stage().enter) {
      if (a === name) return true;
      if (typeof a === 'object' && name === 'docs' && 'docs' in a) return a.docs;
    }
    return undefined;
  }

  /**
   * Closing the issue takes an `issue.closed` transition if the stage has one. A close that the merge of the run's
   * PR caused (GitHub closes the issues a merged PR says it fixes) is that merge's completion, not a cancellation: the
   * run stays where the merge took it (a stage after the merge keeps going). Any other close cancels the run.
   */
  private closed(): string {
    const stage = this.stage();
    if (stage.on.some((t) => t.event === 'issue.closed')) return this.transition(() => true)!;
    const run = this.run;
    const ev = this.ev as Extract<BatonEvent, { type: 'issue.closed' }>;
    const merged = run.prs.find((p) => p.number === ev.closedByMerge && p.state === 'merged');
    if (merged) return `closed by the merge of #${merged.number}: the run stays in ${stage.id}`;
    run.status = 'cancelled';
    this.record({
      at: this.ev.at,
      from: run.stage,
      to: run.stage,
      event: 'issue.closed',
      by: this.ev.actor,
      kind: 'cancel',
      owners: run.owners,
    });
    return `cancelled in ${stage.id}`;
  }

  private reopen(): string {
    const run = this.run;
    run.status = 'active';
    run.enteredAt = this.ev.at;
    this.record({
      at: this.ev.at,
      from: run.stage,
      to: run.stage,
      event: 'issue.reopened',
      by: this.ev.actor,
      kind: 'manual',
      owners: run.owners,
    });
    return `reopened in ${run.stage}`;
  }

  // --- pull requests ---------------------------------------------------------------------------------------
  prEvent(ev: PrEvent): string | undefined {
    const run = this.run;
    let pr = run.prs.find((p) => p.number === ev.pr.number);
    const newlyLinked = !pr;
    if (!pr) {
      pr = {
        number: ev.pr.number,
        author: ev.pr.author,
        headSha: ev.pr.headSha,
        state: ev.pr.draft ? 'draft' : 'open',
      };
      run.prs = [...run.prs, pr];
      this.changed = true;
    }
    const before = JSON.stringify(pr);
    pr.headSha = ev.pr.headSha || pr.headSha;
    if (ev.type === 'pr.merged') pr.state = 'merged';
    else if (ev.type === 'pr.closed') pr.state = 'closed';
    else if (ev.type === 'pr.ready_for_review') pr.state = 'open';
    else if (ev.type === 'pr.opened') pr.state = ev.pr.draft ? 'draft' : 'open';
    if (JSON.stringify(pr) !== before) this.changed = true;

    const types = newlyLinked && ev.type !== 'pr.linked' ? [ev.type, 'pr.linked'] : [ev.type];
    const stageBefore = run.stage;
    const note = this.transition(() => !(ev.type === 'pr.opened' && pr!.state === 'draft'), types);
    if (run.stage === stageBefore) {
      // No move: keep the stage's per-PR actions current for this PR.
      if ((ev.type === 'pr.synchronize' || newlyLinked || ev.type === 'pr.ready_for_review') && this.stageHas('risk')) {
        this.riskTasks(pr.number);
        this.changed = true;
      }
      if (ev.type === 'pr.merged') {
        const docs = this.stageHas('docs');
        if (docs) {
          this.docsTasks(docs === true ? undefined : docs, pr.number);
          this.changed = true;
        }
      }
    }
    return note;
  }

  private review(ev: Extract<BatonEvent, { reviewer: string }>): string | undefined {
    const run = this.run;
    const pr = run.prs.find((p) => p.number === ev.pr.number);
    if (!pr) return `review on unlinked PR #${ev.pr.number}`;
    const tm = this.ctx.teamMembers;
    // A senior's approval clears the high-risk gate, whichever stage the run is in.
    if (ev.type === 'review.approved' && pr.risk?.level === 'high' && !pr.risk.seniorApproved) {
      const seniorRole = this.flow.risk.senior_role;
      if (inRole(this.flow, seniorRole, ev.reviewer, tm)) {
        pr.risk = { ...pr.risk, seniorApproved: true };
        this.changed = true;
        this.push({
          kind: 'check',
          key: this.key(`risk-check:${pr.number}`),
          sha: pr.headSha,
          name: RISK_CHECK,
          conclusion: 'success',
          title: `Approved by senior reviewer @${ev.reviewer}`,
          summary: `High-risk change approved by @${ev.reviewer} (role \`${seniorRole}\`).`,
        });
      }
    }
    return this.transition((t) => {
      if (t.approvals && ev.approvals.length < t.approvals) return false;
      if (t.approved_by && !ev.approvals.some((a) => inRole(this.flow, t.approved_by!, a, tm))) return false;
      return true;
    });
  }

  private checks(ev: Extract<BatonEvent, { type: 'checks.completed' }>): string | undefined {
    const run = this.run;
    const pr = run.prs.find((p) => p.number === ev.pr.number);
    if (!pr) return `checks on unlinked PR #${ev.pr.number}`;
    // Checks of a superseded head say nothing about the PR as it is now.
    if (pr.headSha && ev.pr.headSha && pr.headSha !== ev.pr.headSha)
      return `checks for stale head ${ev.pr.headSha.slice(0, 7)}`;
    if (ev.check === RISK_CHECK) return 'own check';
    return this.transition((t) => {
      const want =
        t.conclusion === undefined
          ? [TRANSITION_DEFAULTS.conclusion]
          : Array.isArray(t.conclusion)
            ? t.conclusion
            : [t.conclusion];
      // `required_checks:` only the checks the base branch requires count (the adapter read them; when it could
      // not, `required` is absent and every check counts, below).
      if (t.required_checks && ev.required && !t.check)
        return ev.required.complete && want.includes(ev.required.conclusion as never);
      if (ev.all) {
        // `check:` names the check (run name or status context) that counts; without it, every check on the head
        // must be finished and the combined result is what `conclusion` is compared with.
        if (t.check) return want.includes(ev.all.checks[t.check] as never);
        return ev.all.complete && want.includes(ev.all.conclusion as never);
      }
      if (!want.includes(ev.conclusion as never)) return false;
      return t.check ? !ev.suite && t.check === ev.check : ev.suite;
    });
  }

  private slaTick(): string | undefined {
    const run = this.run;
    const stage = this.stage();
    if (!stage.slaMs) return undefined;
    const entry = `${stage.id}@${run.enteredAt}`;
    if (run.nudged.includes(entry)) return undefined;
    const overdue = Date.parse(this.ev.at) - Date.parse(run.enteredAt);
    if (overdue < stage.slaMs) return undefined;
    run.nudged = [...run.nudged, entry].slice(-50);
    this.changed = true;
    const owners = resolveOwners(this.flow, stage.owner, run);
    const who = [...owners.users.map((u) => `@${u}`), ...owners.teams.map((t) => `@${t}`)].join(', ') || 'the owner';
    this.push({
      kind: 'comment',
      key: `sla:${run.repo}#${run.issue}:${entry}`,
      issue: run.issue,
      body: `⏰ ${who}: this has been in **${stage.name}** for ${humanMs(overdue)}, past its SLA of ${humanMs(stage.slaMs)}.`,
    });
    return `nudged ${stage.id}`;
  }

  private taskDone(ev: Extract<BatonEvent, { type: 'task.done' }>): string | undefined {
    const run = this.run;
    const r = ev.result;
    if (r.costUsd) run.spendUsd = round6(run.spendUsd + r.costUsd);
    if (r.offline !== undefined) run.offlineMode = r.offline;
    if (ev.task === 'risk' && r.level) {
      const pr = run.prs.find((p) => p.number === ev.pr);
      if (pr)
        pr.risk = {
          ...pr.risk,
          level: r.level,
          score: r.score ?? 0,
          commentId: r.commentId,
          diffHash: r.diffHash,
          checkRunId: r.checkRunId,
          seniorApproved: r.level === 'high' ? pr.risk?.seniorApproved && pr.risk.diffHash === r.diffHash : undefined,
        };
    }
    if (ev.task === 'docs') run.docs = { pr: ev.pr, commentId: r.commentId };
    this.changed = true;
    return `${ev.task} done for #${ev.pr}`;
  }

  // --- commands ----------------------------------------------------------------------------------------------
  private command(ev: Extract<BatonEvent, { type: 'command' }>): string | undefined {
    const reply = (body: string) =>
      this.push({ kind: 'comment', key: `reply:${ev.repo}#${ev.commentId}`, issue: ev.issue, body });
    // Where a reply would add nothing (the card and GitHub show what happened), a 👍 on the command says it was done.
    const ack = () =>
      this.push({ kind: 'react', key: `react:${ev.repo}#${ev.commentId}`, commentId: ev.commentId, content: '+1' });
    if (!WRITE.has(ev.permission)) {
      reply(`Sorry @${ev.actor}, \`/baton\` commands need write access to this repository, so I left this one alone.`);
      return `refused ${ev.command} from ${ev.actor} (${ev.permission})`;
    }
    const run = this.state;
    const builtin = command(ev.command);
    if (run?.status !== 'active') {
      if (ev.command === 'link' && run === null) {
        reply(
          `There is no Baton run on #${ev.issue} yet: add the \`${this.flow.trigger}\` label to start one, then link again.`,
        );
        return 'link without run';
      }
      if (ev.command === 'help') {
        reply(`${run ? `The run on #${ev.issue} is ${run.status}.` : `No Baton run on #${ev.issue} yet.`}\n\n${HELP}`);
        return 'help without active run';
      }
      if (ev.command === 'status') {
        reply(
          run
            ? `The run on #${ev.issue} is **${run.status}** (last stage: ${this.flow.stages.find((x) => x.id === run.stage)?.name ?? run.stage}).`
            : `No Baton run on #${ev.issue}. Add the \`${this.flow.trigger}\` label to start one.`,
        );
        return 'status without active run';
      }
      if (!builtin && !knownCommands(this.flow).includes(ev.command)) {
        reply(unknownCommandLine(this.flow, ev.command));
        return `unknown command ${ev.command}`;
      }
      reply(`There is no active Baton run on #${ev.issue}, so \`/baton ${ev.command}\` has nothing to act on.`);
      return `no active run for ${ev.command}`;
    }
    if (builtin) return builtin.run(this, ev, reply, ack);
    if (this.stage().on.some((t) => t.event === 'command' && t.command === ev.command)) {
      const note = this.transition((t) => t.command === ev.command, ['command']);
      if (note?.includes(' → ')) ack();
      else reply(`\`/baton ${ev.command}\` could not move the run: ${note ?? 'no transition'}.`);
      return note;
    }
    reply(unknownCommandLine(this.flow, ev.command, this.stage().name));
    return `unknown command ${ev.command}`;
  }

  // --- helpers -----------------------------------------------------------------------------------------------
  touch(): void {
    this.changed = true;
  }

  record(entry: HistoryEntry): void {
    const run = this.run;
    entry = { ...this.cause(), ...entry };
    run.history = [...run.history, entry].slice(-HISTORY_LIMIT);
    this.push({ kind: 'transition', key: this.key('transition'), entry, issue: run.issue });
    this.changed = true;
  }

  /** What the card needs to say the event in words: its PR, label or conclusion, and a link (a review's). */
  private cause(): Pick<HistoryEntry, 'pr' | 'detail' | 'url'> {
    const ev = this.ev;
    const out: Pick<HistoryEntry, 'pr' | 'detail' | 'url'> = {};
    if ('pr' in ev && ev.pr !== undefined) out.pr = typeof ev.pr === 'number' ? ev.pr : ev.pr.number;
    if (ev.type === 'issue.labeled' || ev.type === 'issue.unlabeled') out.detail = ev.label;
    if (ev.type === 'checks.completed')
      out.detail = ev.all ? ev.all.conclusion : ev.suite ? ev.conclusion : `${ev.check} ${ev.conclusion}`;
    if (ev.type === 'task.done') out.detail = ev.task;
    if ('url' in ev && ev.url) out.url = ev.url;
    return out;
  }

  private eventName(): string {
    return this.ev.type === 'command' ? `command:${this.ev.command}` : this.ev.type;
  }

  /** Effect keys: the event fingerprint + a stable per-decision counter + a readable suffix. */
  key(what: string): string {
    return `${this.ev.id}/${this.n++}:${what}`;
  }

  push(e: Effect): void {
    this.effects.push(e);
  }
}

export function humanMs(ms: number): string {
  const m = Math.round(ms / 60000);
  if (m < 60) return `${m}m`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.round(h / 24)}d`;
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
