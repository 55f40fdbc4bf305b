// What each sandbox route needs from a scoped token (a workflow's GITHUB_TOKEN), as GitHub documents it in
// "Permissions required for GitHub Apps" (https://docs.github.com/en/rest/authentication/permissions-required-for-github-apps)
// and "Controlling permissions for GITHUB_TOKEN"
// (https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/controlling-permissions-for-github_token).
// A token without the permission gets GitHub's 403 "Resource not accessible by integration".
import { HttpError } from './http-types.js';

/** Permission names as the REST API spells them (`pull_requests`; a workflow's `permissions:` says `pull-requests`). */
export type Scope = 'metadata' | 'contents' | 'issues' | 'pull_requests' | 'checks' | 'members' | 'statuses';
export type Access = 'read' | 'write';
export type Permissions = Partial<Record<Scope, Access | 'none'>>;

/** Any one of these grants the route (issue comments and labels work with either issues or pull_requests). */
type Need = Array<[Scope, Access]>;

const R = (s: Scope): Need => [[s, 'read']];
const W = (s: Scope): Need => [[s, 'write']];
const ISSUES_OR_PRS_R: Need = [
  ['issues', 'read'],
  ['pull_requests', 'read'],
];
const ISSUES_OR_PRS_W: Need = [
  ['issues', 'write'],
  ['pull_requests', 'write'],
];

/** `METHOD path-template` → what it needs. Routes not listed need only metadata (always granted). */
export const ROUTE_PERMISSIONS: Record<string, Need> = {
  'GET /repos/{owner}/{repo}/contents/{path}': R('contents'),
  'PUT /repos/{owner}/{repo}/contents/{path}': W('contents'),
  'GET /repos/{owner}/{repo}/git/ref/{ref}': R('contents'),
  'POST /repos/{owner}/{repo}/git/refs': W('contents'),
  'GET /repos/{owner}/{repo}/commits': R('contents'),
  'GET /repos/{owner}/{repo}/commits/{ref}': R('contents'),
  'GET /repos/{owner}/{repo}/branches/{branch}': R('contents'),
  'GET /repos/{owner}/{repo}/issues': R('issues'),
  'POST /repos/{owner}/{repo}/issues': W('issues'),
  'GET /repos/{owner}/{repo}/issues/comments/{comment_id}': ISSUES_OR_PRS_R,
  'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}': ISSUES_OR_PRS_W,
  'DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}': ISSUES_OR_PRS_W,
  // "Create reaction for an issue comment": Issues or Pull requests, write.
  'POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions': ISSUES_OR_PRS_W,
  'GET /repos/{owner}/{repo}/issues/{issue_number}': ISSUES_OR_PRS_R,
  'PATCH /repos/{owner}/{repo}/issues/{issue_number}': ISSUES_OR_PRS_W,
  'GET /repos/{owner}/{repo}/issues/{issue_number}/comments': ISSUES_OR_PRS_R,
  'POST /repos/{owner}/{repo}/issues/{issue_number}/comments': ISSUES_OR_PRS_W,
  'GET /repos/{owner}/{repo}/labels': ISSUES_OR_PRS_R,
  'POST /repos/{owner}/{repo}/labels': ISSUES_OR_PRS_W,
  'DELETE /repos/{owner}/{repo}/labels/{name}': ISSUES_OR_PRS_W,
  'POST /repos/{owner}/{repo}/issues/{issue_number}/labels': ISSUES_OR_PRS_W,
  'DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}': ISSUES_OR_PRS_W,
  'POST /repos/{owner}/{repo}/issues/{issue_number}/assignees': ISSUES_OR_PRS_W,
  'DELETE /repos/{owner}/{repo}/issues/{issue_number}/assignees': ISSUES_OR_PRS_W,
  'GET /repos/{owner}/{repo}/pulls': R('pull_requests'),
  'POST /repos/{owner}/{repo}/pulls': W('pull_requests'),
  'GET /repos/{owner}/{repo}/pulls/{pull_number}': R('pull_requests'),
  'GET /repos/{owner}/{repo}/pulls/{pull_number}/files': R('pull_requests'),
  'GET /repos/{owner}/{repo}/pulls/{pull_number}/commits': R('pull_requests'),
  'GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews': R('pull_requests'),
  'POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews': W('pull_requests'),
  'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge': W('contents'),
  'GET /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers': R('pull_requests'),
  'POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers': W('pull_requests'),
  'POST /repos/{owner}/{repo}/check-runs': W('checks'),
  'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}': W('checks'),
  'GET /repos/{owner}/{repo}/commits/{ref}/check-runs': R('checks'),
  'GET /repos/{owner}/{repo}/commits/{ref}/status': R('statuses'),
  'GET /repos/{owner}/{repo}/commits/{ref}/statuses': R('statuses'),
  'POST /repos/{owner}/{repo}/statuses/{sha}': W('statuses'),
  'GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls': [
    ['contents', 'read'],
    ['pull_requests', 'read'],
  ],
  'GET /repos/{owner}/{repo}/assignees/{assignee}': ISSUES_OR_PRS_R,
  // Organization members is an organization permission: a repository's GITHUB_TOKEN can never have it.
  'GET /orgs/{org}/teams/{team_slug}/members': R('members'),
};

const rank = { none: 0, read: 1, write: 2 } as const;

/** Throws GitHub's 403 when `perms` grants none of what the route needs. */
export function checkPermission(method: string, route: string, perms: Permissions): void {
  const need = ROUTE_PERMISSIONS[`${method} ${route}`];
  if (!need) return;
  if (need.some(([scope, access]) => rank[perms[scope] ?? 'none'] >= rank[access])) return;
  throw new HttpError(403, 'Resource not accessible by integration');
}

/**
 * A workflow's `permissions:` block (keys as workflow YAML spells them) → token permissions. Unlisted permissions are
 * `none` and metadata is always read, as GitHub does once a workflow sets `permissions:`; `read-all` / `write-all`
 * grant every repository permission.
 */
export function workflowPermissions(block: Record<string, string> | 'read-all' | 'write-all'): Permissions {
  const repoScopes: Scope[] = ['contents', 'issues', 'pull_requests', 'checks', 'statuses'];
  if (block === 'read-all' || block === 'write-all') {
    const a: Access = block === 'read-all' ? 'read' : 'write';
    return { metadata: 'read', ...Object.fromEntries(repoScopes.map((s) => [s, a])) };
  }
  const out: Permissions = { metadata: 'read' };
  for (const [k, v] of Object.entries(block)) {
    const scope = k.replace(/-/g, '_') as Scope;
    if (repoScopes.includes(scope) && (v === 'read' || v === 'write' || v === 'none')) out[scope] = v;
  }
  return out;
}
