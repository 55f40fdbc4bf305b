// Semantic checks of the ASSEMBLED flow (after extends): references between stages and roles, and whether every
// run can start, move and finish. Each problem is located in whichever file defines the offending node.
import { locate, problemIn, type ResolvedFile } from './extends.js';
import { formatPath, positionOf } from './parse.js';
import { didYouMean } from './suggest.js';
import type { FlowProblem } from './types.js';
import { loadPrices, priceOf, UnknownPriceError } from '../llm/prices.js';
import { checkMore } from './check-more.js';

export const BUILTIN_OWNERS = ['issue.author', 'pr.author'] as const;
const LOGIN = /^@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\[bot\])?$/;

function roleProblem(
  r: ResolvedFile,
  path: (string | number)[],
  at: string,
  who: string,
  allowPeople: boolean,
): FlowProblem | undefined {
  const roles = Object.keys(r.file.roles ?? {});
  const loc = locate(r, path);
  if (roles.includes(who)) return undefined;
  if (allowPeople && (BUILTIN_OWNERS as readonly string[]).includes(who)) return undefined;
  if (allowPeople && who.startsWith('@')) {
    return LOGIN.test(who)
      ? undefined
      : problemIn(r, path, `${at}: "${who}" is not a GitHub login — write @login, e.g. @octocat`);
  }
  if (loc.src !== r.root && !/^@|\./.test(who)) {
    // The reference sits in a base flow the user does not edit (a preset, another repo): the fix is to define
    // the role in THIS file, so point there.
    const anchor = r.root.doc.has('roles') ? ['roles'] : ['extends'];
    const { line, col } = positionOf(r.root, anchor, { key: true });
    return {
      path: r.root.path,
      line,
      col,
      severity: 'error',
      message: `${loc.src.path} uses role "${who}" (${at}) — define it under roles: in this file${didYouMean(who, roles)}`,
    };
  }
  const alternatives = allowPeople
    ? 'define it under roles: or use issue.author / pr.author / @login'
    : 'define it under roles:';
  const known = roles.length ? ` (roles: ${roles.join(', ')})` : '';
  return problemIn(r, path, `${at}: unknown role "${who}"${didYouMean(who, roles)} — ${alternatives}${known}`);
}

// A bundled preset is not a file the user can open or edit: report what goes wrong in it (usually because the
// child removed or overrode a stage it relies on) on the child's `extends:` line, saying where in the preset.
function relocatePresetProblems(r: ResolvedFile, problems: FlowProblem[]): FlowProblem[] {
  return problems.map((p) => {
    if (!p.path.startsWith('preset:') || p.path === r.root.path) return p;
    const { line, col } = positionOf(r.root, ['extends']);
    return {
      ...p,
      path: r.root.path,
      line,
      col,
      message: `${p.path} line ${p.line}: ${p.message} — override (same id) or remove that stage in this file to fix it`,
    };
  });
}

export function checkResolved(r: ResolvedFile): FlowProblem[] {
  return relocatePresetProblems(r, [...checkAssembled(r), ...checkMore(r)]);
}

/**
 * Every model a tier lists must have a price (shipped table or `llm.prices`): an unpriced model would bypass caps and
 * budgets, so the router refuses it — better to say so here, at the line, than when a PR is being assessed.
 */
function checkModelPrices(r: ResolvedFile): FlowProblem[] {
  const llm = r.file.llm;
  if (!llm?.tiers) return [];
  const prices = loadPrices(llm, undefined);
  const out: FlowProblem[] = [];
  for (const [tier, models] of Object.entries(llm.tiers)) {
    (models ?? []).forEach((id, k) => {
      const path = ['llm', 'tiers', tier, k];
      if (!/^[a-z]+\/\S+$/.test(id)) {
        out.push(
          problemIn(
            r,
            path,
            `llm.tiers.${tier}[${k}]: "${id}" must be written provider/model, e.g. openai/gpt-4.1-mini or gemini/gemini-2.5-flash`,
          ),
        );
        return;
      }
      try {
        priceOf(prices, id);
      } catch (err) {
        if (!(err instanceof UnknownPriceError)) throw err;
        out.push(
          problemIn(
            r,
            path,
            `llm.tiers.${tier}[${k}]: no price is known for "${id}" — add it under llm.prices ("${id}": { input: <USD per 1M>, output: <USD per 1M> }) so caps and budgets can apply`,
          ),
        );
      }
    });
  }
  return out;
}

function checkAssembled(r: ResolvedFile): FlowProblem[] {
  const out: FlowProblem[] = checkModelPrices(r);
  const f = r.file;
  const stages = f.stages ?? [];
  if (!f.trigger) {
    out.push(
      problemIn(
        r,
        [],
        'missing trigger: add `trigger: <label>` (the issue label that starts a run, e.g. `trigger: flow:feature`)',
      ),
    );
  }
  if (!stages.length) {
    out.push(problemIn(r, ['stages'], 'no stages: add a `stages:` list, or `extends: preset:feature`'));
    return out;
  }
  const ids = stages.map((s) => s.id);
  const idSet = new Set(ids);
  // Messages name the path inside the file the problem is located in (a child's stages[0] may be stages[3] of
  // the assembled flow).
  const at = (path: (string | number)[]) => formatPath(locate(r, path).path);
  let unknownTargets = 0;
  stages.forEach((s, i) => {
    if (s.owner !== undefined) {
      const p = roleProblem(r, ['stages', i, 'owner'], at(['stages', i, 'owner']), s.owner, true);
      if (p) out.push(p);
    }
    (s.enter ?? []).forEach((a, k) => {
      if (typeof a === 'object' && 'request_review' in a) {
        const p = roleProblem(
          r,
          ['stages', i, 'enter', k, 'request_review'],
          at(['stages', i, 'enter', k, 'request_review']),
          a.request_review,
          false,
        );
        if (p) out.push(p);
      }
    });
    (s.on ?? []).forEach((t, j) => {
      if (!idSet.has(t.to)) {
        unknownTargets++;
        out.push(
          problemIn(
            r,
            ['stages', i, 'on', j, 'to'],
            `${at(['stages', i, 'on', j, 'to'])}: unknown stage "${t.to}"${didYouMean(t.to, ids)} — stages are: ${ids.join(', ')}`,
          ),
        );
      }
      if (t.approved_by !== undefined) {
        const p = roleProblem(
          r,
          ['stages', i, 'on', j, 'approved_by'],
          at(['stages', i, 'on', j, 'approved_by']),
          t.approved_by,
          false,
        );
        if (p) out.push(p);
      }
    });
    const isLast = i === stages.length - 1;
    if (s.final && s.on?.length) {
      out.push(
        problemIn(
          r,
          ['stages', i, 'on'],
          `${at(['stages', i, 'on'])}: a final stage ends the run, so its on: transitions never fire — remove them or drop final: true`,
          'warning',
        ),
      );
    }
    if (!s.final && !s.on?.length && !isLast) {
      out.push(
        problemIn(
          r,
          ['stages', i],
          `${at(['stages', i])}: stage "${s.id}" has no way out — add on: transitions, or mark it final: true`,
        ),
      );
    }
    const final = s.final ?? (isLast && !s.on?.length);
    if (final && s.sla !== undefined) {
      out.push(
        problemIn(
          r,
          ['stages', i, 'sla'],
          `${at(['stages', i, 'sla'])}: a final stage never waits on anyone, so its sla is never used — remove it`,
          'warning',
        ),
      );
    }
  });
  // Reachability from the first stage: a stage no transition leads to can never be entered.
  const reached = new Set<string>([stages[0]!.id]);
  const queue = [stages[0]!];
  while (queue.length) {
    const s = queue.shift()!;
    for (const t of s.on ?? []) {
      const next = stages.find((x) => x.id === t.to);
      if (next && !reached.has(next.id)) {
        reached.add(next.id);
        queue.push(next);
      }
    }
  }
  // With a mistyped `to:` reachability cannot be judged; the typo is the problem to fix first.
  stages.forEach((s, i) => {
    if (!reached.has(s.id) && !unknownTargets) {
      out.push(
        problemIn(
          r,
          ['stages', i, 'id'],
          `${at(['stages', i])}: stage "${s.id}" is unreachable — no transition from "${stages[0]!.id}" leads to it; add an on: with \`to: ${s.id}\`, or remove the stage`,
        ),
      );
    }
  });
  (f.api?.visible_stages ?? []).forEach((id, k) => {
    if (!idSet.has(id))
      out.push(
        problemIn(
          r,
          ['api', 'visible_stages', k],
          `api.visible_stages[${k}]: unknown stage "${id}"${didYouMean(id, ids)} — stages are: ${ids.join(', ')}`,
        ),
      );
  });
  const anyFinal = stages.some((s, i) => s.final || (i === stages.length - 1 && !s.on?.length));
  if (!anyFinal) {
    out.push(
      problemIn(
        r,
        ['stages'],
        'no final stage: runs never finish — mark the last stage `final: true` (or leave it without on:)',
      ),
    );
  }
  return out;
}
