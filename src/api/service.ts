// The partner API's operations, independent of HTTP: start a run (open the issue as the app, labelled with the
// flow's trigger), read and list runs, cancel, comment. A started or cancelled run goes through the same queue,
// engine and effect journal as a webhook: GitHub does not send Baton its own writes back as events it acts on, so
// the operation records a delivery shaped like the one GitHub would have sent on the partner's behalf.
import { createHash } from 'node:crypto';
import type { Flow } from '../flow/types.js';
import type { GitHubPort, IssueData } from '../github/port.js';
import type { JobQueue } from '../queue/types.js';
import type { Store } from '../store/types.js';
import { sanitizeMarkdown, tableCell } from '../tasks/sanitize.js';
import type { ApiConfig } from './config-schema.js';
import { byIssue, parseRunId, runView, type RunOrigin } from './runs.js';
import type { CreateRunRequest, Problem, Run } from './schema.js';
import { flowAllowed, type ApiToken } from './tokens.js';

const IDEM_NS = 'api-idem';
const ORIGIN_NS = 'api-run';
/** A claimed idempotency key older than this whose request never finished is looked for on GitHub and taken over. */
const STALE_CLAIM_MS = 60_000;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly extra: Partial<Problem> & { headers?: Record<string, string> } = {},
  ) {
    super(detail);
  }
}

const notFound = () => new ApiError(404, 'Not Found', 'No such run, or this token may not see it.');

export interface RepoAccess {
  port: GitHubPort;
  installationId: number;
  /** The repository as GitHub's REST API shows it (briefly cached). */
  repository(): Promise<Record<string, unknown>>;
}

export interface ApiGitHub {
  /** The repository as the app's installation sees it; undefined when the app is not installed there. */
  repo(fullName: string): Promise<RepoAccess | undefined>;
  flow(port: GitHubPort): Promise<Flow | undefined>;
}

export interface ApiServiceDeps {
  store: Store;
  queue: Pick<JobQueue, 'enqueue'>;
  github: ApiGitHub;
  now?: () => Date;
}

export interface Created {
  status: 200 | 201;
  run: Run;
  replayed: boolean;
}

type IdemRecord =
  | { state: 'pending'; request: string; at: string }
  | { state: 'done'; request: string; at: string; repo: string; issue: number };

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

export class ApiService {
  private readonly now: () => Date;

  constructor(private readonly d: ApiServiceDeps) {
    this.now = d.now ?? (() => new Date());
  }

  async origin(repo: string, issue: number): Promise<RunOrigin | undefined> {
    const raw = await this.d.store.kvGet(ORIGIN_NS, `${repo}#${issue}`);
    return raw ? (JSON.parse(raw) as RunOrigin) : undefined;
  }

  /** `repo#issue` → name of the token that started the run, for every run started through the API. */
  async sources(): Promise<Map<string, string>> {
    const rows = await this.d.store.kvList(ORIGIN_NS);
    return new Map(rows.map((r) => [r.key, (JSON.parse(r.value) as RunOrigin).token]));
  }

  private async repoFor(token: ApiToken, repo: string) {
    // Another repository than the token's is answered exactly like a repository that does not exist.
    if (repo.toLowerCase() !== token.repo.toLowerCase()) throw notFound();
    const r = await this.d.github.repo(token.repo);
    if (!r) throw new ApiError(404, 'Not Found', `Baton is not installed on ${token.repo}.`);
    return r;
  }

  private async flowFor(token: ApiToken, port: GitHubPort, requested?: string): Promise<Flow> {
    const flow = await this.d.github.flow(port);
    if (!flow)
      throw new ApiError(409, 'No flow', `${port.fullName} has no usable .github/flow.yml; ask its lead to add one.`);
    if (!flowAllowed(token, flow) || (requested && !flowAllowed({ flows: [requested] }, flow)))
      throw new ApiError(
        403,
        'Forbidden',
        `This token may not use the flow "${requested ?? flow.name}" of ${port.fullName}${token.flows.length ? ` (it may use: ${token.flows.join(', ')})` : ''}.`,
      );
    return flow;
  }

  async create(token: ApiToken, req: CreateRunRequest, idempotencyKey?: string): Promise<Created> {
    const gh = await this.repoFor(token, req.repo);
    const { port } = gh;
    const flow = await this.flowFor(token, port, req.flow);
    const api = flow.api;
    if (!api || api.enabled === false)
      throw new ApiError(
        403,
        'Forbidden',
        `The flow "${flow.name}" does not accept runs from partners: its flow.yml needs an \`api:\` section.`,
      );
    const errors = fieldErrors(api, req.fields);
    if (errors.length)
      throw new ApiError(422, 'Invalid request', 'Some fields are not accepted by this flow.', { errors });

    const request = sha(JSON.stringify(req));
    const idemKey = idempotencyKey ? `${token.id}:${sha(idempotencyKey)}` : undefined;
    if (idemKey) {
      const replay = await this.claim(idemKey, request, port, flow);
      if (replay) return { status: 200, run: await this.read(token, replay.repo, replay.issue), replayed: true };
    }
    const body = await this.issueBody(token, api, req, idemKey);
    const issue = await port.createIssue(req.title, body, [flow.trigger]);
    const url = issue.html_url ?? `https://github.com/${port.fullName}/issues/${issue.number}`;
    const origin: RunOrigin = {
      tokenId: token.id,
      token: token.name,
      title: req.title,
      flow: flow.name,
      createdAt: this.now().toISOString(),
      url,
    };
    await this.d.store.kvSet(ORIGIN_NS, `${port.fullName}#${issue.number}`, JSON.stringify(origin));
    await this.deliver(gh, token, issue, 'labeled', { name: flow.trigger });
    if (idemKey) await this.finish(idemKey, request, port.fullName, issue.number);
    // The run starts when its job runs, moments later: answer with what is known now (GET follows it).
    return { status: 201, run: runView(port.fullName, issue.number, [], { api, origin, url }), replayed: false };
  }

  /** Claim an idempotency key; returns the earlier run when this key already created one. */
  private async claim(
    key: string,
    request: string,
    port: GitHubPort,
    flow: Flow,
  ): Promise<{ repo: string; issue: number } | undefined> {
    const mine: IdemRecord = { state: 'pending', request, at: this.now().toISOString() };
    if (await this.d.store.kvSetIfAbsent(IDEM_NS, key, JSON.stringify(mine))) return undefined;
    const prev = JSON.parse((await this.d.store.kvGet(IDEM_NS, key)) ?? 'null') as IdemRecord | null;
    if (!prev) return undefined;
    if (prev.request !== request)
      throw new ApiError(
        422,
        'Idempotency-Key reused',
        'This Idempotency-Key was used for a different request; use a new key for a new run.',
      );
    if (prev.state === 'done') return { repo: prev.repo, issue: prev.issue };
    if (this.now().getTime() - Date.parse(prev.at) < STALE_CLAIM_MS)
      throw new ApiError(409, 'In progress', 'A request with this Idempotency-Key is still being processed; retry.', {
        headers: { 'retry-after': '2' },
      });
    // The first request died between opening the issue and recording it: the issue carries the key's marker.
    const found = (await port.listIssues({ labels: flow.trigger, state: 'all' })).find((i) =>
      (i.body ?? '').includes(marker(key)),
    );
    if (found) {
      await this.finish(key, request, port.fullName, found.number);
      return { repo: port.fullName, issue: found.number };
    }
    await this.d.store.kvSet(IDEM_NS, key, JSON.stringify(mine));
    return undefined;
  }

  private async finish(key: string, request: string, repo: string, issue: number): Promise<void> {
    const done: IdemRecord = { state: 'done', request, at: this.now().toISOString(), repo, issue };
    await this.d.store.kvSet(IDEM_NS, key, JSON.stringify(done));
  }

  private async issueBody(token: ApiToken, api: ApiConfig, req: CreateRunRequest, idemKey?: string): Promise<string> {
    const parts: string[] = [];
    // Partner text is untrusted like a PR body: no pings, no HTML, links only into this repository, no command lines.
    if (req.body.trim()) parts.push(sanitizeMarkdown(req.body, { repo: req.repo, max: 20_000 }));
    const rows = Object.entries(api.fields)
      .filter(([name]) => req.fields[name] !== undefined)
      .map(([name, f]) => `| ${tableCell(f.description ?? name)} | ${tableCell(req.fields[name]!, 10_000)} |`);
    if (rows.length) parts.push(['| Field | Value |', '| --- | --- |', ...rows].join('\n'));
    parts.push(`<sub>Opened through Baton's API by the partner token \`${token.name}\`.</sub>`);
    if (idemKey) parts.push(`<!-- ${marker(idemKey)} -->`);
    return parts.join('\n\n');
  }

  /**
   * Queue the event GitHub would have sent had the partner done this themselves. The delivery id is derived from
   * the run and the action, so retrying the API call queues nothing twice.
   */
  private async deliver(
    gh: RepoAccess,
    token: ApiToken,
    issue: IssueData,
    action: 'labeled' | 'closed',
    label?: { name: string },
  ): Promise<void> {
    const { port, installationId } = gh;
    const repo = await gh.repository();
    const id = `api-${token.id}-${sha(`${port.fullName}#${issue.number}:${action}`).slice(0, 24)}`;
    // GitHub's own timestamp form (whole seconds), so the event sorts with the ones GitHub sent.
    const at = this.now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    const payload = {
      action,
      ...(label ? { label } : {}),
      issue: {
        number: issue.number,
        title: issue.title,
        body: issue.body,
        state: action === 'closed' ? 'closed' : issue.state,
        user: issue.user,
        labels: issue.labels.map((name) => ({ name })),
        assignees: issue.assignees.map((login) => ({ login })),
        created_at: issue.created_at,
        updated_at: at,
        html_url: issue.html_url,
      },
      repository: repo,
      installation: { id: installationId },
      // Not a GitHub login (":" is not allowed in one), so it can neither ping nor be mistaken for a person.
      sender: { login: `api:${token.name}`, type: 'User' },
    };
    const key = `${port.fullName}#${issue.number}`;
    const fresh = await this.d.store.recordDelivery({ id, name: 'issues', key, payload, receivedAt: at });
    if (fresh) await this.d.queue.enqueue({ id, key, name: 'issues' });
  }

  private async view(token: ApiToken, repo: string, issue: number, api?: ApiConfig): Promise<Run> {
    const history =
      byIssue((await this.d.store.transitions({ repo })).filter((t) => t.issue === issue)).get(`${repo}#${issue}`) ??
      [];
    const origin = await this.origin(repo, issue);
    const flowName = history.at(-1)?.flow ?? origin?.flow;
    if (!history.length && !origin) throw notFound();
    if (flowName && !flowAllowed(token, { name: flowName })) throw notFound();
    return runView(repo, issue, history, {
      ...(api ? { api } : {}),
      ...(origin ? { origin } : {}),
      url: origin?.url ?? `https://github.com/${repo}/issues/${issue}`,
    });
  }

  private async read(token: ApiToken, repo: string, issue: number): Promise<Run> {
    const r = await this.d.github.repo(repo);
    const flow = r ? await this.d.github.flow(r.port).catch(() => undefined) : undefined;
    return this.view(token, repo, issue, flow?.api);
  }

  async get(token: ApiToken, id: string): Promise<Run> {
    const ref = parseRunId(id);
    if (!ref || ref.repo.toLowerCase() !== token.repo.toLowerCase()) throw notFound();
    return this.read(token, token.repo, ref.issue);
  }

  async list(
    token: ApiToken,
    q: { repo?: string; status?: Run['status']; mine?: boolean; cursor?: string; limit: number },
  ): Promise<{ runs: Run[]; next_cursor: string | null }> {
    if (q.repo && q.repo.toLowerCase() !== token.repo.toLowerCase()) return { runs: [], next_cursor: null };
    const before = q.cursor ? decodeCursor(q.cursor) : undefined;
    const r = await this.d.github.repo(token.repo);
    const flow = r ? await this.d.github.flow(r.port).catch(() => undefined) : undefined;
    const groups = byIssue(await this.d.store.transitions({ repo: token.repo }));
    const issues = [...groups.values()]
      .map((h) => h[0]!.issue)
      .filter((n) => before === undefined || n < before)
      .sort((a, b) => b - a);
    const runs: Run[] = [];
    for (const n of issues) {
      if (runs.length > q.limit) break;
      const history = groups.get(`${token.repo}#${n}`)!;
      if (!flowAllowed(token, { name: history.at(-1)!.flow })) continue;
      const origin = await this.origin(token.repo, n);
      if (q.mine && origin?.tokenId !== token.id) continue;
      const run = runView(token.repo, n, history, {
        ...(flow?.api ? { api: flow.api } : {}),
        ...(origin ? { origin } : {}),
        url: origin?.url ?? `https://github.com/${token.repo}/issues/${n}`,
      });
      if (q.status && run.status !== q.status) continue;
      runs.push(run);
    }
    const page = runs.slice(0, q.limit);
    return { runs: page, next_cursor: runs.length > q.limit ? encodeCursor(page.at(-1)!.issue) : null };
  }

  async cancel(token: ApiToken, id: string): Promise<{ run: Run; accepted: boolean }> {
    const run = await this.get(token, id);
    if (run.status === 'done' || run.status === 'cancelled') return { run, accepted: false };
    const gh = await this.repoFor(token, run.repo);
    const { port } = gh;
    const issue = await port.closeIssue(run.issue, 'not_planned');
    await port.createComment(
      run.issue,
      `Cancelled through Baton's API by the partner token \`${token.name}\`. Reopen the issue to resume the run.`,
    );
    await this.deliver(gh, token, issue, 'closed');
    return { run: await this.get(token, id), accepted: true };
  }

  async comment(token: ApiToken, id: string, text: string): Promise<{ id: number; url: string }> {
    const run = await this.get(token, id);
    const { port } = await this.repoFor(token, run.repo);
    const clean = sanitizeMarkdown(text, { repo: run.repo, max: 20_000 });
    // Quoted, so nothing in it reads as a `/baton` command line or as Baton's own words.
    const quoted = clean
      .split('\n')
      .map((l) => `> ${l}`)
      .join('\n');
    const c = await port.createComment(
      run.issue,
      `**Note from partner \`${token.name}\`** (via Baton's API):\n\n${quoted}`,
    );
    return { id: c.id, url: c.html_url };
  }
}

function marker(idemKey: string): string {
  return `baton-api-request:${sha(idemKey).slice(0, 32)}`;
}

function encodeCursor(issue: number): string {
  return Buffer.from(JSON.stringify({ b: issue })).toString('base64url');
}

function decodeCursor(c: string): number {
  try {
    const v = (JSON.parse(Buffer.from(c, 'base64url').toString()) as { b?: unknown }).b;
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  } catch {
    // fall through
  }
  throw new ApiError(400, 'Bad cursor', 'The cursor is not one this API returned; start again without it.');
}

export function fieldErrors(api: ApiConfig, fields: Record<string, string>): Array<{ field: string; message: string }> {
  const out: Array<{ field: string; message: string }> = [];
  for (const [name, value] of Object.entries(fields)) {
    const f = api.fields[name];
    if (!f) {
      const known = Object.keys(api.fields);
      out.push({
        field: `fields.${name}`,
        message: `unknown field${known.length ? ` (this flow accepts: ${known.join(', ')})` : ' (this flow accepts none)'}`,
      });
      continue;
    }
    if (value.length > f.max_length)
      out.push({ field: `fields.${name}`, message: `longer than ${f.max_length} characters` });
    if (f.options && !f.options.includes(value))
      out.push({ field: `fields.${name}`, message: `must be one of: ${f.options.join(', ')}` });
  }
  for (const [name, f] of Object.entries(api.fields))
    if (f.required && !fields[name]?.trim()) out.push({ field: `fields.${name}`, message: 'required' });
  return out;
}
