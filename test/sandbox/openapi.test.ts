// The sandbox must not drift into a GitHub that does not exist: every route it serves is in GitHub's OpenAPI
// description, every call Baton's port makes is served, answers carry the schema's required fields, and each webhook
// payload has every key of the @octokit/webhooks-examples example for its event+action.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Octokit } from '@octokit/rest';
import { ROUTES, Sandbox, exampleFor, seedDemo } from '../../src/sandbox/index.js';
import { hasExactExample } from '../../src/sandbox/payloads.js';
import { GRAPHQL_ROUTE } from '../../src/sandbox/graphql.js';
import { APP_MANIFEST } from '../../src/sandbox/app-manifest.js';

const require = createRequire(import.meta.url);
const spec = require('@octokit/openapi/generated/api.github.com.json') as {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>
  >;
  components: { schemas: Record<string, Schema> };
};
interface Schema {
  $ref?: string;
  type?: string;
  required?: string[];
  items?: Schema;
  properties?: Record<string, Schema>;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
}

function resolve(s: Schema): Schema {
  let cur = s;
  while (cur.$ref) {
    const next = spec.components.schemas[cur.$ref.replace('#/components/schemas/', '')];
    if (!next) throw new Error(`${cur.$ref} is not in @octokit/openapi`);
    cur = next;
  }
  if (cur.allOf) return { type: 'object', required: cur.allOf.flatMap((x) => resolve(x).required ?? []) };
  return cur;
}

test('every sandbox route exists with that method in api.github.com', () => {
  const missing = ROUTES.filter((r) => !spec.paths[r.path]?.[r.method.toLowerCase()]).map(
    (r) => `${r.method} ${r.path}`,
  );
  expect(missing).toEqual([]);
  expect(ROUTES.length).toBeGreaterThan(30);
});

test('every GitHub call in src/github/port.ts is served by the sandbox', () => {
  const source = readFileSync(new URL('../../src/github/port.ts', import.meta.url), 'utf8');
  const used = [...source.matchAll(/'(GET|POST|PUT|PATCH|DELETE) (\/[^']+)'/g)].map((m) => `${m[1]} ${m[2]}`);
  expect(used.length).toBeGreaterThan(20);
  // REST routes, and the GraphQL endpoint (its documents are checked against GitHub's GraphQL schema instead).
  const served = new Set([...ROUTES, GRAPHQL_ROUTE].map((r) => `${r.method} ${r.path}`));
  expect(used.filter((u) => !served.has(u))).toEqual([]);
});

describe('REST answers carry the required fields of GitHub response schemas', () => {
  let sb: Sandbox;
  let octokit: Octokit;
  beforeAll(async () => {
    sb = new Sandbox({ secret: 's', appId: 7, botLogin: 'baton-x[bot]' });
    seedDemo(sb, { flowYml: 'version: 1\n' });
    await sb.start();
    octokit = new Octokit({ baseUrl: sb.url, auth: sb.installationToken() });
  });
  afterAll(() => sb.stop());

  test('GET and write routes', async () => {
    const issue = sb.createIssue({ title: 'i', labels: ['bug'], assignees: ['bob'] });
    const c = sb.comment(issue.number, 'hello', { by: 'bob' });
    const pr = sb.openPr({ head: 'f', title: 'p', author: 'bob', files: { 'a.txt': 'a\n' } });
    sb.requestReviewers(pr.number, ['carol'], ['seniors']);
    sb.submitReview(pr.number, 'carol', 'APPROVED');
    sb.completeChecks(pr.number, 'success');
    sb.requireChecks('main', ['ci'], { via: 'classic' });
    sb.requireChecks('release', ['ci']);
    const o = { owner: 'acme', repo: 'web' };
    const calls: [string, string, Record<string, unknown>][] = [
      ['GET', '/repos/{owner}/{repo}', o],
      ['GET', '/repos/{owner}/{repo}/contents/{path}', { ...o, path: 'README.md' }],
      ['GET', '/repos/{owner}/{repo}/git/ref/{ref}', { ...o, ref: 'heads/main' }],
      ['GET', '/repos/{owner}/{repo}/commits', o],
      ['GET', '/repos/{owner}/{repo}/commits/{ref}', { ...o, ref: 'main' }],
      ['GET', '/repos/{owner}/{repo}/branches/{branch}', { ...o, branch: 'main' }],
      ['GET', '/repos/{owner}/{repo}/rules/branches/{branch}', { ...o, branch: 'release' }],
      ['GET', '/repos/{owner}/{repo}/issues', o],
      ['GET', '/repos/{owner}/{repo}/issues/{issue_number}', { ...o, issue_number: issue.number }],
      ['GET', '/repos/{owner}/{repo}/issues/{issue_number}/comments', { ...o, issue_number: issue.number }],
      ['GET', '/repos/{owner}/{repo}/issues/comments/{comment_id}', { ...o, comment_id: c.id }],
      ['GET', '/repos/{owner}/{repo}/labels', o],
      ['GET', '/repos/{owner}/{repo}/pulls', o],
      ['GET', '/repos/{owner}/{repo}/pulls/{pull_number}', { ...o, pull_number: pr.number }],
      ['GET', '/repos/{owner}/{repo}/pulls/{pull_number}/files', { ...o, pull_number: pr.number }],
      ['GET', '/repos/{owner}/{repo}/pulls/{pull_number}/commits', { ...o, pull_number: pr.number }],
      ['GET', '/repos/{owner}/{repo}/pulls/{pull_number}/reviews', { ...o, pull_number: pr.number }],
      ['GET', '/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers', { ...o, pull_number: pr.number }],
      ['GET', '/repos/{owner}/{repo}/commits/{ref}/check-runs', { ...o, ref: pr.pull.headSha }],
      ['GET', '/repos/{owner}/{repo}/collaborators/{username}/permission', { ...o, username: 'alice' }],
      ['GET', '/orgs/{org}/teams/{team_slug}/members', { org: 'acme', team_slug: 'seniors' }],
      ['GET', '/search/issues', { q: 'repo:acme/web is:issue' }],
      ['POST', '/repos/{owner}/{repo}/issues', { ...o, title: 'x' }],
      ['POST', '/repos/{owner}/{repo}/issues/{issue_number}/comments', { ...o, issue_number: issue.number, body: 'b' }],
      ['POST', '/repos/{owner}/{repo}/labels', { ...o, name: 'new-label' }],
      ['POST', '/repos/{owner}/{repo}/check-runs', { ...o, name: 'n', head_sha: pr.pull.headSha }],
    ];
    const problems: string[] = [];
    for (const [method, path, params] of calls) {
      const res = await octokit.request(`${method} ${path}`, params);
      const schema =
        spec.paths[path]?.[method.toLowerCase()]?.responses[String(res.status)]?.content?.['application/json']?.schema;
      if (!schema) {
        problems.push(`${method} ${path}: status ${res.status} not in spec`);
        continue;
      }
      let s = resolve(schema);
      let data = res.data as unknown;
      if (s.oneOf || s.anyOf) s = resolve((s.oneOf ?? s.anyOf)!.find((x) => resolve(x).type !== 'array') ?? s);
      if (s.type === 'array' && s.items) {
        s = resolve(s.items);
        data = (data as unknown[])[0];
      }
      for (const key of s.required ?? [])
        if (!(key in (data as object))) problems.push(`${method} ${path}: missing "${key}"`);
      if (s.properties)
        for (const [key, sub] of Object.entries(s.properties)) {
          const inner = resolve(sub);
          const value = (data as Record<string, unknown>)[key];
          if (inner.type === 'object' && inner.required && value && typeof value === 'object' && !Array.isArray(value))
            for (const k of inner.required)
              if (!(k in value)) problems.push(`${method} ${path}: missing "${key}.${k}"`);
        }
    }
    expect(problems).toEqual([]);
  });
});

test('webhook payloads have every key of the webhooks-examples example (top level and main objects)', async () => {
  // Subscribed to `label` too (Baton is not), so its payload is checked with the others.
  const sb = new Sandbox({
    secret: 's',
    appId: 7,
    botLogin: 'baton-x[bot]',
    events: [...APP_MANIFEST.events, 'label'],
  });
  seedDemo(sb, { flowYml: 'version: 1\n' });
  const issue = sb.createIssue({ title: 'i', labels: ['bug'], assignees: ['bob'] });
  sb.unlabelIssue(issue.number, 'bug');
  const c = sb.comment(issue.number, 'x', { by: 'bob' });
  sb.editComment(c.id, 'y', { by: 'bob' });
  sb.deleteComment(c.id, { by: 'bob' });
  sb.closeIssue(issue.number);
  sb.reopenIssue(issue.number);
  const pr = sb.openPr({ head: 'f', title: 'p', author: 'bob', files: { 'a.txt': 'a\n' }, draft: true });
  sb.readyForReview(pr.number);
  sb.requestReviewers(pr.number, ['carol']);
  sb.pushCommits(pr.number, { 'a.txt': 'b\n' });
  sb.submitReview(pr.number, 'carol', 'APPROVED');
  sb.completeChecks(pr.number, 'success');
  sb.mergePr(pr.number);
  sb.deleteLabel('enhancement');
  await sb.settled();

  const seen = new Set<string>();
  const problems: string[] = [];
  for (const d of sb.deliveries()) {
    const id = `${d.event}.${d.action ?? ''}`;
    seen.add(id);
    if (!hasExactExample(d.event, d.action)) continue;
    const ex = exampleFor(d.event, d.action);
    for (const key of Object.keys(ex)) {
      if (key === 'enterprise') continue;
      if (!(key in d.payload)) {
        problems.push(`${id}: missing ${key}`);
        continue;
      }
      const a = ex[key];
      const b = d.payload[key];
      if (a && typeof a === 'object' && !Array.isArray(a) && b && typeof b === 'object')
        for (const k of Object.keys(a)) if (!(k in (b as object))) problems.push(`${id}: missing ${key}.${k}`);
    }
  }
  expect(problems).toEqual([]);
  expect([...seen].sort()).toEqual(
    [
      'check_run.completed',
      'check_suite.completed',
      'issue_comment.created',
      'issue_comment.deleted',
      'issue_comment.edited',
      'issues.assigned',
      'issues.closed',
      'issues.labeled',
      'issues.opened',
      'issues.reopened',
      'issues.unlabeled',
      'label.deleted',
      'pull_request.closed',
      'pull_request.opened',
      'pull_request.ready_for_review',
      'pull_request.review_requested',
      'pull_request.synchronize',
      'pull_request_review.submitted',
      'push.',
    ].sort(),
  );
});
