// Times and events in words, for what people read (the status card, `/baton status`): "2 h ago" rather than an ISO
// stamp, "bob pushed to #2" rather than `pr.synchronize`. Pure: the caller says what "now" is.
import type { HistoryEntry } from './types.js';

/** `45 s`, `12 min`, `3 h`, `2 d`: one unit, rounded, the way people say a span. */
export function humanSpan(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h`;
  return `${Math.round(h / 24)} d`;
}

/** `just now`, `12 min ago`, `3 h ago` (from `iso` to `now`). */
export function ago(iso: string, now: string | Date): string {
  const ms = new Date(now).getTime() - Date.parse(iso);
  if (!Number.isFinite(ms) || ms < 60_000) return 'just now';
  return `${humanSpan(ms)} ago`;
}

/** `2026-03-02 09:00 UTC`: the absolute time, for a tooltip or where a date must be exact. */
export function utcStamp(iso: string): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso;
  return `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * `<span title="2026-03-02 09:00 UTC">3 h ago</span>`: the relative time people read at a glance, the exact one on
 * hover. GitHub keeps `title` on `span` in comments (its sanitizer allows the attribute on every element).
 */
export function agoSpan(iso: string, now: string | Date): string {
  return `<span title="${utcStamp(iso)}">${ago(iso, now)}</span>`;
}

const PR = (n: number | undefined) => (n !== undefined ? `#${n}` : 'the PR');
/**
 * A label name (people choose them) as a code span that cannot end early: no backtick, line break or table pipe, so
 * nothing in it renders as Markdown or HTML, or pings anyone.
 */
const lit = (s: string) => `\`${s.replace(/[`|\r\n<>]/g, ' ').slice(0, 60)}\``;

/**
 * What happened, as a sentence fragment with its actor: `bob pushed to #2`, `carol requested changes on #2`,
 * `alice added \`spec:ready\``. Unknown event names (custom ones, older cards) fall back to the name itself.
 */
export function eventWords(h: Pick<HistoryEntry, 'event' | 'by' | 'pr' | 'detail'>): string {
  const by = h.by;
  const d = h.detail;
  const pr = PR(h.pr);
  if (h.event.startsWith('command:')) return `${by}: \`/baton ${h.event.slice('command:'.length)}\``;
  switch (h.event) {
    case 'issue.labeled':
      return d ? `${by} added ${lit(d)}` : `${by} added a label`;
    case 'issue.unlabeled':
      return d ? `${by} removed ${lit(d)}` : `${by} removed a label`;
    case 'issue.closed':
      return `${by} closed the issue`;
    case 'issue.reopened':
      return `${by} reopened the issue`;
    case 'pr.linked':
      return `${pr} linked by ${by}`;
    case 'pr.opened':
      return `${by} opened ${pr}`;
    case 'pr.ready_for_review':
      return `${by} marked ${pr} ready for review`;
    case 'pr.synchronize':
      return `${by} pushed to ${pr}`;
    case 'pr.merged':
      return `${by} merged ${pr}`;
    case 'pr.closed':
      return `${by} closed ${pr} without merging`;
    case 'review.approved':
      return `${by} approved ${pr}`;
    case 'review.changes_requested':
      return `${by} requested changes on ${pr}`;
    case 'review.commented':
      return `${by} reviewed ${pr}`;
    case 'checks.completed':
      return d ? `checks on ${pr}: ${d.replace(/[^\w .-]/g, '').slice(0, 80)}` : `checks finished on ${pr}`;
    case 'sla.tick':
      return 'SLA timer';
    case 'task.done':
      return d ? `${d} done for ${pr}` : `task done for ${pr}`;
    default:
      return `${h.event} by ${by}`;
  }
}
