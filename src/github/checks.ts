// The one check-run writer: Baton's checks (flow.yml validation, risk, the engine's `check` effect) are one run per
// name per commit, created once and then updated in place, so a retried job never adds a second run.
import type { CheckAnnotation, CheckRunData, GitHubPort } from './port.js';

export type CheckConclusion = 'success' | 'failure' | 'neutral';

export interface CheckRunWrite {
  name: string;
  sha: string;
  conclusion: CheckConclusion;
  title: string;
  summary: string;
  /** Only sent when the run is created (GitHub keeps a run's annotations across updates). */
  annotations?: CheckAnnotation[];
  externalId?: string;
}

/** The newest check run of that name on the commit. */
export async function findCheckRun(port: GitHubPort, sha: string, name: string): Promise<CheckRunData | undefined> {
  const runs = await port.listCheckRuns(sha, name);
  return runs.filter((r) => r.name === name).sort((a, b) => b.id - a.id)[0];
}

/**
 * Create the check run, or update the existing one. `when: 'changed'` leaves a completed run that already has the
 * conclusion alone (no write); `'always'` rewrites its title and summary too. Returns the run's id.
 */
export async function writeCheckRun(
  port: GitHubPort,
  c: CheckRunWrite,
  when: 'always' | 'changed' = 'changed',
): Promise<number> {
  const mine = await findCheckRun(port, c.sha, c.name);
  if (mine) {
    if (when === 'always' || mine.conclusion !== c.conclusion || mine.status !== 'completed')
      await port.updateCheckRun(mine.id, { conclusion: c.conclusion, title: c.title, summary: c.summary });
    return mine.id;
  }
  const created = await port.createCheckRun({
    name: c.name,
    head_sha: c.sha,
    conclusion: c.conclusion,
    title: c.title,
    summary: c.summary,
    ...(c.annotations ? { annotations: c.annotations } : {}),
    ...(c.externalId !== undefined ? { external_id: c.externalId } : {}),
  });
  return created.id;
}
