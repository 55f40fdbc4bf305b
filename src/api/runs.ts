// What a partner sees of a run, built from the store's transition events (no GitHub request per read) and the
// run's API origin. Stages the flow keeps internal show as `in progress`; owners only when the flow allows it.
import type { TransitionRecord } from '../store/types.js';
import type { ApiConfig } from './config-schema.js';
import type { Run } from './schema.js';

export const HIDDEN_STAGE = 'in progress';

/** Opaque, stable run id: the repository and issue, base64url-encoded (no lookup table needed to resolve it). */
export function runId(repo: string, issue: number): string {
  return `run_${Buffer.from(`${repo}#${issue}`).toString('base64url')}`;
}

export function parseRunId(id: string): { repo: string; issue: number } | undefined {
  const m = /^run_([A-Za-z0-9_-]{4,200})$/.exec(id);
  if (!m) return undefined;
  const [, repo, issue] =
    /^([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)#(\d{1,9})$/.exec(Buffer.from(m[1]!, 'base64url').toString()) ?? [];
  return repo && issue ? { repo, issue: Number(issue) } : undefined;
}

export interface RunOrigin {
  tokenId: string;
  token: string;
  title: string;
  flow: string;
  createdAt: string;
  url: string;
}

export interface ViewOptions {
  api?: Pick<ApiConfig, 'visible_stages' | 'show_owner'>;
  origin?: RunOrigin;
  url: string;
}

/** The partner's view of one run; `history` is that issue's transitions in time order. */
export function runView(repo: string, issue: number, history: TransitionRecord[], o: ViewOptions): Run {
  const visible = o.api?.visible_stages;
  const show = (stage: string | null) => (stage === null || !visible || visible.includes(stage) ? stage : HIDDEN_STAGE);
  const last = history.at(-1);
  const status: Run['status'] = !last
    ? 'starting'
    : last.kind === 'done'
      ? 'done'
      : last.kind === 'cancel'
        ? 'cancelled'
        : 'active';
  const prs = new Map<number, boolean>();
  for (const t of history)
    if (t.pr !== undefined) prs.set(t.pr, prs.get(t.pr) || (t.kind === 'done' && t.event === 'pr.merged'));
  return {
    id: runId(repo, issue),
    repo,
    issue,
    url: o.url,
    title: o.origin?.title ?? null,
    flow: last?.flow ?? o.origin?.flow ?? null,
    status,
    stage: last ? show(last.to) : null,
    owner: o.api?.show_owner && last?.owners ? last.owners : null,
    created_by: o.origin?.token ?? null,
    // Consecutive entries for hidden stages collapse into one `in progress` step: a partner sees that the run moved,
    // not how the team works inside.
    timeline: history
      .map((t) => ({ at: t.at, from: show(t.from), to: show(t.to) ?? t.to, kind: t.kind }))
      .filter((e) => e.kind === 'start' || e.from !== e.to || e.kind === 'done' || e.kind === 'cancel'),
    pull_requests: [...prs].map(([number, merged]) => ({ number, merged })),
  };
}

/**
 * One run's transitions in the order they happened. GitHub's timestamps have one-second precision, so moves in the
 * same second tie on time: within a tie, follow the chain (each move starts where the previous one ended).
 */
export function historyOrder(ts: TransitionRecord[]): TransitionRecord[] {
  const rest = [...ts].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const out: TransitionRecord[] = [];
  while (rest.length) {
    const t0 = Date.parse(rest[0]!.at);
    const tied = rest.filter((t) => Date.parse(t.at) === t0);
    const at = out.at(-1)?.to ?? null;
    const next = tied.find((t) => t.from === at) ?? tied.find((t) => t.kind === 'start') ?? tied[0]!;
    out.push(next);
    rest.splice(rest.indexOf(next), 1);
  }
  return out;
}

/** Group transitions by issue, each in history order. */
export function byIssue(ts: TransitionRecord[]): Map<string, TransitionRecord[]> {
  const out = new Map<string, TransitionRecord[]>();
  for (const t of ts) {
    const k = `${t.repo}#${t.issue}`;
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(t);
  }
  for (const [k, list] of out) out.set(k, historyOrder(list));
  return out;
}
