// The state of every check on a commit, as branch protection sees it: each app's latest check run per name (GitHub
// Actions makes one suite per workflow, so a commit has many) and each commit status context's latest state
// (https://docs.github.com/en/rest/checks/runs, https://docs.github.com/en/rest/commits/statuses). Pure.

export interface CheckRunLike {
  name: string;
  status: string;
  conclusion: string | null;
  app?: { slug?: string } | null;
}

export interface StatusLike {
  context: string;
  state: string;
}

export interface CombinedChecks {
  /** Every check run and status is finished (none queued, in progress or pending). */
  complete: boolean;
  /** The combined result once complete: `failure` if any failed, else `success`. */
  conclusion: string;
  /** Check name or status context → its conclusion, or `pending` while it runs. */
  checks: Record<string, string>;
}

/** Conclusions that fail a commit (neutral and skipped do not). */
const FAILING = new Set(['failure', 'cancelled', 'timed_out', 'action_required', 'startup_failure', 'stale', 'error']);

/** Baton's own check runs (`Baton / risk`, `Baton / flow.yml`) never gate the run that writes them. */
export function isOwnCheck(run: CheckRunLike, ownAppSlug?: string): boolean {
  return run.name.startsWith('Baton / ') || (!!ownAppSlug && run.app?.slug === ownAppSlug);
}

export function combineChecks(runs: CheckRunLike[], statuses: StatusLike[], ownAppSlug?: string): CombinedChecks {
  const checks: Record<string, string> = {};
  let complete = true;
  let failed = false;
  for (const r of runs) {
    if (isOwnCheck(r, ownAppSlug)) continue;
    const c = r.status === 'completed' ? (r.conclusion ?? 'neutral') : 'pending';
    if (c === 'pending') complete = false;
    if (FAILING.has(c)) failed = true;
    // Re-runs: the list is newest first, so the first seen name wins.
    checks[r.name] ??= c;
  }
  for (const s of statuses) {
    const c = s.state === 'success' ? 'success' : s.state === 'pending' ? 'pending' : 'failure';
    if (c === 'pending') complete = false;
    if (c === 'failure') failed = true;
    checks[s.context] ??= c;
  }
  return { complete, conclusion: failed ? 'failure' : 'success', checks };
}

/**
 * The combined state of only the checks a branch requires: complete once each required check has reported and
 * finished (one not reported yet is pending, as branch protection shows "Expected — waiting for status").
 */
export function combineRequired(
  all: CombinedChecks,
  required: string[],
): { contexts: string[]; complete: boolean; conclusion: string } {
  const states = required.map((c) => all.checks[c] ?? 'pending');
  return {
    contexts: required,
    complete: states.every((s) => s !== 'pending'),
    conclusion: states.some((s) => FAILING.has(s)) ? 'failure' : 'success',
  };
}
