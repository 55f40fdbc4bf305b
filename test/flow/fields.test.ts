// Every flow.yml field is documented and does something: the reference (generated from the schema) gives each one a
// description, and some module outside the schema reads it. A field added to the schema and never wired, or wired
// and never described, fails here. Defaults are written once, on the field (JSON Schema `default`), and applied
// after `extends` merges the files, so a child cannot override its base with a default it never wrote.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flowJsonSchema } from '../../src/flow/reference.js';
import { loadFlow } from '../../src/flow/load.js';
import { RISK_DEFAULTS } from '../../src/tasks/risk/config-schema.js';

type Node = {
  description?: string;
  properties?: Record<string, Node>;
  additionalProperties?: Node | boolean;
  items?: Node;
  anyOf?: Node[];
  $ref?: string;
  default?: unknown;
};

/** Every field of the flow schema as [dotted path, its key, its node]. */
function fields(node: Node, path = ''): Array<[string, string, Node]> {
  const out: Array<[string, string, Node]> = [];
  const visit = (n: Node | boolean | undefined, p: string) => {
    if (!n || typeof n === 'boolean') return;
    for (const [k, v] of Object.entries(n.properties ?? {})) {
      const at = p ? `${p}.${k}` : k;
      out.push([at, k, v]);
      visit(v, at);
    }
    visit(n.items, `${p}[]`);
    visit(n.additionalProperties, `${p}.<name>`);
    for (const a of n.anyOf ?? []) visit(a, p);
  };
  visit(node, path);
  return out;
}

/** Fields read under a computed name, and where. */
const READ_BY_NAME: Record<string, string> = {
  'llm.tiers.economy': 'resolveLlmConfig reads every tier as `c.tiers?.[t]` over TIERS',
  'llm.tiers.standard': 'likewise',
  'llm.tiers.strong': 'likewise',
};

const schema = flowJsonSchema() as Node;
const all = fields(schema);

const srcDir = fileURLToPath(new URL('../../src/', import.meta.url));
const files = (dir: string): string[] =>
  readdirSync(join(srcDir, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
// Where a field is only documented or checked, not where it takes effect (the sandbox is a GitHub, not Baton).
const NOT_AN_EFFECT = /^flow\/(reference|zod-problems|suggest|validate|check|check-more)\.ts$|^sandbox\//;
const readers = files('')
  .filter((f) => !NOT_AN_EFFECT.test(f))
  .map((f) => readFileSync(join(srcDir, f), 'utf8'))
  .join('\n');

describe('flow.yml fields', () => {
  it('have a description each', () => {
    const bare = all.filter(([, , n]) => !(n.description ?? n.items?.description ?? '').trim()).map(([p]) => p);
    expect(bare).toEqual([]);
  });

  it('have an effect each: code outside the schema reads them', () => {
    const unread = all
      .filter(([path]) => !(path in READ_BY_NAME))
      .filter(([, key]) => {
        const k = key.replace(/[$]/g, '\\$&');
        // A property read (`x.key`, `x?.key`, `x['key']`, `'key' in x`); a declaration (`key: z…`) is not one.
        return !new RegExp(`[.?]${k}\\b|\\['${k}'\\]|'${k}' in `).test(readers);
      })
      .map(([p]) => p);
    expect(unread).toEqual([]);
  });
});

const BASE = `version: 1
trigger: flow:feature
roles: { dev: alice, lead: lee }
risk: { senior_role: lead }
stages:
  - id: build
    owner: dev
    enter: [risk]
    on: [{ event: pr.merged, to: done }]
  - id: done
`;

describe('flow.yml defaults', () => {
  it('fill in what a flow leaves out, as the reference documents them', async () => {
    const r = await loadFlow(BASE.replace('risk: { senior_role: lead }\n', ''), '.github/flow.yml');
    expect(r.flow?.risk).toEqual(RISK_DEFAULTS);
    const riskProps = schema.properties?.risk?.properties ?? {};
    for (const [k, v] of Object.entries(RISK_DEFAULTS)) expect(riskProps[k]?.default).toEqual(v);
  });

  it('are applied after extends: a child does not override its base with a default it never wrote', async () => {
    const child = 'version: 1\nextends: acme/.github:flow.yml\nrisk: { block_merge: false }\n';
    const r = await loadFlow(child, '.github/flow.yml', {
      fetchBase: async (ref) => ({ text: BASE, path: `${ref.owner}/${ref.repo}:${ref.path}` }),
    });
    expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(r.flow?.risk).toMatchObject({ senior_role: 'lead', block_merge: false });
  });
});
