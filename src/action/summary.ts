// The job summary (GITHUB_STEP_SUMMARY, Markdown) and the step outputs (GITHUB_OUTPUT): what a person opening the
// workflow run needs to see — the event, what the engine decided, what was written, what was skipped and why, spend.
import type { ActionResult } from './run.js';
import type { WriteRecord } from './requests.js';

const WRITE_PHRASES: Array<[RegExp, (w: WriteRecord) => string]> = [
  [/^POST .*\/issues\/\{issue_number\}\/comments$/, (w) => `comment on ${w.target}`],
  [/^PATCH .*\/issues\/comments\/\{comment_id\}$/, (w) => `edited ${w.target}`],
  [/^PATCH .*\/issues\/\{issue_number\}$/, (w) => `labels/assignees of ${w.target}`],
  [/^POST .*\/requested_reviewers$/, (w) => `review requested on ${w.target}`],
  [/check-runs/, (w) => `check run on ${w.target ?? 'a commit'}`],
  [/^POST \/repos\/\{owner\}\/\{repo\}\/issues$/, (w) => `issue ${w.target}`],
  [/^POST \/repos\/\{owner\}\/\{repo\}\/pulls$/, (w) => `pull request ${w.target}`],
  [/git\/refs$/, () => 'branch created'],
  [/contents/, () => 'file committed (on a Baton branch)'],
  [/labels/, (w) => `labels of ${w.target}`],
  [/assignees/, (w) => `assignees of ${w.target}`],
];

function phrase(w: WriteRecord): string {
  const hit = WRITE_PHRASES.find(([re]) => re.test(`${w.method} ${w.route}`));
  return hit ? hit[1](w) : `${w.method} ${w.route}`;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderSummary(r: ActionResult): string {
  const applied = r.writes.filter((w) => w.outcome === 'applied');
  const skipped = r.writes.filter((w) => w.outcome === 'skipped');
  const failed = r.writes.filter((w) => w.outcome === 'failed');
  const title =
    r.mode === 'schedule' ? 'scheduled sweep' : r.mode === 'read-only' ? `${r.eventName} (read-only)` : r.eventName;
  const lines = [`### Baton · ${title}`, ''];
  if (r.failed) lines.push(`> [!CAUTION]`, `> ${cell(r.failed)}`, '');
  if (r.mode === 'read-only')
    lines.push(
      '> [!NOTE]',
      `> **Read-only mode**: ${cell(r.reason ?? 'the token cannot write')}. Baton decided but wrote nothing; the run moves on the next event that runs with a write token (use \`pull_request_target\` for pull requests, see README "Baton on Actions").`,
      '',
    );
  for (const d of r.degraded)
    lines.push('> [!WARNING]', `> **Degraded: no \`${d.permission}\`** — ${cell(d.what)}.`, '');
  lines.push('| | |', '|---|---|');
  lines.push(`| Event | \`${r.eventName}\`${r.verified ? ' (re-run: every effect verified on GitHub first)' : ''} |`);
  const decisions = r.decisions.length
    ? r.decisions.map((d) => `${d.issue}: ${d.event} → ${d.note ?? 'no change'}`).join('<br>')
    : cell(r.reason ?? 'nothing to decide');
  lines.push(`| Decision | ${decisions} |`);
  if (r.stage)
    lines.push(
      `| Stage | \`${r.stage}\`${r.status && r.status !== 'active' ? ` (${r.status})` : ''}${r.moved ? ' — moved' : ''} |`,
    );
  lines.push(
    `| Effects applied | ${applied.length ? `${applied.length}: ${applied.map(phrase).map(cell).join(', ')}` : 'none'} |`,
  );
  if (skipped.length) lines.push(`| Skipped | ${skipped.map(phrase).map(cell).join(', ')} |`);
  if (failed.length)
    lines.push(
      `| Failed | ${failed
        .map((w) => `${phrase(w)} (${w.status})`)
        .map(cell)
        .join(', ')} |`,
    );
  if (r.wouldApply.length) lines.push(`| Would apply | ${r.wouldApply.map(cell).join(', ')} |`);
  const spend = `$${r.spendUsd.toFixed(4)} this job${r.runSpendUsd !== undefined ? ` · $${r.runSpendUsd.toFixed(4)} this run` : ''}`;
  lines.push(`| Spend | ${spend} |`, `| GitHub requests | ${r.requests} |`, '');
  return lines.join('\n');
}

/** `name=value` lines for GITHUB_OUTPUT (single-line values; the runner's heredoc form is not needed). */
export function renderOutputs(r: ActionResult): string {
  const out: Record<string, string> = {
    stage: r.stage ?? '',
    moved: String(r.moved),
    mode: r.mode,
    ...(r.group !== undefined ? { group: r.group } : {}),
  };
  return Object.entries(out)
    .map(([k, v]) => `${k}=${v.replace(/[\r\n]/g, ' ')}`)
    .join('\n')
    .concat('\n');
}
