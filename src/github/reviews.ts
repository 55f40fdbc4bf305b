// The one reading of a PR's reviews: each reviewer's latest review state. GitHub lists every review a user ever
// submitted, oldest first; a later approval replaces an earlier "changes requested", a dismissal cancels an approval,
// and a comment-only review never changes a verdict (it only says the person reviewed). PENDING reviews are drafts
// nobody else can see.
import type { ReviewData } from './port.js';

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
