// Every merged pull request Baton hears of, whether or not a run carried it: flow compliance (the share of merged
// PRs that went through a run) and defect density (defects per 1,000 changed lines) need the merges that did NOT go
// through a run too, and the transition log only holds run events. One small record per merge, taken from the
// `pull_request.closed` webhook (`merged`, `merged_at`, `additions`, `deletions` are in its payload:
// https://docs.github.com/en/webhooks/webhook-events-and-payloads#pull_request), kept in the store's key/value
// table under one namespace per repo and month so a report reads only the months it covers.
import type { Store } from '../store/types.js';

export interface MergeRecord {
  repo: string;
  pr: number;
  /** ISO time of the merge. */
  at: string;
  /** Lines added + deleted by the PR. */
  lines: number;
}

const NS = 'merges';
const month = (iso: string) => iso.slice(0, 7);
const ns = (repo: string, m: string) => `${NS}:${repo}:${m}`;

/** The webhook's pull request object, as far as a merge record needs it. */
export interface MergedPull {
  number: number;
  merged?: boolean | null;
  merged_at?: string | null;
  additions?: number;
  deletions?: number;
}

/** Remembers a merge (idempotent: a redelivery writes the same record again). False when the PR was not merged. */
export async function recordMerge(store: Pick<Store, 'kvSet'>, repo: string, pr: MergedPull): Promise<boolean> {
  if (!pr.merged || !pr.merged_at) return false;
  const lines = (pr.additions ?? 0) + (pr.deletions ?? 0);
  await store.kvSet(ns(repo, month(pr.merged_at)), String(pr.number), JSON.stringify({ at: pr.merged_at, lines }));
  return true;
}

/** The months (YYYY-MM) that [since, until) touches. */
export function monthsBetween(since: string, until: string): string[] {
  const out: string[] = [];
  const d = new Date(`${month(since)}-01T00:00:00Z`);
  const end = Date.parse(until);
  while (d.getTime() < end) {
    out.push(d.toISOString().slice(0, 7));
    d.setUTCMonth(d.getUTCMonth() + 1);
  }
  return out;
}

/** Merges of the given repos in [since, until), oldest first. Unreadable records are skipped, not fatal. */
export async function loadMerges(
  store: Pick<Store, 'kvList'>,
  repos: readonly string[],
  since: string,
  until: string,
): Promise<MergeRecord[]> {
  const out: MergeRecord[] = [];
  for (const repo of repos)
    for (const m of monthsBetween(since, until))
      for (const { key, value } of await store.kvList(ns(repo, m))) {
        let v: { at?: unknown; lines?: unknown };
        try {
          v = JSON.parse(value);
        } catch {
          continue;
        }
        if (typeof v.at !== 'string' || v.at < since || v.at >= until) continue;
        out.push({ repo, pr: Number(key), at: v.at, lines: typeof v.lines === 'number' ? v.lines : 0 });
      }
  return out.sort((a, b) => a.at.localeCompare(b.at) || a.pr - b.pr);
}
