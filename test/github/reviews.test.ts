import { countedApprovers } from '../../src/github/reviews.js';
import type { GitHubPort, ReviewData } from '../../src/github/port.js';

function port(reviews: Partial<ReviewData>[], perms: Record<string, string>, head = 'h2'): GitHubPort {
  return {
    listReviews: async () => reviews.map((r, i) => ({ id: i, state: 'APPROVED', ...r }) as ReviewData),
    getPull: async () => ({ head: { sha: head } }),
    getPermission: async (login: string) => perms[login] ?? 'none',
  } as unknown as GitHubPort;
}

test('approvals count only from users with write access, and only for the current head', async () => {
  const p = port(
    [
      { user: { login: 'carol' }, commit_id: 'h2' },
      { user: { login: 'reader' }, commit_id: 'h2' },
      { user: { login: 'stale' }, commit_id: 'h1' },
      { user: { login: 'admin' }, commit_id: 'h2' },
    ],
    { carol: 'write', reader: 'read', stale: 'write', admin: 'admin' },
  );
  expect(await countedApprovers(p, 1)).toEqual(['carol', 'admin']);
  // Like GitHub's "dismiss stale approvals" turned off: an older head's approval still counts.
  expect(await countedApprovers(p, 1, { dismissStale: false })).toEqual(['carol', 'stale', 'admin']);
});
