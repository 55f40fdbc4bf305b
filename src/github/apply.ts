// Applies engine effects to GitHub exactly once. Each effect key goes through a journal in the store:
// 'pending' before the GitHub write, 'done' after. A key already 'done' is skipped; a key found 'pending' (the process
// died between the write and the journal) or any effect of a retried job is first checked against GitHub's state, so
// a crash between two GitHub calls never posts a second comment or re-requests reviewers.
import type { Effect } from '../engine/types.js';
import { HIGH_RISK_LABEL, STAGE_LABEL_PREFIX } from '../engine/decide.js';
import type { Store } from '../store/types.js';
import { writeCheckRun } from './checks.js';
import { BatchUnavailable, type GitHubPort } from './port.js';
import { describeRefusal, isPermanent, requestReviewsEach, type Refusals } from './refusals.js';

export const EFFECT_MARKER = (key: string) => `<!-- baton:effect ${key.replace(/--/g, '-')} -->`;

export interface ApplyContext {
  port: GitHubPort;
  store: Store;
  /** A retried job verifies every effect against GitHub before writing. */
  verifyAll: boolean;
  /** Logins and teams GitHub refused recently: left out of later writes instead of being refused again. */
  refusals?: Refusals;
}

/** An effect GitHub refused for good (a 4xx other than rate limits): skipped, and said on the card with the fix. */
export interface Skipped {
  key: string;
  reason: string;
}

type IssueEffect = Extract<Effect, { kind: 'label.add' | 'label.remove' | 'assign' | 'unassign' }>;
const ISSUE_KINDS = new Set<Effect['kind']>(['label.add', 'label.remove', 'assign', 'unassign']);

/** Stage labels are `baton:<stage>`; this one is not a stage. */
const NON_STAGE_LABELS = new Set([HIGH_RISK_LABEL]);

/** What to add and remove so an issue carries Baton's labels and assignees — and nothing else changes. */
export interface IssueDelta {
  addLabels: string[];
  removeLabels: string[];
  addAssignees: string[];
  removeAssignees: string[];
}

const lc = (x: string) => x.toLowerCase();
const has = (list: string[], x: string) => list.some((y) => lc(y) === lc(x));

/**
 * The delta from an issue's current labels and assignees to what these effects ask for. Pure. Only what Baton owns
 * is touched: the labels and people its effects name, and the stage label — exactly one `baton:<stage>` for the
 * run's current stage (a user who deleted it gets it back; a stale one from a crash between two writes goes).
 * Everything people set stays as they left it, so a label or assignee changed between Baton's read and its write
 * is never reverted (a whole-list PATCH would undo it).
 */
export function issueDelta(
  current: { labels: string[]; assignees: string[] },
  effects: IssueEffect[],
  stageLabel?: string,
): IssueDelta {
  const labels = new Map<string, boolean>(); // label → wanted (true) or not (false); the last effect wins
  const people = new Map<string, boolean>();
  for (const e of effects) {
    if (e.kind === 'label.add') for (const l of e.labels) labels.set(l, true);
    if (e.kind === 'label.remove') labels.set(e.label, false);
    if (e.kind === 'assign') for (const u of e.users) people.set(u, true);
    if (e.kind === 'unassign') for (const u of e.users) people.set(u, false);
  }
  if (stageLabel) {
    for (const l of current.labels)
      if (l.startsWith(STAGE_LABEL_PREFIX) && !NON_STAGE_LABELS.has(l) && lc(l) !== lc(stageLabel))
        labels.set(l, false);
    labels.set(stageLabel, true);
  }
  const pick = (m: Map<string, boolean>, want: boolean, now: string[]) =>
    [...m].filter(([x, w]) => w === want && has(now, x) !== want).map(([x]) => x);
  return {
    addLabels: pick(labels, true, current.labels),
    removeLabels: pick(labels, false, current.labels),
    addAssignees: pick(people, true, current.assignees).slice(0, 10),
    removeAssignees: pick(people, false, current.assignees),
  };
}

export type SpecialHandler = (e: Effect, verify: boolean) => Promise<void>;

export class EffectApplier {
  /** What GitHub refused in this job, one reason each: the rest of the transition was applied regardless. */
  readonly skipped: Skipped[] = [];

  constructor(private readonly special: Partial<Record<Effect['kind'], SpecialHandler>>) {}

  /**
   * Each effect has its own outcome: done, skipped (a permanent refusal: recorded as done in the journal so no
   * retry replays it, and reported), or a transient failure (5xx, timeouts, rate limits) that fails the job so it is
   * retried with backoff. One refused write never blocks the others.
   */
  async applyAll(effects: Effect[], ctx: ApplyContext): Promise<void> {
    for (const e of effects) {
      if (ISSUE_KINDS.has(e.kind)) continue;
      try {
        await this.apply(e, ctx);
      } catch (err) {
        if (!isPermanent(err)) throw err;
        await ctx.store.markEffect(e.key, 'done');
        this.skip(e.key, describeRefusal(e, err, ctx.port.fullName));
      }
    }
  }

  private skip(key: string, reason: string): void {
    if (!this.skipped.some((s) => s.reason === reason)) this.skipped.push({ key, reason });
  }

  /**
   * Labels and assignees of an issue: one conditional read (free when nothing changed since Baton's last write),
   * then only the additions and removals Baton owns (see issueDelta), all in one GraphQL request (port
   * writeIssueBatch) — a hand-off moves the stage label and the owners with one write instead of four. Each change is
   * a delta and idempotent on GitHub, so a retry after an ambiguous answer is safe. When the batch cannot be used
   * (a stale node id, a refusal), the same delta goes through the REST add/remove endpoints, one outcome each.
   */
  async syncIssue(
    issue: number,
    effects: Effect[],
    ctx: ApplyContext,
    stageLabel?: string,
  ): Promise<{ assignees: string[] } | undefined> {
    const todo: IssueEffect[] = [];
    for (const e of effects) {
      if (!ISSUE_KINDS.has(e.kind)) continue;
      if ((await ctx.store.effectState(e.key)) === 'done') continue;
      todo.push(e as IssueEffect);
    }
    if (!todo.length && !stageLabel) return undefined;
    for (const e of todo) await ctx.store.markEffect(e.key, 'pending');
    const current = await ctx.port.getIssue(issue);
    const d = issueDelta(current, todo, stageLabel);
    // Who holds the issue after the writes (for the card): what GitHub had, less what was removed, plus who it took.
    let assignees = current.assignees.filter((a) => !has(d.removeAssignees, a));
    const roleOf = (login: string) => {
      const e = todo.find((x) => x.kind === 'assign' && has(x.users, login));
      return e?.kind === 'assign' ? e : undefined;
    };
    const refuse = (login: string) => {
      ctx.refusals?.remember(ctx.port.fullName, 'assign', login);
      const e = roleOf(login);
      this.skip(e?.key ?? `assign:${login}`, unassignable(login, ctx.port.fullName, e?.role));
    };
    // Logins refused a moment ago are left out up front instead of being refused again.
    for (const a of d.addAssignees.filter((x) => ctx.refusals?.refused(ctx.port.fullName, 'assign', x))) refuse(a);
    const toAssign = d.addAssignees.filter((x) => !ctx.refusals?.refused(ctx.port.fullName, 'assign', x));
    // Who is missing from the assignees after the write was refused: "add assignees" skips logins that cannot be
    // assigned without an error (https://docs.github.com/en/rest/issues/assignees#add-assignees-to-an-issue).
    const missing = (now: string[]) => {
      if (now.length < 10) for (const a of toAssign) if (!has(now, a)) refuse(a);
      assignees = now;
    };
    const batch = { addLabels: d.addLabels, removeLabels: d.removeLabels, removeAssignees: d.removeAssignees };
    if (batch.addLabels.length + batch.removeLabels.length + batch.removeAssignees.length + toAssign.length) {
      try {
        const r = await ctx.port.writeIssueBatch({ issue: current, ...batch, addAssignees: toAssign });
        for (const u of r.unknownUsers) if (has(toAssign, u)) refuse(u);
        if (r.assignees) missing(r.assignees);
      } catch (err) {
        if (!(err instanceof BatchUnavailable) && !isPermanent(err)) throw err;
        await this.syncIssueRest(issue, todo, ctx, { ...batch, toAssign }, roleOf, missing);
      }
    }
    for (const e of todo) await ctx.store.markEffect(e.key, 'done');
    return { assignees };
  }

  /** The same delta through REST: one request per change, each with its own outcome (a refusal skips only it). */
  private async syncIssueRest(
    issue: number,
    todo: IssueEffect[],
    ctx: ApplyContext,
    d: { addLabels: string[]; removeLabels: string[]; removeAssignees: string[]; toAssign: string[] },
    roleOf: (login: string) => IssueEffect | undefined,
    missing: (now: string[]) => void,
  ): Promise<void> {
    const each = async (e: IssueEffect | undefined, write: () => Promise<unknown>) => {
      try {
        await write();
      } catch (err) {
        if (!isPermanent(err)) throw err;
        const x = e ?? ({ kind: 'label.add', key: `sync:${issue}`, issue, labels: [] } as IssueEffect);
        this.skip(x.key, describeRefusal(x, err, ctx.port.fullName));
      }
    };
    const labelEffect = todo.find((x) => x.kind === 'label.add' || x.kind === 'label.remove');
    if (d.addLabels.length) await each(labelEffect, () => ctx.port.addLabels(issue, d.addLabels));
    for (const l of d.removeLabels) await each(labelEffect, () => ctx.port.removeLabel(issue, l));
    if (d.removeAssignees.length)
      await each(
        todo.find((x) => x.kind === 'unassign'),
        () => ctx.port.removeAssignees(issue, d.removeAssignees),
      );
    if (d.toAssign.length)
      await each(roleOf(d.toAssign[0]!), async () => missing(await ctx.port.addAssignees(issue, d.toAssign)));
  }

  async apply(e: Effect, ctx: ApplyContext): Promise<void> {
    // The card is rewritten from the whole state every time: idempotent by construction, no journal needed.
    if (e.kind === 'card') return this.special.card?.(e, false);
    const state = await ctx.store.effectState(e.key);
    if (state === 'done') return;
    const verify = ctx.verifyAll || state === 'pending';
    await ctx.store.markEffect(e.key, 'pending');
    const special = this.special[e.kind];
    if (special) await special(e, verify);
    else await this.github(e, ctx, verify);
    await ctx.store.markEffect(e.key, 'done');
  }

  private async github(e: Effect, ctx: ApplyContext, verify: boolean): Promise<void> {
    const { port } = ctx;
    switch (e.kind) {
      case 'review.request': {
        let users = e.users;
        let teams = e.teams;
        if (verify) {
          const [requested, reviews] = await Promise.all([port.listRequestedReviewers(e.pr), port.listReviews(e.pr)]);
          const reviewed = new Set(reviews.map((r) => r.user.login.toLowerCase()));
          users = users.filter(
            (u) => !requested.users.some((r) => r.toLowerCase() === u.toLowerCase()) && !reviewed.has(u.toLowerCase()),
          );
          teams = teams.filter((t) => !requested.teams.includes(t));
        }
        const refused = (kind: 'review' | 'team', who: string) => ctx.refusals?.refused(port.fullName, kind, who);
        const knownBad = [...users.filter((u) => refused('review', u)), ...teams.filter((t) => refused('team', t))];
        for (const u of users.filter((x) => refused('review', x)))
          this.skip(e.key, notCollaborator(u, port.fullName, e.role));
        for (const t of teams.filter((x) => refused('team', x))) this.skip(e.key, teamNoAccess(t, port, e.role));
        users = users.filter((u) => !knownBad.includes(u));
        teams = teams.filter((t) => !knownBad.includes(t));
        const refusedNow = await requestReviewsEach(port, e.pr, users, teams);
        for (const u of refusedNow.users) {
          ctx.refusals?.remember(port.fullName, 'review', u);
          this.skip(e.key, notCollaborator(u, port.fullName, e.role));
        }
        for (const t of refusedNow.teams) {
          ctx.refusals?.remember(port.fullName, 'team', t);
          this.skip(e.key, teamNoAccess(t, port, e.role));
        }
        return;
      }
      case 'comment': {
        const marker = EFFECT_MARKER(e.key);
        if (verify) {
          const existing = await port.listComments(e.issue);
          if (existing.some((c) => c.body.includes(marker))) return;
        }
        await port.createComment(e.issue, `${e.body}\n\n${marker}`);
        return;
      }
      case 'react': {
        // GitHub answers 200 for a reaction already there: applying it again changes nothing.
        await port.createReaction(e.commentId, e.content);
        return;
      }
      case 'check': {
        await writeCheckRun(
          port,
          { name: e.name, sha: e.sha, conclusion: e.conclusion, title: e.title, summary: e.summary },
          verify ? 'always' : 'changed',
        );
        return;
      }
      default:
        throw new Error(`no handler for effect ${e.kind}`);
    }
  }
}

const roleHint = (role: string | undefined, alt: string) => (role ? `change role \`${role}\`` : alt);

function unassignable(login: string, repo: string, role?: string): string {
  return `@${login} cannot be assigned on ${repo} (not a collaborator): add them or ${roleHint(role, 'assign someone else')}`;
}

function notCollaborator(login: string, repo: string, role?: string): string {
  return `@${login} is not a collaborator on ${repo}: add them or ${roleHint(role, 'request someone else')}`;
}

function teamNoAccess(team: string, port: GitHubPort, role?: string): string {
  return `team @${port.ref.owner}/${team} has no access to ${port.fullName}: give it access or ${roleHint(role, 'request someone else')}`;
}
