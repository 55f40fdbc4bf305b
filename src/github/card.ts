// The status card: one comment per run, edited in place. Its visible part is for people; its hidden block holds the
// run state, which makes GitHub the source of truth (a Baton with an empty disk rebuilds every run from its card).
import type { Flow } from '../flow/types.js';
import type { RunState } from '../engine/types.js';
import { CARD_FOOTER } from '../engine/commands.js';

export const CARD_MARKER = '<!-- baton:card -->';
const STATE_RE = /<!-- baton:state ([A-Za-z0-9+/=]+) -->/;
const TIMELINE_ROWS = 30;
/** GitHub rejects comments over 65,536 characters; stay well below. */
export const COMMENT_LIMIT = 60_000;

export function isCard(body: string | undefined | null): boolean {
  return !!body && body.includes(CARD_MARKER);
}

export function parseCard(body: string): RunState | undefined {
  const m = STATE_RE.exec(body);
  if (!m) return undefined;
  try {
    const state = JSON.parse(Buffer.from(m[1]!, 'base64').toString('utf8')) as RunState;
    return state && state.v === 1 && typeof state.stage === 'string' ? state : undefined;
  } catch {
    return undefined;
  }
}

export interface CardExtras {
  /** Links to comments Baton maintains (risk comments by PR). */
  links?: Record<string, string>;
  /** A config problem to show once (the last good flow is in use). */
  configProblem?: string;
  htmlBase?: string;
}

export function renderCard(run: RunState, flow: Flow, extras: CardExtras = {}): string {
  const stages = flow.stages;
  const idx = stages.findIndex((s) => s.id === run.stage);
  const stage = stages[idx];
  const name = stage?.name ?? run.stage;
  const status =
    run.status === 'done'
      ? '✅ done'
      : run.status === 'cancelled'
        ? '⏹️ cancelled'
        : `**${name}** (${idx + 1}/${stages.length})`;
  const owners = run.owners.length ? run.owners.map((o) => `\`${o}\``).join(', ') : '—';
  const track = stages
    .map((s) =>
      s.id === run.stage ? `**[${s.name}]**` : run.history.some((h) => h.to === s.id) ? `~~${s.name}~~` : s.name,
    )
    .join(' → ');
  const prs = run.prs.length
    ? run.prs
        .map((p) => {
          const risk = p.risk
            ? `, risk **${p.risk.level}** (${p.risk.score.toFixed(2)})${p.risk.level === 'high' ? (p.risk.seniorApproved ? ' — senior approved' : ' — waiting for a senior') : ''}`
            : '';
          const link = extras.links?.[`risk:${p.number}`];
          return `#${p.number} (${p.state}${risk}${link ? `, [risk summary](${link})` : ''})`;
        })
        .join(', ')
    : '—';
  const spend = `$${run.spendUsd.toFixed(4)}${run.offlineMode ? ' · offline mode is on: summaries are written without an LLM (no provider key set or budget reached)' : ''}`;
  const rows = run.history.slice(-TIMELINE_ROWS).map((h) => {
    const move =
      h.from === null
        ? `started in ${label(flow, h.to)}`
        : h.kind === 'cancel'
          ? `cancelled in ${label(flow, h.from)}`
          : h.from === h.to
            ? `${h.event.replace('command:', '/baton ')} in ${label(flow, h.to)}`
            : `${label(flow, h.from)} → ${label(flow, h.to)}${h.kind === 'back' ? ' ↩︎' : ''}`;
    return `| ${h.at.replace('T', ' ').replace(/\.\d+Z$|Z$/, '')} | ${move} | ${h.event} | ${h.by} | ${(h.owners ?? []).join(', ') || '—'} |`;
  });
  const hidden = run.history.length - rows.length;
  const lines = [
    CARD_MARKER,
    `### Baton · ${flow.name} — ${status}`,
    '',
    track,
    '',
    '| | |',
    '|---|---|',
    `| Owner | ${owners} |`,
    `| In stage since | ${run.enteredAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, '')} UTC |`,
    `| Pull requests | ${prs} |`,
    `| AI spend | ${spend} |`,
  ];
  if (run.stuck)
    lines.push(
      `| ⚠️ Stuck | ${run.stuck.reason} (job \`${run.stuck.job}\`, ${run.stuck.at}). Fix the cause, then comment \`/baton retry\`. |`,
    );
  for (const s of run.skipped ?? []) lines.push(`| ⚠️ Skipped | ${s.reason.replace(/\|/g, '\\|')} |`);
  if (extras.configProblem) lines.push(`| ⚠️ Config | ${extras.configProblem} |`);
  lines.push(
    '',
    '<details><summary>Timeline</summary>',
    '',
    hidden > 0 ? `_${hidden} earlier entries not shown._\n` : '',
    '| When (UTC) | Move | Event | By | Owner |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    '</details>',
    '',
    CARD_FOOTER,
    '',
  );
  return lines.join('\n') + stateBlock(run);
}

function label(flow: Flow, id: string | null): string {
  return flow.stages.find((s) => s.id === id)?.name ?? id ?? '—';
}

function stateBlock(run: RunState): string {
  let state = run;
  let block = encode(state);
  // Keep the card under GitHub's comment limit: drop the oldest history first (the store keeps all transitions).
  while (block.length > COMMENT_LIMIT - 8000 && state.history.length > 10) {
    state = {
      ...state,
      history: state.history.slice(Math.ceil(state.history.length / 4)),
      seen: state.seen.slice(-60),
    };
    block = encode(state);
  }
  return block;
}

function encode(run: RunState): string {
  return `<!-- baton:state ${Buffer.from(JSON.stringify(run), 'utf8').toString('base64')} -->`;
}
