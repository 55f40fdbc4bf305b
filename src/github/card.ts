// The status card: one comment per run, edited in place. Its visible part is for people; its hidden block holds the
// run state, which makes GitHub the source of truth (a Baton with an empty disk rebuilds every run from its card).
import type { Flow } from '../flow/types.js';
import type { RunState } from '../engine/types.js';
import { CARD_FOOTER } from '../engine/commands.js';
import { agoSpan, eventWords, humanSpan } from '../engine/words.js';

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
  /** Links to comments Baton maintains: `risk:<pr>` (risk comments), `docs` (the docs summary). */
  links?: Record<string, string>;
  /** A config problem to show once (the last good flow is in use). */
  configProblem?: string;
  htmlBase?: string;
  /**
   * The issue's assignees as GitHub shows them after this job. The card's owner line agrees with them: when the stage
   * owner is not assigned (a stage without `assign`, a refused login, a hand edit) the card says who holds the issue.
   */
  assignees?: string[];
  /** What "now" is for "2 h ago" (the decided event's time); default: the newest history entry. */
  now?: string;
}

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
const people = (xs: readonly string[]) => xs.map(code).join(', ');
const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x) => b.some((y) => y.toLowerCase() === x.toLowerCase()));
/** A link target Baton got from GitHub (html_url): only http(s), nothing that could end the Markdown link. */
const safeUrl = (u: string | undefined) => (u && /^https?:\/\/[^\s()<>]+$/.test(u) ? u : undefined);
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderCard(run: RunState, flow: Flow, extras: CardExtras = {}): string {
  const stages = flow.stages;
  const idx = stages.findIndex((s) => s.id === run.stage);
  const stage = stages[idx];
  const name = stage?.name ?? run.stage;
  const now = extras.now ?? run.history.at(-1)?.at ?? run.enteredAt;
  const active = run.status === 'active';
  const title =
    run.status === 'done'
      ? `### ✅ Baton · ${flow.name}: done`
      : run.status === 'cancelled'
        ? `### ⏹️ Baton · ${flow.name}: cancelled in ${name}`
        : `### Baton · ${flow.name}: **${name}** (${idx + 1}/${stages.length})`;
  // Passed = before the current stage and visited. After a bounce-back the stages ahead (Review) are not passed.
  const visited = new Set(run.history.map((h) => h.to));
  const track = stages
    .map((s, i) => {
      if (s.id === run.stage) return run.status === 'done' ? `**${s.name}** ✅` : `**[${s.name}]**`;
      return i < idx && visited.has(s.id) ? `~~${s.name}~~` : s.name;
    })
    .join(' → ');

  const lines = [CARD_MARKER, title, '', track, ''];
  const back = active ? backReason(run, flow, now) : undefined;
  if (back) lines.push(back, '');

  const facts: string[] = [];
  if (active) {
    facts.push(
      `**Owner:** ${ownerWords(run, flow, extras.assignees)} · in ${name} since ${agoSpan(run.enteredAt, now)}`,
    );
  } else {
    const end = run.history.at(-1)?.at ?? run.enteredAt;
    const took = humanSpan(Date.parse(end) - Date.parse(run.startedAt));
    facts.push(
      run.status === 'done'
        ? `**Finished** ${agoSpan(end, now)}, ${took} after it started.`
        : `**Cancelled** ${agoSpan(end, now)} by ${run.history.at(-1)?.by ?? 'someone'}. Reopen the issue to resume the run.`,
    );
    const holders = extras.assignees ?? run.owners;
    if (holders.length) facts.push(`**Assigned:** ${people(holders)}`);
  }
  if (run.prs.length) facts.push(`**Pull requests:** ${run.prs.map((p) => prWords(p, extras.links)).join(', ')}`);
  const docs = extras.links?.docs;
  if (run.docs && docs) facts.push(`**Docs:** [summary of #${run.docs.pr}](${docs})`);
  facts.push(
    `**AI spend:** $${run.spendUsd.toFixed(4)}${run.offlineMode ? ' · offline mode: comments are written without a model (no provider key set, or the budget is reached)' : ''}`,
  );
  if (run.stuck)
    facts.push(
      `⚠️ **Stuck:** ${run.stuck.reason} (job \`${run.stuck.job}\`, ${agoSpan(run.stuck.at, now)}). Fix the cause, then comment \`/baton retry\`.`,
    );
  for (const s of run.skipped ?? []) facts.push(`⚠️ **Skipped:** ${s.reason}`);
  if (extras.configProblem) facts.push(`⚠️ **Config:** ${extras.configProblem}`);
  lines.push(...facts.map((f) => `- ${f}`));

  const rows = run.history.slice(-TIMELINE_ROWS).map((h) => {
    const said = eventWords(h);
    const link = safeUrl(h.url);
    return `| ${agoSpan(h.at, now)} | ${cell(moveWords(flow, h))} | ${cell(said)}${link ? ` ([review](${link}))` : ''} | ${cell((h.owners ?? []).join(', ') || '—')} |`;
  });
  const hidden = run.history.length - rows.length;
  lines.push(
    '',
    `<details><summary>Timeline (${run.history.length} ${run.history.length === 1 ? 'entry' : 'entries'})</summary>`,
    '',
    ...(hidden > 0 ? [`_${hidden} earlier entries not shown._`, ''] : []),
    '| When | Move | What happened | Stage owner |',
    '|---|---|---|---|',
    ...rows,
    '',
    '</details>',
    '',
  );
  // Commands only help while the run can still move.
  if (active) lines.push(CARD_FOOTER, '');
  return lines.join('\n') + stateBlock(run);
}

/** Who holds the issue: the stage owner when GitHub agrees, else GitHub's assignees and why the owner is not one. */
function ownerWords(run: RunState, flow: Flow, assignees: string[] | undefined): string {
  const owners = run.owners;
  if (!assignees || sameSet(owners, assignees)) return owners.length ? people(owners) : 'nobody';
  const stage = flow.stages.find((s) => s.id === run.stage);
  const assigns = !!stage?.enter.some((a) => a === 'assign');
  const why = assigns ? 'not assigned on GitHub' : `not assigned: ${stage?.name ?? run.stage} has no \`assign\``;
  const held = assignees.length ? `${people(assignees)} (assigned on GitHub)` : 'nobody assigned on GitHub';
  return owners.length ? `${held}; the stage owner ${people(owners)} is ${why}` : held;
}

function prWords(p: RunState['prs'][number], links: Record<string, string> | undefined): string {
  const parts: string[] = [p.state];
  if (p.risk) {
    const gate =
      p.risk.level === 'high' ? (p.risk.seniorApproved ? ', senior approved' : ', waiting for a senior') : '';
    parts.push(`risk **${p.risk.level}** (${p.risk.score.toFixed(2)})${gate}`);
  }
  const link = links?.[`risk:${p.number}`];
  if (link) parts.push(`[risk comment](${link})`);
  return `#${p.number} (${parts.join(', ')})`;
}

function moveWords(flow: Flow, h: RunState['history'][number]): string {
  if (h.from === null) return `started in ${label(flow, h.to)}`;
  if (h.kind === 'cancel') return `cancelled in ${label(flow, h.from)}`;
  if (h.from === h.to) return `in ${label(flow, h.to)}`;
  return `${label(flow, h.from)} → ${label(flow, h.to)}${h.kind === 'back' ? ' ↩︎' : ''}`;
}

/** While the run sits in a stage a bounce-back sent it to: why it is back, with the review that asked, linked. */
function backReason(run: RunState, flow: Flow, now: string): string | undefined {
  const entered = [...run.history].reverse().find((h) => h.to === run.stage && h.from !== h.to);
  if (entered?.kind !== 'back') return undefined;
  const link = safeUrl(entered.url);
  const words = eventWords(entered);
  return `> ↩︎ **Back in ${label(flow, run.stage)}** from ${label(flow, entered.from)}: ${words}${link ? ` ([the review](${link}))` : ''}, ${agoSpan(entered.at, now)}.`;
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
