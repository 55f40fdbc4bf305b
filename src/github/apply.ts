// Applies engine effects to GitHub exactly once. Each effect key goes through a journal in the store:
// 'pending' before the GitHub write, 'done' after. A key already 'done' is skipped; a key found 'pending' (the process
// died between the write and the journal) or any effect of a retried job is first checked against GitHub's state, so
// a crash between two GitHub calls never posts a second comment or re-requests reviewers.
import type { Effect } from '../engine/types.js';
import type { Store } from '../store/types.js';
import type { GitHubPort } from './port.js';

export const EFFECT_MARKER = (key: string) => `<!-- baton:effect ${key.replace(/--/g, '-')} -->`;

export interface ApplyContext {
  port: GitHubPort;
  store: Store;
  /** A retried job verifies every effect against GitHub before writing. */
  verifyAll: boolean;
  /** Known issue assignees/labels from the payload, to skip writes that change nothing. */
  issueState?: { labels: string[]; assignees: string[] };
}

export type SpecialHandler = (e: Effect, verify: boolean) => Promise<void>;

export class EffectApplier {
  constructor(private readonly special: Partial<Record<Effect['kind'], SpecialHandler>>) {}

  async applyAll(effects: Effect[], ctx: ApplyContext): Promise<void> {
    for (const e of effects) await this.apply(e, ctx);
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
      case 'label.add': {
        const have = verify ? (await port.getIssue(e.issue)).labels : ctx.issueState?.labels ?? [];
        const missing = e.labels.filter((l) => !have.includes(l));
        // Adding a label the repo does not have creates it: a deleted or renamed stage label comes back by itself.
        if (missing.length) await port.addLabels(e.issue, missing);
        if (ctx.issueState) ctx.issueState.labels.push(...missing);
        return;
      }
      case 'label.remove': {
        if (ctx.issueState && !verify && !ctx.issueState.labels.includes(e.label) && ctx.issueState.labels.length) return;
        await port.removeLabel(e.issue, e.label);
        if (ctx.issueState) ctx.issueState.labels = ctx.issueState.labels.filter((l) => l !== e.label);
        return;
      }
      case 'assign': {
        const have = verify ? (await port.getIssue(e.issue)).assignees : ctx.issueState?.assignees ?? [];
        const missing = e.users.filter((u) => !have.some((h) => h.toLowerCase() === u.toLowerCase()));
        if (missing.length) await port.addAssignees(e.issue, missing);
        return;
      }
      case 'unassign': {
        const have = ctx.issueState?.assignees;
        const present = have && !verify ? e.users.filter((u) => have.some((h) => h.toLowerCase() === u.toLowerCase())) : e.users;
        if (present.length) await port.removeAssignees(e.issue, present);
        return;
      }
      case 'review.request': {
        let users = e.users;
        let teams = e.teams;
        if (verify) {
          const [requested, reviews] = await Promise.all([port.listRequestedReviewers(e.pr), port.listReviews(e.pr)]);
          const reviewed = new Set(reviews.map((r) => r.user.login.toLowerCase()));
          users = users.filter((u) => !requested.users.some((r) => r.toLowerCase() === u.toLowerCase()) && !reviewed.has(u.toLowerCase()));
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
        const runs = await port.listCheckRuns(e.sha, e.name);
        const mine = runs.find((r) => r.name === e.name);
        if (mine) {
          if (mine.conclusion !== e.conclusion || verify) await port.updateCheckRun(mine.id, { conclusion: e.conclusion, title: e.title, summary: e.summary });
        } else {
          await port.createCheckRun({ name: e.name, head_sha: e.sha, conclusion: e.conclusion, title: e.title, summary: e.summary });
        }
        return;
      }
      default:
        throw new Error(`no handler for effect ${e.kind}`);
    }
  }
}
