// Renders a KpiReport as a terminal table, Markdown, JSON or CSV. Pure: returns a string.
import type { KpiGroup, KpiReport } from './kpis.js';
import type { Trend } from './stats.js';

export const FORMATS = ['table', 'md', 'json', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

export interface Row {
  scope: string;
  metric: string;
  unit: '' | 'h' | 'usd' | '%';
  trend: Trend;
}

/** The headline figures of one group, in reading order; stage rows after, in flow order (`order`). */
export function rows(scope: string, g: KpiGroup, order: readonly string[] = []): Row[] {
  const t = g.trends;
  const out: Row[] = [
    { scope, metric: 'runs started', unit: '', trend: t.runsStarted },
    { scope, metric: 'runs finished', unit: '', trend: t.runsFinished },
    { scope, metric: 'cycle time median', unit: 'h', trend: t.cycleTimeMedianHours },
    { scope, metric: 'cycle time p90', unit: 'h', trend: t.cycleTimeP90Hours },
    { scope, metric: 'hand-offs', unit: '', trend: t.handOffs },
    { scope, metric: 'hand-offs per finished run', unit: '', trend: t.handOffsPerFinishedRun },
    { scope, metric: 'bounce-backs', unit: '', trend: t.bounceBacks },
    { scope, metric: 'defect escapes', unit: '', trend: t.defectEscapes },
    { scope, metric: 'defect density (per 1k changed lines)', unit: '', trend: t.defectDensity },
    { scope, metric: 'flow compliance (merged PRs through a run)', unit: '%', trend: t.flowCompliance },
    { scope, metric: 'high-risk flagged', unit: '', trend: t.highRiskFlagged },
    { scope, metric: 'AI spend', unit: 'usd', trend: t.spendUsd },
    { scope, metric: 'AI $ per 1k tokens', unit: 'usd', trend: t.usdPer1kTokens },
  ];
  const rank = (k: string) => {
    const i = order.indexOf(k.split(':')[1]!);
    return i < 0 ? order.length : i;
  };
  const stages = Object.entries(t as Record<string, Trend>)
    .filter(([k]) => k.startsWith('stage:'))
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
  for (const [key, trend] of stages)
    out.push({ scope, metric: `time in ${key.split(':')[1]} (median)`, unit: 'h', trend });
  return out;
}

/** Groups worth a table: a breakdown with a single repo (or flow) repeats the overall figures, so it is left out. */
function allRows(r: KpiReport): Row[] {
  const order = r.stageOrder ?? [];
  const breakdown = (label: string, groups: Record<string, KpiGroup>) =>
    Object.keys(groups).length > 1 ? Object.entries(groups).flatMap(([k, g]) => rows(`${label} ${k}`, g, order)) : [];
  return [...rows('all', r.overall, order), ...breakdown('repo', r.byRepo), ...breakdown('flow', r.byFlow)];
}

/** Hours as a person reads them: minutes under an hour, hours up to three days, days beyond. */
export function duration(hours: number): string {
  const a = Math.abs(hours);
  const sign = hours < 0 ? '-' : '';
  if (a < 1) return `${sign}${Math.round(a * 60)}m`;
  if (a < 72) return `${sign}${a.toFixed(1)}h`;
  return `${sign}${(a / 24).toFixed(1)}d`;
}

export function num(v: number | null, unit: Row['unit'] = ''): string {
  if (v === null || !Number.isFinite(v)) return '–';
  if (unit === 'usd') return `$${v < 1 ? v.toFixed(4) : v.toFixed(2)}`;
  if (unit === 'h') return duration(v);
  if (unit === '%') return `${(v * 100).toFixed(0)}%`;
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

export function signed(v: number | null, unit: Row['unit'] = ''): string {
  if (v === null) return '–';
  // A change of a share is in percentage points: 85% → 87% is "+2 pts", not "+2%" (which reads as relative).
  if (unit === '%') return `${v > 0 ? '+' : v < 0 ? '-' : ''}${Math.abs(v * 100).toFixed(0)} pts`;
  return (v > 0 ? '+' : '') + num(v, unit);
}

export function pct(v: number | null): string {
  return v === null ? '–' : `${v > 0 ? '+' : ''}${v.toFixed(0)}%`;
}

function cells(r: Row): string[] {
  return [
    r.scope,
    r.metric,
    num(r.trend.current, r.unit),
    num(r.trend.previous, r.unit),
    signed(r.trend.delta, r.unit),
    pct(r.trend.pct),
  ];
}

const HEAD = ['scope', 'metric', 'this period', 'previous', 'Δ', '%'];

function renderTable(r: KpiReport): string {
  const body = allRows(r).map(cells);
  const widths = HEAD.map((h, i) => Math.max(h.length, ...body.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]) =>
    c
      .map((x, i) => (i >= 2 ? x.padStart(widths[i] ?? 0) : x.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return (
    [
      `Baton KPIs ${r.period.since.slice(0, 10)} → ${r.period.until.slice(0, 10)} (vs ${r.previous.since.slice(0, 10)} → ${r.previous.until.slice(0, 10)})`,
      '',
      line(HEAD),
      line(widths.map((w) => '-'.repeat(w))),
      ...body.map(line),
      ...escapesText(r),
    ].join('\n') + '\n'
  );
}

function escapesText(r: KpiReport): string[] {
  if (!r.escapes.length) return [];
  return [
    '',
    'Defect escapes:',
    ...r.escapes.map(
      (e) =>
        `  ${e.repo}#${e.issue} → PR #${e.pr} (merged on #${e.mergedOnIssue}, ${e.daysAfterMerge.toFixed(1)} days before)`,
    ),
  ];
}

/** Markdown cell text: no pipes or newlines can break the table, no HTML can render. */
export function mdCell(s: string): string {
  return s.replace(/[\\|`*_[\]<>]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ');
}

function renderMd(r: KpiReport): string {
  const out = [
    `## Baton KPIs ${r.period.since.slice(0, 10)} → ${r.period.until.slice(0, 10)}`,
    '',
    `Compared with ${r.previous.since.slice(0, 10)} → ${r.previous.until.slice(0, 10)}.`,
    '',
  ];
  out.push(`| ${HEAD.join(' | ')} |`, `|${HEAD.map((_, i) => (i >= 2 ? '---:' : '---')).join('|')}|`);
  for (const row of allRows(r)) out.push(`| ${cells(row).map(mdCell).join(' | ')} |`);
  if (r.escapes.length) {
    out.push('', '### Defect escapes', '');
    for (const e of r.escapes)
      out.push(
        `- ${mdCell(e.repo)}#${e.issue} refers to PR #${e.pr}, merged ${e.daysAfterMerge.toFixed(1)} days earlier on #${e.mergedOnIssue}`,
      );
  }
  return out.join('\n') + '\n';
}

/** RFC 4180 field; also defuses spreadsheet formulas (a repo or stage named "=cmd()" stays text). */
export function csvField(s: string): string {
  const safe = /^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function renderCsv(r: KpiReport): string {
  const lines = ['scope,metric,unit,current,previous,delta,pct'];
  const raw = (v: number | null) => (v === null ? '' : String(Number(v.toFixed(6))));
  for (const row of allRows(r)) {
    lines.push(
      [
        row.scope,
        row.metric,
        row.unit,
        raw(row.trend.current),
        raw(row.trend.previous),
        raw(row.trend.delta),
        raw(row.trend.pct),
      ]
        .map(csvField)
        .join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}

export function render(r: KpiReport, format: Format): string {
  switch (format) {
    case 'json':
      return JSON.stringify(r, null, 2) + '\n';
    case 'md':
      return renderMd(r);
    case 'csv':
      return renderCsv(r);
    case 'table':
      return renderTable(r);
  }
}
