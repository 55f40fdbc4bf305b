// Generates schema/flow.schema.json and docs/flow-reference.md from the zod schema, so the editor schema, the docs
// and the validator can never disagree. test/flow/schema-drift.test.ts fails when the committed files are stale.
import { z } from 'zod';
import { FlowFileSchema } from './schema.js';
import { GUARD_EVENTS } from './validate.js';

export const FLOW_SCHEMA_ID = 'urn:baton:flow-schema:v1';
export const SCHEMA_FILE = 'schema/flow.schema.json';
export const REFERENCE_FILE = 'docs/flow-reference.md';
export const REGENERATE_HINT = 'run `npm run schema`';

type JsonSchema = {
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  minItems?: number;
  [k: string]: unknown;
};

/** The JSON Schema of flow.yml (input side: fields with defaults are optional, as a user writes them). */
export function flowJsonSchema(): Record<string, unknown> {
  const body = z.toJSONSchema(FlowFileSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  const { $schema, ...rest } = body;
  addConditionalRules(rest as JsonSchema);
  return {
    $schema,
    $id: FLOW_SCHEMA_ID,
    title: 'Baton flow (.github/flow.yml)',
    description:
      'The stages an issue moves through, who owns each, and what moves it on. Generated from src/flow/schema.ts.',
    ...rest,
  };
}

/**
 * The rules validate.ts checks that a JSON Schema can say too, as if/then, so editors flag them while typing:
 * guards only on their events, `command:` required on `event: command`, a flow without `extends` needs `trigger`
 * and `stages` and cannot use before/after/remove, before and after are exclusive, and cron has five fields.
 */
/** `{ if, then }` — built from entries because a literal `then:` key reads as a thenable to linters. */
function ifThen(condition: JsonSchema, consequence: JsonSchema): JsonSchema {
  return Object.fromEntries([
    ['if', condition],
    ['then', consequence],
  ]) as JsonSchema;
}

function addConditionalRules(root: JsonSchema): void {
  const stages = root.properties?.stages;
  const stage = stages?.items;
  const transition = stage?.properties?.on?.items;
  if (!stage || !transition) throw new Error('flow schema shape changed: update addConditionalRules');
  transition.allOf = [
    ...Object.entries(GUARD_EVENTS).map(([guard, events]) =>
      ifThen({ required: [guard] }, { properties: { event: { enum: [...events] } } }),
    ),
    ifThen({ required: ['event'], properties: { event: { const: 'command' } } }, { required: ['command'] }),
  ];
  stage.not = { required: ['before', 'after'] };
  root.allOf = [
    ifThen(
      { not: { required: ['extends'] } },
      {
        required: ['trigger', 'stages'],
        properties: {
          stages: {
            minItems: 1,
            items: { not: { anyOf: [{ required: ['before'] }, { required: ['after'] }, { required: ['remove'] }] } },
          },
        },
      },
    ),
  ];
  const cron = root.properties?.digest?.properties?.cron;
  if (cron) cron.pattern = '^\\s*\\S+(\\s+\\S+){4}\\s*$';
}

export function flowJsonSchemaText(): string {
  return `${JSON.stringify(flowJsonSchema(), null, 2)}\n`;
}

function isObjectSchema(s: JsonSchema | undefined): boolean {
  return !!s && (s.type === 'object' || !!s.properties);
}

function typeOf(s: JsonSchema): string {
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(' | ');
  if (s.anyOf) return [...new Set(s.anyOf.map(typeOf))].join(' or ');
  if (s.type === 'array') return `list of ${s.items ? typeOf(s.items) : 'any'}`;
  if (isObjectSchema(s)) {
    if (s.properties) return 'map';
    if (s.additionalProperties && typeof s.additionalProperties === 'object') {
      const key = s.propertyNames?.enum ? s.propertyNames.enum.map(String).join('/') : 'name';
      return `map of ${key} → ${typeOf(s.additionalProperties)}`;
    }
    return 'map';
  }
  if (s.type === 'integer') return 'whole number';
  return Array.isArray(s.type) ? s.type.join(' or ') : (s.type ?? 'any');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

interface Section {
  title: string;
  description?: string;
  properties: Record<string, JsonSchema>;
  required: Set<string>;
}

// Collects every object reachable from the root as its own section, titled by its path (`stages[].on[]`).
function collect(title: string, s: JsonSchema, out: Map<string, Section>, description?: string, inUnion = false): void {
  if (s.anyOf) {
    for (const o of s.anyOf) collect(title, o, out, description ?? s.description, true);
    return;
  }
  if (s.type === 'array' && s.items) {
    collect(`${title}[]`, s.items, out, s.items.description ?? description ?? s.description);
    return;
  }
  if (!isObjectSchema(s)) return;
  if (!s.properties) {
    if (s.additionalProperties && typeof s.additionalProperties === 'object') {
      const key = s.propertyNames?.enum ? '<tier>' : '<name>';
      collect(`${title}.${key}`, s.additionalProperties, out, s.additionalProperties.description);
    }
    return;
  }
  const section = out.get(title) ?? {
    title,
    description: description ?? s.description,
    properties: {},
    required: new Set<string>(),
  };
  out.set(title, section);
  for (const [k, v] of Object.entries(s.properties)) {
    section.properties[k] ??= v;
    // A required key of one alternative of a union (`comment:` of an action) is not required by the others.
    if (s.required?.includes(k) && !inUnion) section.required.add(k);
  }
  for (const [k, v] of Object.entries(s.properties)) collect(title ? `${title}.${k}` : k, v, out);
}

/** docs/flow-reference.md: one table (key, type, description) per object of flow.yml. */
export function flowReferenceMarkdown(): string {
  const schema = flowJsonSchema() as JsonSchema;
  const sections = new Map<string, Section>();
  collect('', schema, sections);
  const lines: string[] = [
    '# flow.yml reference',
    '',
    '<!-- Generated from src/flow/schema.ts by `npm run schema`; do not edit by hand. -->',
    '',
    'Baton reads `.github/flow.yml`. Check it with `npx baton validate`; editors can use `schema/flow.schema.json`.',
    '',
  ];
  for (const sec of sections.values()) {
    lines.push(`## ${sec.title ? `\`${sec.title}\`` : 'Top level'}`, '');
    if (sec.description) lines.push(cell(sec.description), '');
    lines.push('| key | type | description |', '| --- | --- | --- |');
    for (const [k, v] of Object.entries(sec.properties)) {
      const desc = v.description ?? v.items?.description ?? '';
      const dflt = v.default !== undefined ? ` Default: \`${JSON.stringify(v.default)}\`.` : '';
      const req = sec.required.has(k) ? '**required** ' : '';
      lines.push(`| \`${k}\` | ${cell(typeOf(v))} | ${cell(req + desc + dflt)} |`);
    }
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

export const README_FILE = 'README.md';
const START = '<!-- reference:start -->';
const END = '<!-- reference:end -->';

/** The README with its configuration reference section replaced by the generated reference (minus its title). */
export function embedReference(readme: string, reference: string = flowReferenceMarkdown()): string {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${README_FILE} needs the markers ${START} and ${END} where the reference goes`);
  const body = reference
    .replace(/^# .*\n+/, '')
    .replace(/^<!-- Generated.*-->\n+/m, '')
    .replace(/^#{2} /gm, '### ');
  return `${readme.slice(0, a + START.length)}\n${body.trim()}\n${readme.slice(b)}`;
}
