// Applies engine effects to GitHub exactly once. Each effect key goes through a journal in the store:
// 'pending' before the GitHub write, 'done' after. A key already 'done' is skipped; a key found 'pending' (the process
// died between the write and the journal) or any effect of a retried job is first checked against GitHub's state, so
// a crash between two GitHub calls never posts a second comment or re-requests reviewers.
import type { Effect } from '../engine/types.js';
import { HIGH_RISK_LABEL, STAGE_LABEL_PREFIX } from '../engine/decide.js';
import type { Store } from '../store/types.js';
import { writeCheckRun } from './checks.js';
import type { GitHubPort } from './port.js';

export const EFFECT_MARKER = (key: string) => `<!-- baton:effect ${key.replace(/--/g, '-')} -->`;

export interface ApplyContext {
  port: GitHubPort;
  store: Store;
  /** A retried job verifies every effect against GitHub before writing. */
  verifyAll: boolean;
}

type IssueEffect = Extract<Effect, { kind: 'label.add' | 'label.remove' | 'assign' | 'unassign' }>;
const ISSUE_KINDS = new Set<Effect['kind']>(['label.add', 'label.remove', 'assign', 'unassign']);

/** Stage labels are `baton:<stage>`; this one is not a stage. */
const NON_STAGE_LABELS = new Set([HIGH_RISK_LABEL]);

/**
 * The labels and assignees an issue should have after these effects, from its current state. Pure. Also heals the
 * stage label: exactly one `baton:<stage>` for the run's current stage (a user who deleted or renamed it gets it
 * back, and a stale one from a crash between two writes disappears).
 */
export function desiredIssueState(
  current: { labels: string[]; assignees: string[] },
  effects: IssueEffect[],
  stageLabel?: string,
): { labels: string[]; assignees: string[] } {
  const lc = (x: string) => x.toLowerCase();
  let labels = [...current.labels];
  let assignees = [...current.assignees];
  for (const e of effects) {
    if (e.kind === 'label.add') for (const l of e.labels) if (!labels.some((x) => lc(x) === lc(l))) labels.push(l);
    if (e.kind === 'label.remove') labels = labels.filter((x) => lc(x) !== lc(e.label));
    if (e.kind === 'assign') for (const u of e.users) if (!assignees.some((x) => lc(x) === lc(u))) assignees.push(u);
    if (e.kind === 'unassign') assignees = assignees.filter((x) => !e.users.some((u) => lc(u) === lc(x)));
  }
  if (stageLabel) {
    labels = labels.filter((l) => !l.startsWith(STAGE_LABEL_PREFIX) || NON_STAGE_LABELS.has(l) || l === stageLabel);
    if (!labels.includes(stageLabel)) labels.push(stageLabel);
  }
  return { labels, assignees: assignees.slice(0, 10) };
}

const sameSet = (a: string[], b: string[]) =>
  a.length === b.length && a.every((x) => b.some((y) => y.toLowerCase() === x.toLowerCase()));

export type SpecialHandler = (e: Effect, verify: boolean) => Promise<void>;

export class EffectApplier {
  constructor(private readonly special: Partial<Record<Effect['kind'], SpecialHandler>>) {}

  async applyAll(effects: Effect[], ctx: ApplyContext): Promise<void> {
    for (const e of effects) if (!ISSUE_KINDS.has(e.kind)) await this.apply(e, ctx);
  }

  /**
   * Labels and assignees of an issue in one read and one write: the read is conditional (free when nothing changed
   * since Baton's last write) and the write sets the whole state, so applying it twice changes nothing.
   */
  async syncIssue(issue: number, effects: Effect[], ctx: ApplyContext, stageLabel?: string): Promise<void> {
    const todo: IssueEffect[] = [];
    for (const e of effects) {
      if (!ISSUE_KINDS.has(e.kind)) continue;
      if ((await ctx.store.effectState(e.key)) === 'done') continue;
      todo.push(e as IssueEffect);
    }
    if (!todo.length && !stageLabel) return;
    for (const e of todo) await ctx.store.markEffect(e.key, 'pending');
    const current = await ctx.port.getIssue(issue);
    const want = desiredIssueState(current, todo, stageLabel);
    const patch: { labels?: string[]; assignees?: string[] } = {};
    if (!sameSet(want.labels, current.labels)) patch.labels = want.labels;
    if (!sameSet(want.assignees, current.assignees)) patch.assignees = want.assignees;
    if (patch.labels || patch.assignees) await ctx.port.updateIssue(issue, patch);
    for (const e of todo) await ctx.store.markEffect(e.key, 'done');
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
        if (users.length || teams.length) await port.requestReviewers(e.pr, users, teams);
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
