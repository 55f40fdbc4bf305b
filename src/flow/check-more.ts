// Semantic checks of the assembled flow that go beyond references: can every run still finish, can every
// transition fire, does every template placeholder exist, is the digest's cron a real schedule, and does a stage
// that assesses risk have a senior to route high-risk PRs to. Each problem says the fix.
import { CronExpressionParser } from 'cron-parser';
import { problemIn, locate, type ResolvedFile } from './extends.js';
import { formatPath } from './parse.js';
import { didYouMean } from './suggest.js';
import type { TransitionConfig } from './schema.js';
import type { FlowProblem } from './types.js';
import { errorMessage } from '../ops/errors.js';

/** The placeholders a comment action can use (engine/decide.ts `vars`). */
export const PLACEHOLDERS = ['owner', 'stage', 'issue', 'author', 'pr'] as const;

const DEFAULT_CONCLUSION = ['success'];

/** Does transition `a` match every event `b` matches (so `b`, listed after it, can never fire)? */
function covers(a: TransitionConfig, b: TransitionConfig): boolean {
  if (a.event !== b.event) return false;
  const guards = ['label', 'approvals', 'approved_by', 'check', 'command'] as const;
  for (const g of guards) {
    if (a[g] === undefined) continue;
    if (g === 'approvals') {
      if ((b.approvals ?? 1) < a.approvals!) return false;
    } else if (a[g] !== b[g]) return false;
  }
  if (a.event === 'checks.completed') {
    const ca = [a.conclusion ?? DEFAULT_CONCLUSION].flat();
    const cb = [b.conclusion ?? DEFAULT_CONCLUSION].flat();
    if (!cb.every((c) => ca.includes(c))) return false;
  }
  return true;
}

function guardsText(t: TransitionConfig): string {
  const g = Object.entries(t)
    .filter(([k]) => k !== 'event' && k !== 'to')
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
  return g.length ? ` with ${g.join(', ')}` : ' with no guard';
}

/** A problem at `needle` inside the scalar at `path` when it is on the scalar's first line; else at the scalar. */
function atText(r: ResolvedFile, path: (string | number)[], needle: string, message: string): FlowProblem {
  const p = problemIn(r, path, message);
  const src = locate(r, path).src;
  const line = src.text.split(/\r?\n/)[p.line - 1] ?? '';
  const idx = line.indexOf(needle, p.col - 1);
  return idx >= 0 ? { ...p, col: idx + 1 } : p;
}

export function checkMore(r: ResolvedFile): FlowProblem[] {
  const out: FlowProblem[] = [];
  const f = r.file;
  const stages = f.stages ?? [];
  const at = (path: (string | number)[]) => formatPath(locate(r, path).path);
  const ids = new Set(stages.map((s) => s.id));

  // Shadowed transitions: first match wins, so a later one an earlier one always beats is dead.
  stages.forEach((s, i) => {
    (s.on ?? []).forEach((t, j) => {
      const k = (s.on ?? []).slice(0, j).findIndex((e) => covers(e, t));
      if (k < 0) return;
      const first = s.on![k]!;
      out.push(
        problemIn(
          r,
          ['stages', i, 'on', j],
          `${at(['stages', i, 'on', j])}: never fires — ${at(['stages', i, 'on', k])} (event ${first.event}${guardsText(first)}) matches first; move this one above it or give the earlier one a guard`,
        ),
      );
    });
  });

  // Unknown {{placeholders}} in comment templates.
  stages.forEach((s, i) => {
    (s.enter ?? []).forEach((a, k) => {
      if (typeof a !== 'object' || !('comment' in a)) return;
      for (const m of a.comment.matchAll(/\{\{\s*([^}\s]*)\s*\}\}/g)) {
        const name = m[1]!;
        if ((PLACEHOLDERS as readonly string[]).includes(name)) continue;
        out.push(
          atText(
            r,
            ['stages', i, 'enter', k, 'comment'],
            m[0],
            `${at(['stages', i, 'enter', k, 'comment'])}: unknown placeholder {{${name}}}${didYouMean(name, [...PLACEHOLDERS])} — placeholders are ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`,
          ),
        );
      }
    });
  });

  // The senior who reviews high-risk PRs must exist.
  const roles = Object.keys(f.roles ?? {});
  const senior = f.risk?.senior_role;
  if (senior !== undefined && !roles.includes(senior)) {
    out.push(
      problemIn(
        r,
        ['risk', 'senior_role'],
        `risk.senior_role: unknown role "${senior}"${didYouMean(senior, roles)} — define it under roles: (high-risk PRs are routed to it)${roles.length ? ` (roles: ${roles.join(', ')})` : ''}`,
      ),
    );
  } else if (senior === undefined && !roles.includes('senior')) {
    stages.forEach((s, i) => {
      const k = (s.enter ?? []).indexOf('risk');
      if (k < 0) return;
      out.push(
        problemIn(
          r,
          ['stages', i, 'enter', k],
          `${at(['stages', i, 'enter', k])}: "risk" routes high-risk PRs to a senior, but there is no \`senior\` role, so nobody is asked to review them — add roles.senior (e.g. \`senior: [carol, acme/seniors]\`) or set risk.senior_role to an existing role`,
          'warning',
        ),
      );
    });
  }

  // Risk levels: a `medium` threshold at or above `high` leaves no medium band (every flagged change is high). A fitted
  // model brings its own `high`, so only an explicit one (or the built-in 0.7 without a model) is compared.
  const th = f.risk?.thresholds;
  const high = th?.high ?? (f.risk?.model ? undefined : 0.7);
  if (th?.medium !== undefined && high !== undefined && th.medium >= high)
    out.push(
      problemIn(
        r,
        ['risk', 'thresholds', 'medium'],
        `risk.thresholds.medium: ${th.medium} is not below high (${high}${th.high === undefined ? ', the built-in default' : ''}), so no change would ever be medium risk — make medium lower than high, e.g. medium: 0.4 and high: 0.7`,
      ),
    );

  // Every run must be able to finish: from each stage reachable from the first, some path must lead to a final one.
  const finals = new Set(
    stages.filter((s, i) => s.final || (i === stages.length - 1 && !s.on?.length)).map((s) => s.id),
  );
  if (stages.length && finals.size && [...ids].every((id) => stages.some((s) => s.id === id))) {
    const canFinish = new Set(finals);
    for (let changed = true; changed; ) {
      changed = false;
      for (const s of stages) {
        if (!canFinish.has(s.id) && (s.on ?? []).some((t) => canFinish.has(t.to))) {
          canFinish.add(s.id);
          changed = true;
        }
      }
    }
    const reached = new Set<string>([stages[0]!.id]);
    const queue = [stages[0]!];
    while (queue.length) {
      for (const t of queue.shift()!.on ?? []) {
        const next = stages.find((x) => x.id === t.to);
        if (next && !reached.has(next.id)) {
          reached.add(next.id);
          queue.push(next);
        }
      }
    }
    // A mistyped `to:` or a stage with no way out is reported on its own; the cycle check would only echo it.
    const allTargetsKnown =
      stages.every((s) => (s.on ?? []).every((t) => ids.has(t.to))) &&
      stages.every((s, i) => s.final || s.on?.length || i === stages.length - 1);
    // One error per trap (a set of stages that only lead to each other), at its first stage in flow order.
    const next = (id: string) => (stages.find((s) => s.id === id)?.on ?? []).map((t) => t.to);
    const reachableFrom = (id: string) => {
      const seen = new Set<string>();
      const q = [...next(id)];
      while (q.length) {
        const x = q.shift()!;
        if (!seen.has(x)) {
          seen.add(x);
          q.push(...next(x));
        }
      }
      return seen;
    };
    const reported = new Set<string>();
    stages.forEach((s, i) => {
      if (!allTargetsKnown || !reached.has(s.id) || canFinish.has(s.id) || reported.has(s.id)) return;
      const loop = reachableFrom(s.id);
      if (!loop.has(s.id)) return; // leads into a trap reported at the trap itself
      const members = stages.map((x) => x.id).filter((x) => loop.has(x) && reachableFrom(x).has(s.id));
      for (const m of members) reported.add(m);
      out.push(
        problemIn(
          r,
          ['stages', i, 'id'],
          `${at(['stages', i])}: a run that reaches "${s.id}" can never finish — ${members.map((x) => `"${x}"`).join(' ↔ ')} only lead to each other, never to ${[...finals].map((x) => `"${x}"`).join(' or ')}; add an on: that leads there`,
        ),
      );
    });
  }

  // digest.cron: a real 5-field schedule, parsed the way the scheduler will.
  const cron = f.digest?.cron;
  if (cron !== undefined) {
    const fields = cron.trim().split(/\s+/);
    let why: string | undefined;
    if (fields.length !== 5)
      why = `it has ${fields.length} field${fields.length === 1 ? '' : 's'}, a cron has 5 (minute hour day-of-month month day-of-week)`;
    else {
      try {
        CronExpressionParser.parse(cron, { tz: 'UTC', strict: false });
      } catch (e) {
        why = errorMessage(e).replace(/\.$/, '');
      }
    }
    if (why)
      out.push(
        problemIn(
          r,
          ['digest', 'cron'],
          `digest.cron: "${cron}" is not a valid cron: ${why} — write 5 fields, e.g. "0 9 * * 1" (Mondays 09:00 UTC)`,
        ),
      );
  }
  return out;
}
