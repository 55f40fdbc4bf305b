// Scenarios: a list of things people do on GitHub, played through the sandbox against a flow. The demo is one;
// `baton simulate` plays a lead's own, so a flow change can be tried before it is merged.
import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import { expandContent } from './demo-content.js';

const Files = z.record(z.string(), z.string().nullable());
const Common = {
  say: z.string().optional(),
  by: z.string().optional(),
  at: z.string().optional(),
  issue: z.number().int().positive().optional(),
};

export const StepSchema = z.union([
  z.object({ ...Common, label: z.string() }).strict(),
  z.object({ ...Common, unlabel: z.string() }).strict(),
  z.object({ ...Common, comment: z.string() }).strict(),
  z.object({ ...Common, close: z.literal(true) }).strict(),
  z.object({ ...Common, reopen: z.literal(true) }).strict(),
  z
    .object({
      ...Common,
      open_pr: z
        .object({
          title: z.string(),
          body: z.string().optional(),
          head: z.string().optional(),
          files: Files.optional(),
          draft: z.boolean().optional(),
        })
        .strict(),
    })
    .strict(),
  z.object({ ...Common, ready: z.literal(true), pr: z.number().int().optional() }).strict(),
  z
    .object({
      ...Common,
      push: z.object({ files: Files, message: z.string().optional() }).strict(),
      pr: z.number().int().optional(),
    })
    .strict(),
  z
    .object({
      ...Common,
      review: z.enum(['approved', 'changes_requested', 'commented']),
      body: z.string().optional(),
      pr: z.number().int().optional(),
    })
    .strict(),
  z
    .object({
      ...Common,
      checks: z.enum(['success', 'failure', 'neutral', 'cancelled', 'timed_out']),
      name: z.string().optional(),
      pr: z.number().int().optional(),
    })
    .strict(),
  z.object({ ...Common, merge: z.literal(true), pr: z.number().int().optional() }).strict(),
  z.object({ ...Common, close_pr: z.literal(true), pr: z.number().int().optional() }).strict(),
]);

export const ScenarioSchema = z
  .object({
    issue: z.object({ title: z.string(), body: z.string().optional(), by: z.string().optional() }).strict().optional(),
    steps: z.array(StepSchema).min(1),
    /** The stage the run must end in (the command exits non-zero otherwise). */
    expect: z.string().optional(),
  })
  .strict();

export type Step = z.infer<typeof StepSchema>;
export type Scenario = z.infer<typeof ScenarioSchema>;

export function parseScenario(text: string, path: string): Scenario {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new Error(`${path}: not valid YAML: ${(err as Error).message}`);
  }
  const r = ScenarioSchema.safeParse(raw);
  if (!r.success) {
    const first = r.error.issues[0]!;
    throw new Error(
      `${path}: ${first.path.join('.') || '(top)'}: ${first.message}. Each step is one of: label, unlabel, comment, close, reopen, open_pr, ready, push, review, checks, merge, close_pr.`,
    );
  }
  return r.data;
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
  const by = s.by ? `${s.by} ` : '';
  if ('label' in s) return `${by}labels "${s.label}"`;
  if ('unlabel' in s) return `${by}removes "${s.unlabel}"`;
  if ('comment' in s) return `${by}comments "${s.comment.slice(0, 40)}"`;
  if ('open_pr' in s) return `${by}opens PR "${s.open_pr.title}"`;
  if ('review' in s) return `${by}reviews: ${s.review}`;
  if ('checks' in s) return `checks: ${s.checks}`;
  if ('merge' in s) return `${by}merges`;
  if ('push' in s) return `${by}pushes`;
  return Object.keys(s).filter((k) => !['say', 'by', 'at', 'issue', 'pr'].includes(k))[0] ?? 'step';
}
