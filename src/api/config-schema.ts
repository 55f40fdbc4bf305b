// The `api:` section of flow.yml: what partner teams may do with this flow through Baton's HTTP API (/api/v1).
// Owned by the API code; imported by the flow schema, so validation, the JSON Schema and the reference share it.
// Every default lives in API_DEFAULTS, attached to its field as JSON Schema `default` (so the reference shows it) and
// applied by resolveApiConfig. They are not zod `.default()`s: flow files are parsed one by one before `extends`
// merges them, and a child's filled-in defaults would silently override its base's explicit values (a child that
// adds one field would turn a base's `enabled: false` back on).
import { z } from 'zod';

export const API_DEFAULTS = { enabled: true, show_owner: false, required: false, max_length: 500 } as const;

export const ApiFieldSchema = z
  .object({
    description: z.string().max(200).optional().describe('Shown to partners in the field list.'),
    required: z
      .boolean()
      .optional()
      .meta({ default: API_DEFAULTS.required })
      .describe('Refuse a run request without this field.'),
    max_length: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .optional()
      .meta({ default: API_DEFAULTS.max_length })
      .describe('Longest accepted value, in characters.'),
    options: z.array(z.string().min(1).max(100)).max(50).optional().describe('The only accepted values, if set.'),
  })
  .strict();

export const ApiConfigSchema = z
  .object({
    enabled: z
      .boolean()
      .optional()
      .meta({ default: API_DEFAULTS.enabled })
      .describe('Partner tokens scoped to this flow may start runs (false: read-only for partners).'),
    fields: z
      .record(
        z.string().regex(/^[a-z][a-z0-9_]*$/, 'a field name is lower-case letters, digits or `_`'),
        ApiFieldSchema,
      )
      .optional()
      .meta({ default: {} })
      .describe('Extra fields a partner may set when starting a run; each renders as a row in the issue body.'),
    visible_stages: z
      .array(z.string())
      .optional()
      .describe('Stage ids partners may see by name; other stages show as `in progress` (default: all stages).'),
    show_owner: z
      .boolean()
      .optional()
      .meta({ default: API_DEFAULTS.show_owner })
      .describe('Partners see who owns the current stage.'),
  })
  .strict()
  .describe('What partner teams may do with this flow through the HTTP API (`/api/v1`).');

/** The section as written (after extends merged it): every default still absent. */
export type ApiConfigInput = z.infer<typeof ApiConfigSchema>;

export interface ApiField {
  description?: string;
  required: boolean;
  max_length: number;
  options?: string[];
}

/** The section as Baton uses it: every default applied. */
export interface ApiConfig {
  enabled: boolean;
  fields: Record<string, ApiField>;
  visible_stages?: string[];
  show_owner: boolean;
}

export function resolveApiConfig(a: ApiConfigInput): ApiConfig {
  const fields = Object.fromEntries(
    Object.entries(a.fields ?? {}).map(([name, f]) => [
      name,
      {
        ...(f.description !== undefined ? { description: f.description } : {}),
        required: f.required ?? API_DEFAULTS.required,
        max_length: f.max_length ?? API_DEFAULTS.max_length,
        ...(f.options ? { options: f.options } : {}),
      },
    ]),
  );
  return {
    enabled: a.enabled ?? API_DEFAULTS.enabled,
    fields,
    ...(a.visible_stages ? { visible_stages: a.visible_stages } : {}),
    show_owner: a.show_owner ?? API_DEFAULTS.show_owner,
  };
}
