// The one reading of a PR's reviews: each reviewer's latest review state. GitHub lists every review a user ever
// submitted, oldest first; a later approval replaces an earlier "changes requested", a dismissal cancels an approval,
// and a comment-only review never changes a verdict (it only says the person reviewed). PENDING reviews are drafts
// nobody else can see.
import type { GitHubPort, ReviewData } from './port.js';
import { ENV_VARS } from '../config/env.js';

export interface LatestReview {
  /** The login as GitHub spells it. */
  login: string;
  state: ReviewData['state'];
}

type Review = { user: { login: string }; state: string };

/** Latest review per reviewer, keyed by lower-cased login. */
export function latestReviews(reviews: readonly Review[]): Map<string, LatestReview> {
  const out = new Map<string, LatestReview>();
  for (const r of reviews) {
    if (r.state === 'PENDING') continue;
    const key = r.user.login.toLowerCase();
    if (r.state === 'COMMENTED' && out.has(key)) continue;
    out.set(key, { login: r.user.login, state: r.state as ReviewData['state'] });
  }
  return out;
}

/** Logins whose latest verdict is an approval. */
export function approvers(reviews: readonly Review[]): string[] {
  return [...latestReviews(reviews).values()].filter((r) => r.state === 'APPROVED').map((r) => r.login);
}

/**
 * Approvals that count, with GitHub's branch-protection semantics: only from people with write access (or higher),
 * and — like "Dismiss stale pull request approvals when new commits are pushed" — only for the PR's current head
 * (`commit_id` of the review). `dismissStale: false` (BATON_DISMISS_STALE_APPROVALS=false) keeps them across pushes.
 */
export async function countedApprovers(
  port: GitHubPort,
  pr: number,
  opts: { headSha?: string; dismissStale?: boolean } = {},
): Promise<string[]> {
  const dismissStale = opts.dismissStale ?? ENV_VARS.BATON_DISMISS_STALE_APPROVALS.default;
  const reviews = await port.listReviews(pr);
  const head = dismissStale ? (opts.headSha ?? (await port.getPull(pr)).head.sha) : undefined;
  // A review on an older head no longer approves what is there now.
  const current = head
    ? reviews.filter((r) => r.state !== 'APPROVED' || !r.commit_id || r.commit_id === head)
    : reviews;
  const out: string[] = [];
  for (const login of approvers(current)) {
    const p = await port.getPermission(login);
    if (p === 'admin' || p === 'maintain' || p === 'write') out.push(login);
  }
  return out;
}
