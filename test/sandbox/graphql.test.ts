// The sandbox's GraphQL endpoint through real Octokit: documents are held to GitHub's schema, mutations change the
// same world the REST routes do (and send the same webhooks), and the token's reach and permissions apply.
import { Octokit } from '@octokit/rest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { seeded } from './helpers.js';

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
let sb: Sandbox;
let octokit: Octokit;
const repo = 'acme/web';

beforeAll(async () => {
  sb = await seeded();
  octokit = new Octokit({ baseUrl: sb.url, auth: sb.installationToken(), log: quiet });
});
afterAll(() => sb.stop());

type Answer = {
  data?: Record<string, any> | null;
  errors?: Array<{ type?: string; path?: string[]; message: string }>;
};
const gql = async (query: string, variables: Record<string, unknown> = {}, client = octokit): Promise<Answer> =>
  (await client.request('POST /graphql', { query, variables })).data as Answer;

const ids = async (issue: number, labels: string[], users: string[]) => {
  const r = await octokit.rest.issues.get({ owner: 'acme', repo: 'web', issue_number: issue });
  const q = await gql(
    `query { repository(owner: "acme", name: "web") { ${labels.map((l, i) => `l${i}: label(name: "${l}") { id }`).join(' ')} } ${users.map((u, i) => `u${i}: user(login: "${u}") { id }`).join(' ')} }`,
  );
  return {
    issue: r.data.node_id,
    labels: labels.map((_, i) => q.data?.repository?.[`l${i}`]?.id as string),
    users: users.map((_, i) => q.data?.[`u${i}`]?.id as string),
  };
};

test('a document GitHub would not accept is refused whole: no data, the schema error', async () => {
  const a = await gql('query { repository(owner: "acme", name: "web") { stageLabel { id } } }');
  expect(a.data).toBeUndefined();
  expect(a.errors?.[0]?.message).toMatch(/Cannot query field "stageLabel" on type "Repository"/);
});

test('one request adds and removes labels and assignees and rewrites a comment, with their webhooks', async () => {
  sb.addUser('outsider');
  const issue = sb.createIssue({ title: 'Batch', by: 'alice', repo, labels: ['bug'], assignees: ['alice'] }).number;
  await octokit.rest.issues.createLabel({ owner: 'acme', repo: 'web', name: 'baton:spec' }).catch(() => undefined);
  await octokit.rest.issues.createLabel({ owner: 'acme', repo: 'web', name: 'baton:build' }).catch(() => undefined);
  const card = await octokit.rest.issues.createComment({ owner: 'acme', repo: 'web', issue_number: issue, body: 'v1' });
  const n = await ids(issue, ['baton:build', 'bug'], ['bob', 'outsider', 'alice']);
  const before = sb.deliveries().length;
  const a = await gql(
    `mutation($issue: ID!, $add: [ID!]!, $remove: [ID!]!, $assign: [ID!]!, $unassign: [ID!]!, $card: ID!) {
      a: addLabelsToLabelable(input: {labelableId: $issue, labelIds: $add}) { clientMutationId }
      r: removeLabelsFromLabelable(input: {labelableId: $issue, labelIds: $remove}) { clientMutationId }
      u: removeAssigneesFromAssignable(input: {assignableId: $issue, assigneeIds: $unassign}) { clientMutationId }
      s: addAssigneesToAssignable(input: {assignableId: $issue, assigneeIds: $assign}) {
        assignable { ... on Issue { assignees(first: 100) { nodes { login } } } }
      }
      c: updateIssueComment(input: {id: $card, body: "v2"}) { issueComment { id } }
    }`,
    {
      issue: n.issue,
      add: [n.labels[0]],
      remove: [n.labels[1]],
      assign: [n.users[0], n.users[1]],
      unassign: [n.users[2]],
      card: card.data.node_id,
    },
  );
  expect(a.errors).toBeUndefined();
  // The non-collaborator is left out without an error, as REST's "add assignees" does.
  expect(a.data?.s.assignable.assignees.nodes).toEqual([{ login: 'bob' }]);
  const now = sb.issue(issue, repo);
  expect({ labels: now.labels, assignees: now.assignees }).toEqual({ labels: ['baton:build'], assignees: ['bob'] });
  expect(sb.comments(issue, repo).find((c) => c.id === card.data.id)?.body).toBe('v2');
  await sb.settled();
  const sent = sb
    .deliveries()
    .slice(before)
    .map((d) => `${d.event}.${d.action}`);
  expect(sent).toEqual(
    expect.arrayContaining(['issues.labeled', 'issues.unlabeled', 'issues.unassigned', 'issues.assigned']),
  );
});

test('a node that no longer resolves fails its own field; the others still run', async () => {
  const issue = sb.createIssue({ title: 'Stale', by: 'alice', repo }).number;
  await octokit.rest.issues.createLabel({ owner: 'acme', repo: 'web', name: 'doomed' });
  const n = await ids(issue, ['doomed'], ['bob']);
  sb.deleteLabel('doomed', { by: 'alice', repo });
  const a = await gql(
    `mutation($issue: ID!, $l: [ID!]!, $u: [ID!]!) {
      l: addLabelsToLabelable(input: {labelableId: $issue, labelIds: $l}) { clientMutationId }
      u: addAssigneesToAssignable(input: {assignableId: $issue, assigneeIds: $u}) { clientMutationId }
    }`,
    { issue: n.issue, l: n.labels, u: n.users },
  );
  expect(a.errors).toEqual([expect.objectContaining({ type: 'NOT_FOUND', path: ['l'] })]);
  expect(a.data).toEqual({ l: null, u: { clientMutationId: null } });
  expect(sb.issue(issue, repo).assignees).toEqual(['bob']);
});

test("a token reaches only its installation's repositories and writes only with the permission", async () => {
  sb.addRepo('other/private', { private: true });
  const hidden = sb.createIssue({ title: 'Not yours', by: 'other', repo: 'other/private' });
  const hiddenId = Buffer.from(`Issue:${hidden.id}`).toString('base64').replace(/=+$/, '');
  const n = await ids(sb.createIssue({ title: 'Mine', by: 'alice', repo }).number, ['bug'], []);
  const add = `mutation($issue: ID!, $l: [ID!]!) { addLabelsToLabelable(input: {labelableId: $issue, labelIds: $l}) { clientMutationId } }`;
  const outside = await gql(add, { issue: hiddenId, l: n.labels });
  expect(outside.errors?.[0]).toMatchObject({ type: 'NOT_FOUND' });
  const readOnly = new Octokit({ baseUrl: sb.url, auth: sb.workflowToken(repo, { issues: 'read' }), log: quiet });
  const refused = await gql(add, { issue: n.issue, l: n.labels }, readOnly);
  expect(refused.errors?.[0]).toMatchObject({ type: 'FORBIDDEN', message: 'Resource not accessible by integration' });
});
