// The committed JSON Schema and reference docs must be exactly what the zod schema generates.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  embedReference,
  README_FILE,
  FLOW_SCHEMA_ID,
  flowJsonSchema,
  flowJsonSchemaText,
  flowReferenceMarkdown,
  REFERENCE_FILE,
  REGENERATE_HINT,
  SCHEMA_FILE,
} from '../../src/flow/reference.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function committed(file: string): string {
  try {
    return readFileSync(`${ROOT}${file}`, 'utf8');
  } catch {
    return '';
  }
}

function expectSame(file: string, generated: string): void {
  if (committed(file) !== generated)
    throw new Error(`${file} is out of date with src/flow/schema.ts — ${REGENERATE_HINT}`);
}

describe('schema drift', () => {
  it('schema/flow.schema.json matches the zod schema', () => {
    expectSame(SCHEMA_FILE, flowJsonSchemaText());
  });

  it('docs/flow-reference.md matches the zod schema', () => {
    expectSame(REFERENCE_FILE, flowReferenceMarkdown());
  });

  it("the README's configuration reference matches the zod schema", () => {
    const readme = committed(README_FILE);
    expect(readme).toContain('<!-- reference:start -->');
    expectSame(README_FILE, embedReference(readme));
  });
});

describe('generated schema and reference', () => {
  it('carries $id, title and the schema descriptions', () => {
    const s = flowJsonSchema() as {
      $id: string;
      title: string;
      required: string[];
      properties: Record<string, { description?: string }>;
      additionalProperties: boolean;
    };
    expect(s.$id).toBe(FLOW_SCHEMA_ID);
    expect(s.title).toMatch(/flow\.yml/);
    expect(s.required).toEqual(['version']);
    expect(s.additionalProperties).toBe(false);
    expect(s.properties.trigger!.description).toMatch(/issue label that starts a run/);
  });

  it('has a table per object with key, type and description', () => {
    const md = flowReferenceMarkdown();
    for (const title of [
      '## Top level',
      '## `stages[]`',
      '## `stages[].on[]`',
      '## `stages[].enter[]`',
      '## `risk`',
      '## `llm.prices.<name>`',
      '## `digest`',
    ]) {
      expect(md).toContain(title);
    }
    expect(md).toContain('| `version` | `1` | **required** Format version; always 1. |');
    expect(md).toContain('| `sla` | string | Nudge the owner once');
    expect(md).toMatch(/\| `event` \| `issue\.labeled` \\\| `issue\.unlabeled`/);
    // union alternatives (actions) are not marked required
    expect(md).toMatch(/\| `comment` \| string \| Post this comment/);
  });

  it('fails with the regeneration hint when a file is stale', () => {
    expect(() => expectSame('does/not/exist.json', '{}')).toThrow('run `npm run schema`');
  });
});
