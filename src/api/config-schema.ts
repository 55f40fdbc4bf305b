// The `api:` section of flow.yml: what partner teams may do with this flow through Baton's HTTP API (/api/v1).
// Owned by the API code; imported by the flow schema, so validation, the JSON Schema and the reference share it.
import { z } from 'zod';

export const ApiFieldSchema = z
  .object({
    description: z.string().max(200).optional().describe('Shown to partners in the field list.'),
    required: z.boolean().default(false).describe('Refuse a run request without this field.'),
    max_length: z.number().int().min(1).max(10_000).default(500).describe('Longest accepted value, in characters.'),
    options: z.array(z.string().min(1).max(100)).max(50).optional().describe('The only accepted values, if set.'),
  })
  .strict();

export const ApiConfigSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe('Partner tokens scoped to this flow may start runs (false: read-only for partners).'),
    fields: z
      .record(
        z.string().regex(/^[a-z][a-z0-9_]*$/, 'a field name is lower-case letters, digits or `_`'),
        ApiFieldSchema,
      )
      .default({})
      .describe('Extra fields a partner may set when starting a run; each renders as a row in the issue body.'),
    visible_stages: z
      .array(z.string())
      .optional()
      .describe('Stage ids partners may see by name; other stages show as `in progress` (default: all stages).'),
    show_owner: z.boolean().default(false).describe('Partners see who owns the current stage.'),
  })
  .strict()
  .describe('What partner teams may do with this flow through the HTTP API (`/api/v1`).');

export type ApiConfig = z.infer<typeof ApiConfigSchema>;
export type ApiField = z.infer<typeof ApiFieldSchema>;
