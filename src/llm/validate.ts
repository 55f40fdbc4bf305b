// Checks a model's answer: non-empty, and when the request has a schema, JSON that the schema accepts; then, when it
// has one, the task's own check.
import type { z } from 'zod';
import { errorMessage } from '../ops/errors.js';
import type { LlmRequest } from './types.js';

export type Validation<T> =
  | { ok: true; data?: T }
  | { ok: false; why: 'empty' | 'malformed-json' | 'schema' | 'check'; detail: string };

/** Models sometimes wrap JSON in a Markdown fence even in JSON mode; accept that, nothing looser. */
function stripFence(text: string): string {
  const m = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/i.exec(text);
  return m ? m[1]! : text;
}

export function validateAnswer<T>(text: string, schema?: z.ZodType<T>): Validation<T> {
  if (!text?.trim()) return { ok: false, why: 'empty', detail: 'empty answer' };
  if (!schema) return { ok: true };
  let json: unknown;
  try {
    json = JSON.parse(stripFence(text));
  } catch (e) {
    return { ok: false, why: 'malformed-json', detail: errorMessage(e) };
  }
  const r = schema.safeParse(json);
  if (!r.success)
    return {
      ok: false,
      why: 'schema',
      detail: r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
    };
  return { ok: true, data: r.data };
}

/** Schema, then the task's own check: a wrong answer is as unusable as a malformed one. */
export function verifyAnswer<T>(req: Pick<LlmRequest<T>, 'schema' | 'check'>, text: string): Validation<T> {
  const v = validateAnswer(text, req.schema);
  if (!v.ok || !req.check) return v;
  let why: string | undefined;
  try {
    why = req.check({ text, ...(v.data !== undefined ? { data: v.data } : {}) });
  } catch (e) {
    why = `check failed: ${errorMessage(e)}`;
  }
  return why ? { ok: false, why: 'check', detail: why } : v;
}
