// The `transition` effect: record the move in the store's transition log (the source of every KPI, report and
// digest) and tell the metrics hook how long the stage and, when done, the whole run took.
import type { Effect, RunState } from '../engine/types.js';
import type { Flow } from '../flow/types.js';
import { references } from '../github/links.js';
import { redactSecretsSync } from '../tasks/redact/redact.js';
import type { Store, TransitionRecord } from '../store/types.js';

/** Awaited inside the job, so a failing hook (an outbound partner webhook that could not be queued) retries the job. */
export type TransitionHook = (
  t: TransitionRecord,
  timing: { stageSeconds?: number; cycleSeconds?: number },
) => void | Promise<void>;

export interface TransitionEffectDeps {
  store: Pick<Store, 'recordTransitions'>;
  repo: string;
  flow: Flow;
  run: () => RunState;
  /** The issue as the webhook showed it (a run's start records its references and labels). */
  issue?: { body?: string | null; title?: string | null; labels?: Array<{ name: string } | string> };
  hook?: TransitionHook;
}

/** GitHub's own limit on an issue title is 256 characters; a longer one is not a title we should keep. */
const TITLE_MAX = 256;

const seconds = (a: string, b: string) => Math.max(0, (Date.parse(b) - Date.parse(a)) / 1000);

export function transitionEffect(d: TransitionEffectDeps): (e: Effect) => Promise<void> {
  return async (e) => {
    if (e.kind !== 'transition') return;
    const run = d.run();
    const h = e.entry;
    const pr = [...run.prs].reverse().find((p) => p.state !== 'closed');
    const rec: TransitionRecord = {
      id: `${d.repo}#${run.issue}:${h.at}:${h.from ?? ''}>${h.to}:${h.kind}:${h.event}`,
      repo: d.repo,
      issue: run.issue,
      flow: d.flow.name,
      from: h.from,
      to: h.to,
      kind: h.kind,
      event: h.event,
      by: h.by,
      // One precision in the store: GitHub's whole-second times would sort after a same-second query bound with
      // milliseconds ('…:01Z' > '…:01.500Z' as text) and drop the newest moves from the dashboard and reports.
      at: new Date(h.at).toISOString(),
      owners: h.owners,
      ...(pr ? { pr: pr.number, ...(pr.risk ? { risk: pr.risk.level } : {}) } : {}),
      // Every move an issue event caused carries the issue's title as GitHub sent it, so a renamed issue shows its
      // new title from its next move on (PR events carry the PR, not the issue: they record none).
      // A title is people's text: secrets in it are redacted before it reaches the store (as for every store row).
      ...(typeof d.issue?.title === 'string'
        ? { title: redactSecretsSync(d.issue.title.slice(0, TITLE_MAX)).text }
        : {}),
      ...(h.kind === 'start'
        ? {
            stages: d.flow.stages.map((s) => s.id),
            ...(d.issue
              ? {
                  refs: references(d.issue.body),
                  labels: (d.issue.labels ?? []).map((l) => (typeof l === 'string' ? l : l.name)),
                }
              : {}),
          }
        : {}),
    };
    const prev = run.history.length > 1 ? run.history[run.history.length - 2] : undefined;
    await d.hook?.(rec, {
      ...(prev && h.from !== null && h.from !== h.to ? { stageSeconds: seconds(prev.at, h.at) } : {}),
      ...(h.kind === 'done' ? { cycleSeconds: seconds(run.startedAt, h.at) } : {}),
    });
    // After the hook: a crash between the two replays the hook (its effects are idempotent), never skips it.
    await d.store.recordTransitions([rec]);
  };
}
