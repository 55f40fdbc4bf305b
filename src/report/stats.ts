// Small numeric helpers shared by the KPI, digest and dashboard code. Pure.
import { parseDuration as parseFlowDuration } from '../flow/duration.js';

export interface Dist {
  n: number;
  /** Hours; null when there is no sample. */
  median: number | null;
  p90: number | null;
}

/**
 * Linear-interpolation percentile (the same definition as numpy's default and Excel's PERCENTILE.INC), so the
 * figures can be checked by hand: p50 of [1,2,3,4] is 2.5, p90 of [1..10] is 9.1. `sorted` must be ascending.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const pos = (n - 1) * p;
  // lo and hi are within [0, n - 1] for p in [0, 1].
  const lo = sorted[Math.floor(pos)] as number;
  const hi = sorted[Math.ceil(pos)] as number;
  return lo + (hi - lo) * (pos - Math.floor(pos));
}

export function dist(values: number[]): Dist {
  // Float64Array sorts numerically and fast (no comparator callbacks): matters at 100k samples.
  const a = Float64Array.from(values).sort();
  return { n: a.length, median: percentile(a, 0.5), p90: percentile(a, 0.9) };
}

export interface Trend {
  current: number | null;
  previous: number | null;
  delta: number | null;
  /** Percent change vs the previous period; null when the previous value is 0 or unknown. */
  pct: number | null;
}

export function trend(current: number | null, previous: number | null): Trend {
  if (current === null || previous === null) return { current, previous, delta: null, pct: null };
  const delta = current - previous;
  return { current, previous, delta, pct: previous === 0 ? null : (delta / previous) * 100 };
}

/** '30d' → milliseconds (a positive duration). Throws a message that says what is accepted. */
export function parseDuration(s: string): number {
  const ms = parseFlowDuration(s);
  if (!ms) throw new Error(`"${s}" is not a duration: use a whole number followed by m, h, d or w, e.g. 30d`);
  return ms;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** ISO week label such as '2026-W05' (weeks start Monday, week 1 holds the year's first Thursday). */
export function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart) / DAY_MS + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** Monday 00:00 UTC of the ISO week containing `d`. */
export function weekStart(d: Date): Date {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() - (day - 1));
  return t;
}

/**
 * Date.parse for the canonical UTC ISO form the stores write ('2026-01-08T10:00:00Z' / '…00.000Z'), about 7× faster
 * than Date.parse — it is the hottest call when building runs from 100k events. Anything else goes to Date.parse.
 */
export function parseIso(s: string): number {
  const len = s.length;
  if (
    (len === 20 || len === 24) &&
    s.charCodeAt(4) === 45 &&
    s.charCodeAt(7) === 45 &&
    s.charCodeAt(10) === 84 &&
    s.charCodeAt(13) === 58 &&
    s.charCodeAt(16) === 58 &&
    s.charCodeAt(len - 1) === 90 &&
    (len === 20 || s.charCodeAt(19) === 46)
  ) {
    let bad = 0;
    const d = (i: number) => {
      const c = s.charCodeAt(i) - 48;
      bad |= c < 0 || c > 9 ? 1 : 0;
      return c;
    };
    const y = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3);
    const mo = d(5) * 10 + d(6);
    const day = d(8) * 10 + d(9);
    const h = d(11) * 10 + d(12);
    const mi = d(14) * 10 + d(15);
    const sec = d(17) * 10 + d(18);
    const ms = len === 24 ? d(20) * 100 + d(21) * 10 + d(22) : 0;
    if (!bad && mo >= 1 && mo <= 12 && day >= 1 && day <= 31 && h < 24 && mi < 60 && sec < 60)
      return Date.UTC(y, mo - 1, day, h, mi, sec, ms);
  }
  return Date.parse(s);
}
