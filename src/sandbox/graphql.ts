// The sandbox's GraphQL endpoint (`POST /graphql`): every document is parsed and validated against GitHub's own
// public schema (@octokit/graphql-schema), so a field, argument or type GitHub does not have is refused as GitHub
// refuses it; only the operations Baton uses are executed, against the same world the REST routes change
// (https://docs.github.com/en/graphql/guides/forming-calls-with-graphql). Node ids are the ones the REST answers
// carry in `node_id` (https://docs.github.com/en/graphql/guides/using-global-node-ids).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSchema, graphqlSync, type GraphQLError, type GraphQLSchema } from 'graphql';
import { HttpError } from './http-types.js';
import type { Json } from './http-types.js';
import { decodeNodeId } from './render.js';
import type { RouteContext, RouteDef } from './routes.js';
import type { Comment, Issue, Repo } from './state.js';

let cached: GraphQLSchema | undefined;

/** GitHub's schema, built once per process on the first GraphQL request (about a second: it is 1.2 MB of SDL). */
function githubSchema(): GraphQLSchema {
  if (cached) return cached;
  // The package exports only its JSON entry (5 MB, parsed eagerly); the SDL beside it is found as Node would.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const f = join(dir, 'node_modules', '@octokit', 'graphql-schema', 'schema.graphql');
    if (existsSync(f)) {
      // GitHub's published SDL repeats two enterprise fields; the rest is valid, so skip the SDL self-check.
      cached = buildSchema(readFileSync(f, 'utf8'), { assumeValidSDL: true });
      return cached;
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('sandbox: @octokit/graphql-schema is not installed');
    dir = up;
  }
}

/** A GraphQL error as GitHub shapes it: `type` at the top level (NOT_FOUND, FORBIDDEN, UNPROCESSABLE). */
class TypedError extends Error {
  constructor(
    readonly type: 'NOT_FOUND' | 'FORBIDDEN' | 'UNPROCESSABLE',
    message: string,
  ) {
    super(message);
  }
}

interface Found<T> {
  repo: Repo;
  item: T;
}

/** What a node id stands for, within what the token can reach; anything else is GitHub's NOT_FOUND. */
function resolveNode(c: RouteContext, id: unknown, kinds: string[]): Found<Issue | Comment> {
  const missing = () => new TypedError('NOT_FOUND', `Could not resolve to a node with the global id of '${id}'`);
  const d = typeof id === 'string' ? decodeNodeId(id) : undefined;
  if (!d || !kinds.includes(d.kind)) throw missing();
  for (const repo of c.world.state.repos.values()) {
    const item =
      d.kind === 'IssueComment'
        ? ((): Comment | undefined => {
            const cm = c.world.state.comments.get(d.id);
            return cm && cm.repo === repo.fullName.toLowerCase() ? cm : undefined;
          })()
        : [...repo.issues.values()].find((i) => i.id === d.id);
    if (!item) continue;
    // Another installation's repository is not there at all for this token.
    try {
      c.reach?.(repo, 'GET', '/repos/{owner}/{repo}/issues/{issue_number}');
    } catch {
      throw missing();
    }
    return { repo, item };
  }
  throw missing();
}

/** Writes need what the REST equivalent needs (issues or pull_requests: write), else FORBIDDEN. */
function mayWrite(c: RouteContext, repo: Repo, restRoute: string): void {
  try {
    c.reach?.(repo, 'POST', restRoute);
  } catch (err) {
    if (err instanceof HttpError && err.status === 403)
      throw new TypedError('FORBIDDEN', 'Resource not accessible by integration');
    throw err;
  }
}

function ids(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

/** Label ids → names in the repository (an id of another repository's label is NOT_FOUND, as on GitHub). */
function labelNames(repo: Repo, labelIds: string[]): string[] {
  return labelIds.map((id) => {
    const d = decodeNodeId(id);
    const l = d?.kind === 'Label' ? [...repo.labels.values()].find((x) => x.id === d.id) : undefined;
    if (!l) throw new TypedError('NOT_FOUND', `Could not resolve to a node with the global id of '${id}'`);
    return l.name;
  });
}

function userLogins(c: RouteContext, userIds: string[]): string[] {
  return userIds.map((id) => {
    const d = decodeNodeId(id);
    const u = d?.kind === 'User' ? [...c.world.state.users.values()].find((x) => x.id === d.id) : undefined;
    if (!u) throw new TypedError('NOT_FOUND', `Could not resolve to a node with the global id of '${id}'`);
    return u.login;
  });
}

/** The Issue (or PullRequest) object the payloads' `labelable` / `assignable` fields resolve to. */
function issueNode(c: RouteContext, repo: Repo, i: Issue): Json {
  const first = (args: { first?: number }) => Math.max(1, Math.min(100, args.first ?? 100));
  return {
    __typename: i.pull ? 'PullRequest' : 'Issue',
    id: c.world.render.issue(repo, i).node_id,
    number: i.number,
    labels: (args: { first?: number }) => ({
      totalCount: i.labels.length,
      nodes: i.labels.slice(0, first(args)).map((name) => ({ name })),
    }),
    assignees: (args: { first?: number }) => ({
      totalCount: i.assignees.length,
      nodes: i.assignees.slice(0, first(args)).map((login) => ({ login })),
    }),
  };
}

type Args = { input?: Json } & Json;

/** The root fields the sandbox executes; every other field of GitHub's schema answers "not modelled". */
function root(c: RouteContext): Json {
  const issueOf = (id: unknown) => {
    const f = resolveNode(c, id, ['Issue', 'PullRequest']);
    return f as Found<Issue>;
  };
  return {
    // --- queries -------------------------------------------------------------------------------------------------
    repository: (a: Args) => {
      const repo = c.world.state.repo(String(a.owner), String(a.name));
      if (!repo)
        throw new TypedError('NOT_FOUND', `Could not resolve to a Repository with the name '${a.owner}/${a.name}'.`);
      try {
        c.reach?.(repo, 'GET', '/repos/{owner}/{repo}/labels');
      } catch {
        throw new TypedError('NOT_FOUND', `Could not resolve to a Repository with the name '${a.owner}/${a.name}'.`);
      }
      return {
        id: c.world.render.repo(repo).node_id,
        nameWithOwner: repo.fullName,
        label: (la: { name: string }) => {
          const l = repo.labels.get(String(la.name).toLowerCase());
          return l ? { id: c.world.render.label(repo, l).node_id, name: l.name } : null;
        },
      };
    },
    user: (a: Args) => {
      const u = c.world.state.user(String(a.login));
      if (u?.type !== 'User' || c.world.state.deletedUsers.has(u.login.toLowerCase()))
        throw new TypedError('NOT_FOUND', `Could not resolve to a User with the login of '${a.login}'.`);
      return { id: c.world.render.user(u.login)?.node_id, login: u.login };
    },
    // --- mutations (https://docs.github.com/en/graphql/reference/mutations) ---------------------------------------
    addLabelsToLabelable: ({ input = {} }: Args) => {
      const { repo, item } = issueOf(input.labelableId);
      mayWrite(c, repo, '/repos/{owner}/{repo}/issues/{issue_number}/labels');
      const names = labelNames(repo, ids(input.labelIds));
      const i = names.length ? c.world.addLabels(repo, c.actor, item.number, names) : item;
      return { clientMutationId: input.clientMutationId ?? null, labelable: issueNode(c, repo, i) };
    },
    removeLabelsFromLabelable: ({ input = {} }: Args) => {
      const { repo, item } = issueOf(input.labelableId);
      mayWrite(c, repo, '/repos/{owner}/{repo}/issues/{issue_number}/labels');
      // Unlike REST's DELETE of one label (404 when it is not on the issue), removing a label the issue does not
      // carry is not an error here: the mutation leaves the issue without those labels.
      let i = item;
      for (const name of labelNames(repo, ids(input.labelIds)))
        if (i.labels.some((l) => l.toLowerCase() === name.toLowerCase()))
          i = c.world.removeLabel(repo, c.actor, item.number, name);
      return { clientMutationId: input.clientMutationId ?? null, labelable: issueNode(c, repo, i) };
    },
    addAssigneesToAssignable: ({ input = {} }: Args) => {
      const { repo, item } = issueOf(input.assignableId);
      mayWrite(c, repo, '/repos/{owner}/{repo}/issues/{issue_number}/assignees');
      // The same operation as REST's "add assignees": people who cannot be assigned are left out, not refused
      // (https://docs.github.com/en/rest/issues/assignees#add-assignees-to-an-issue).
      const i = c.world.addAssignees(repo, c.actor, item.number, userLogins(c, ids(input.assigneeIds)));
      return { clientMutationId: input.clientMutationId ?? null, assignable: issueNode(c, repo, i) };
    },
    removeAssigneesFromAssignable: ({ input = {} }: Args) => {
      const { repo, item } = issueOf(input.assignableId);
      mayWrite(c, repo, '/repos/{owner}/{repo}/issues/{issue_number}/assignees');
      const i = c.world.removeAssignees(repo, c.actor, item.number, userLogins(c, ids(input.assigneeIds)));
      return { clientMutationId: input.clientMutationId ?? null, assignable: issueNode(c, repo, i) };
    },
    updateIssueComment: ({ input = {} }: Args) => {
      const { repo, item } = resolveNode(c, input.id, ['IssueComment']) as Found<Comment>;
      mayWrite(c, repo, '/repos/{owner}/{repo}/issues/comments/{comment_id}');
      if (typeof input.body !== 'string') throw new TypedError('UNPROCESSABLE', 'body is required');
      let cm: Comment;
      try {
        cm = c.world.updateComment(repo, c.actor, item.id, input.body);
      } catch (err) {
        // The REST limits (body over 65,536 characters) hold for the mutation too.
        if (err instanceof HttpError && err.status === 422) throw new TypedError('UNPROCESSABLE', err.message);
        throw err;
      }
      const rendered = c.world.render.comment(repo, cm);
      return {
        clientMutationId: input.clientMutationId ?? null,
        issueComment: { id: rendered.node_id, databaseId: cm.id, body: cm.body },
      };
    },
  };
}

/**
 * GraphQL answers 200 with `data` and `errors` (each with `type`, `path`, `locations`, `message`): a document that
 * does not validate against the schema has no `data` at all; a field that fails is null and its siblings still run,
 * mutations one after the other in document order (https://docs.github.com/en/graphql/guides/forming-calls-with-graphql).
 */
export const GRAPHQL_ROUTE: RouteDef = {
  method: 'POST',
  path: '/graphql',
  auth: 'token',
  handler: (c) => {
    const body = c.body as { query?: unknown; variables?: unknown; operationName?: unknown };
    if (typeof body.query !== 'string')
      return { status: 400, body: { message: 'A query attribute must be specified and must be a string.' } };
    const result = execute(c, body.query, (body.variables ?? undefined) as Json | undefined);
    return { status: 200, body: result };
  },
};

function execute(c: RouteContext, source: string, variables: Json | undefined): Json {
  // Every resolver is synchronous (the world is in memory), so the whole document runs within this request.
  const r = graphqlSync({ schema: githubSchema(), source, rootValue: root(c), variableValues: variables ?? null });
  return {
    ...(r.data !== undefined ? { data: r.data } : {}),
    ...(r.errors?.length ? { errors: r.errors.map(shapeError) } : {}),
  };
}

function shapeError(e: GraphQLError): Json {
  const original = e.originalError;
  const type = original instanceof TypedError ? original.type : undefined;
  if (original && !(original instanceof TypedError) && !(original instanceof HttpError)) throw original;
  const notModelled = !original && e.path && /Cannot return null for non-nullable|undefined/.test(e.message);
  return {
    ...(type ? { type } : {}),
    ...(e.path ? { path: e.path } : {}),
    ...(e.locations ? { locations: e.locations } : {}),
    message: notModelled ? `sandbox: ${e.message}` : e.message,
  };
}
