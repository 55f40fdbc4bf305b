// Scenarios: a list of things people do on GitHub, played through the sandbox against a flow. The demo is one;
// `baton simulate` plays a lead's own, so a flow change can be tried before it is merged.
//
// Time: a scenario runs on its own clock. `start:` sets it (default: now), each step's `at:` moves it forward —
// absolute (`2026-03-02T09:00:00Z`) or relative to the step before (`+2d`, `+1d4h`, `+30m`) — and a step without
// `at:` happens a minute after the one before. The sandbox stamps everything with that clock and Baton's SLA sweep
// runs on it, so `+3d` past a stage's `sla: 1d` produces the nudge it would in production.
import { z } from 'zod';
import { expandContent } from './demo-content.js';
import { formatPath, parseYaml, positionOf, type ParsedYaml } from '../flow/parse.js';
import type { FlowProblem } from '../flow/types.js';

const RELATIVE = /^\+(?:\d+[wdhm])+$/;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

const When = z
  .string()
  .refine((s) => RELATIVE.test(s) || (/^\d{4}-\d{2}-\d{2}/.test(s) && !Number.isNaN(Date.parse(s))), {
    message: 'write a time like "+2d", "+1d4h", "+30m" (after the step before) or "2026-03-02T09:00:00Z"',
  })
  .describe('When the step happens: `+2d` / `+4h` / `+30m` after the step before, or an ISO date-time.');

const Files = z
  .record(z.string(), z.string().nullable())
  .describe('Path → content (`@generated:<name>` for a built-in sample, null to delete).');
const PrRef = z.number().int().positive().optional().describe('The PR (default: the one the scenario opened last).');
const Common = {
  say: z.string().optional().describe('What the timeline prints for the step (default: a description of it).'),
  by: z.string().optional().describe('Who does it: a login of the sandbox (see the README for its people).'),
  at: When.optional(),
  issue: z.number().int().positive().optional().describe('Another issue than the scenario’s own.'),
};

/** One schema per kind of step, keyed by the field that names the kind. */
export const STEP_KINDS = {
  label: z.object({ ...Common, label: z.string().describe('Add this label to the issue.') }).strict(),
  unlabel: z.object({ ...Common, unlabel: z.string().describe('Remove this label from the issue.') }).strict(),
  comment: z
    .object({ ...Common, comment: z.string().describe('Comment on the issue (`/baton <command>` too).') })
    .strict(),
  close: z.object({ ...Common, close: z.literal(true) }).strict(),
  reopen: z.object({ ...Common, reopen: z.literal(true) }).strict(),
  open_pr: z
    .object({
      ...Common,
      open_pr: z
        .object({
          title: z.string(),
          body: z.string().optional().describe('e.g. "Fixes #{{issue}}" to link it.'),
          head: z.string().optional().describe('Branch name (default `<issue>-change`).'),
          files: Files.optional(),
          draft: z.boolean().optional(),
        })
        .strict(),
    })
    .strict(),
  ready: z.object({ ...Common, ready: z.literal(true), pr: PrRef }).strict(),
  push: z
    .object({ ...Common, push: z.object({ files: Files, message: z.string().optional() }).strict(), pr: PrRef })
    .strict(),
  review: z
    .object({
      ...Common,
      review: z.enum(['approved', 'changes_requested', 'commented']),
      body: z.string().optional(),
      pr: PrRef,
    })
    .strict(),
  checks: z
    .object({
      ...Common,
      checks: z.enum(['success', 'failure', 'neutral', 'cancelled', 'timed_out']),
      name: z.string().optional().describe('The check run’s name (default `ci`); guards with `check:` match it.'),
      pr: PrRef,
    })
    .strict(),
  merge: z.object({ ...Common, merge: z.literal(true), pr: PrRef }).strict(),
  close_pr: z.object({ ...Common, close_pr: z.literal(true), pr: PrRef }).strict(),
  wait: z
    .object({
      say: Common.say,
      wait: z
        .string()
        .regex(/^(?:\d+[wdhm])+$/, 'write how long, e.g. "3d", "1d12h" or "45m"')
        .describe('Let time pass (SLA sweeps run on the scenario clock).'),
    })
    .strict(),
} as const;

export type StepKind = keyof typeof STEP_KINDS;
const KIND_NAMES = Object.keys(STEP_KINDS) as StepKind[];

export const StepSchema = z.union(
  Object.values(STEP_KINDS) as unknown as [z.ZodTypeAny, z.ZodTypeAny, ...z.ZodTypeAny[]],
);

export const ScenarioSchema = z
  .object({
    issue: z
      .object({ title: z.string(), body: z.string().optional(), by: z.string().optional() })
      .strict()
      .optional()
      .describe('The issue the scenario is about (created before the first step).'),
    start: z
      .string()
      .refine((s) => /^\d{4}-\d{2}-\d{2}/.test(s) && !Number.isNaN(Date.parse(s)), {
        message: 'write an ISO date-time like "2026-03-02T09:00:00Z"',
      })
      .optional()
      .describe('When the scenario begins (default: now).'),
    steps: z.array(StepSchema).min(1),
    /** The stage the run must end in (the command exits non-zero otherwise). */
    expect: z.string().optional().describe('The stage the run must end in (default: anywhere).'),
  })
  .strict();

type KindStep<K extends StepKind> = z.infer<(typeof STEP_KINDS)[K]>;
export type Step = { [K in StepKind]: KindStep<K> }[StepKind];
export type Scenario = Omit<z.infer<typeof ScenarioSchema>, 'steps'> & { steps: Step[] };

/** A scenario that cannot be played: every problem, located like flow.yml's. */
export class ScenarioError extends Error {
  constructor(readonly problems: FlowProblem[]) {
    super(problems.map((p) => `${p.path}:${p.line}:${p.col}: ${p.severity}: ${p.message}`).join('\n'));
  }
}

function locate(parsed: ParsedYaml, path: (string | number)[], message: string, key = false): FlowProblem {
  const { line, col } = positionOf(parsed, path, { key });
  return { path: parsed.path, line, col, severity: 'error', message: `${formatPath(path) || '(top)'}: ${message}` };
}

function zodProblems(parsed: ParsedYaml, base: (string | number)[], issues: z.core.$ZodIssue[]): FlowProblem[] {
  return issues.map((iss) => {
    const path = [...base, ...(iss.path as (string | number)[])];
    if (iss.code === 'unrecognized_keys')
      return locate(parsed, [...path, iss.keys[0]!], `unknown key "${iss.keys.join('", "')}"`, true);
    return locate(parsed, path, iss.message);
  });
}

/** Parses and checks a scenario file; throws a ScenarioError naming every problem with its line and column. */
export function parseScenario(text: string, path: string): Scenario {
  const parsed = parseYaml(text, path);
  if (parsed.problems.some((p) => p.severity === 'error'))
    throw new ScenarioError(parsed.problems.filter((p) => p.severity === 'error'));
  const raw = parsed.data as Record<string, unknown> | undefined;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new ScenarioError([
      locate(parsed, [], 'a scenario is a map with `steps:` (and optionally issue, start, expect)'),
    ]);
  const problems: FlowProblem[] = [];
  const { steps, ...top } = raw;
  const head = ScenarioSchema.omit({ steps: true }).safeParse(top);
  if (!head.success) problems.push(...zodProblems(parsed, [], head.error.issues));
  if (!Array.isArray(steps) || steps.length === 0)
    problems.push(locate(parsed, steps === undefined ? [] : ['steps'], '`steps:` must be a list of at least one step'));
  const out: Step[] = [];
  for (const [i, s] of (Array.isArray(steps) ? steps : []).entries()) {
    if (!s || typeof s !== 'object' || Array.isArray(s)) {
      problems.push(locate(parsed, ['steps', i], `a step is a map such as { label: "flow:feature", by: alice }`));
      continue;
    }
    const kinds = KIND_NAMES.filter((k) => k in s);
    if (kinds.length !== 1) {
      problems.push(
        locate(
          parsed,
          ['steps', i],
          kinds.length
            ? `one step does one thing, this one has ${kinds.join(' and ')}: split it into ${kinds.length} steps`
            : `a step needs one of: ${KIND_NAMES.join(', ')}`,
        ),
      );
      continue;
    }
    const r = STEP_KINDS[kinds[0]!].safeParse(s);
    if (r.success) out.push(r.data as Step);
    else problems.push(...zodProblems(parsed, ['steps', i], r.error.issues));
  }
  if (problems.length) throw new ScenarioError(problems);
  return { ...(head.data as Omit<Scenario, 'steps'>), steps: out };
}

/** The scenario clock: when each step happens, from `start` (or `now`) and the steps' `at:` / `wait:`. */
export function stepTimes(scenario: Scenario, now: number): { start: number; at: number[] } {
  const start = scenario.start ? Date.parse(scenario.start) : Math.floor(now / 1000) * 1000;
  let t = start;
  const at: number[] = [];
  for (const s of scenario.steps) {
    if ('wait' in s) t += durationOf(s.wait);
    else if (s.at?.startsWith('+')) t += durationOf(s.at.slice(1));
    else if (s.at) t = Math.max(t, Date.parse(s.at));
    else t += 60_000;
    at.push(t);
  }
  return { start, at };
}

function durationOf(s: string): number {
  let ms = 0;
  for (const m of s.matchAll(/(\d+)([wdhm])/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return ms;
}

/** Replace `{{issue}}` / `{{pr}}` and expand `@generated:` file contents. */
export function fill(text: string, vars: { issue: number; pr?: number }): string {
  return text.replace(/\{\{\s*issue\s*\}\}/g, String(vars.issue)).replace(/\{\{\s*pr\s*\}\}/g, String(vars.pr ?? ''));
}

export function fillFiles(
  files: Record<string, string | null> | undefined,
  vars: { issue: number; pr?: number },
): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(files ?? {}))
    out[fill(k, vars)] = v === null ? null : expandContent(fill(v, vars));
  return out;
}

export function describeStep(s: Step): string {
  if (s.say) return s.say;
  const by = 'by' in s && s.by ? `${s.by} ` : '';
  if ('label' in s) return `${by}labels "${s.label}"`;
  if ('unlabel' in s) return `${by}removes "${s.unlabel}"`;
  if ('comment' in s) return `${by}comments "${s.comment.slice(0, 40)}"`;
  if ('open_pr' in s) return `${by}opens PR "${s.open_pr.title}"`;
  if ('review' in s) return `${by}reviews: ${s.review}`;
  if ('checks' in s) return `checks${s.name ? ` ${s.name}` : ''}: ${s.checks}`;
  if ('merge' in s) return `${by}merges`;
  if ('push' in s) return `${by}pushes`;
  if ('wait' in s) return `${s.wait} pass`;
  return Object.keys(s).filter((k) => !['say', 'by', 'at', 'issue', 'pr'].includes(k))[0] ?? 'step';
}

export const SCENARIO_SCHEMA_FILE = 'schema/scenario.schema.json';

/** JSON Schema of scenario files, from the zod schema above (written by `npm run schema`). */
export function scenarioJsonSchemaText(): string {
  const body = z.toJSONSchema(ScenarioSchema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' });
  const { $schema, ...rest } = body as Record<string, unknown>;
  return `${JSON.stringify(
    {
      $schema,
      $id: 'https://baton.dev/schema/scenario.schema.json',
      title: 'Baton scenario (baton simulate)',
      description:
        'An issue and the steps people take on it, each optionally at a time. Generated from src/sandbox/scenario.ts.',
      ...rest,
    },
    null,
    2,
  )}\n`;
}
