// What a user would see on GitHub, counted: duplicate comments, cards, stage labels and review requests are the
// visible symptoms of a non-idempotent retry, so durability tests assert on these, not on Baton's internals.
import { parseCard } from '../../src/github/card.js';
import type { RunState } from '../../src/engine/types.js';
import type { Sandbox } from '../../src/sandbox/index.js';

export const CARD_MARKER = '<!-- baton:card -->';

export interface IssueAudit {
  cards: number;
  run: RunState | undefined;
  stageLabels: string[];
  /** Bot comments whose Baton marker (`<!-- baton:… -->`) appears on more than one comment. */
  duplicateComments: string[];
  /** Bot comments, by marker. */
  markers: Record<string, number>;
}

/** The first Baton marker of a comment: `baton:card`, `baton:effect <key>`, `baton:risk …`. */
function markerOf(body: string): string | undefined {
  const effect = /<!-- (baton:effect [^>]*?) -->/.exec(body);
  if (effect) return effect[1];
  return /<!-- (baton:[\w-]+)/.exec(body)?.[1];
}

export function auditIssue(sandbox: Sandbox, repo: string, issue: number, bot: string): IssueAudit {
  const comments = sandbox.comments(issue, repo).filter((c) => c.user === bot);
  const markers: Record<string, number> = {};
  for (const c of comments) {
    const m = markerOf(c.body) ?? `unmarked: ${c.body.slice(0, 60)}`;
    markers[m] = (markers[m] ?? 0) + 1;
  }
  const cards = comments.filter((c) => c.body.includes(CARD_MARKER));
  return {
    cards: cards.length,
    run: cards.length ? parseCard(cards.at(-1)!.body) : undefined,
    stageLabels: sandbox.issue(issue, repo).labels.filter((l) => l.startsWith('baton:') && l !== 'baton:high-risk'),
    duplicateComments: Object.entries(markers)
      .filter(([, n]) => n > 1)
      .map(([m, n]) => `${m} ×${n}`),
    markers,
  };
}

/** How many times reviewers were requested on a PR (each request emits one `review_requested` webhook per reviewer). */
export function reviewRequests(sandbox: Sandbox, pr: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of sandbox.deliveries()) {
    const p = d.payload as {
      action?: string;
      number?: number;
      requested_reviewer?: { login: string };
      requested_team?: { slug: string };
    };
    if (d.event !== 'pull_request' || p.action !== 'review_requested' || p.number !== pr) continue;
    const who = p.requested_reviewer?.login ?? `team:${p.requested_team?.slug}`;
    out[who] = (out[who] ?? 0) + 1;
  }
  return out;
}

/** Check runs by name on a PR's head (a duplicate create would show as two). */
export function checkRunsByName(sandbox: Sandbox, repo: string, headSha: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of sandbox.repo(repo).checkRuns.values())
    if (c.head_sha === headSha) out[c.name] = (out[c.name] ?? 0) + 1;
  return out;
}
