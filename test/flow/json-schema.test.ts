// schema/flow.schema.json and `baton validate` agree on the broken-flow corpus: the schema rejects every broken file
// whose mistake a JSON Schema can express, accepts every valid flow, and the files it accepts are exactly the ones
// whose mistakes need the assembled flow (references, reachability, extends) — listed here with the reason.
import { readdirSync, readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parseDocument } from 'yaml';
import { loadFlowBytes } from '../../src/flow/index.js';
import { flowJsonSchema } from '../../src/flow/reference.js';
import { decodeUtf8 } from '../../src/flow/utf8.js';
import { FIXTURES, fixtureFetchBase } from './helpers.js';

const SEMANTIC_ONLY: Record<string, string> = {
  'approved-by-unknown-role.yml': 'roles are names the file defines',
  'before-unknown-stage.yml': 'stage ids of the base flow',
  'cron-out-of-range.yml': 'cron field ranges are parsed, not pattern-matched',
  'cycle-never-finishes.yml': 'reachability',
  'duplicate-stage-id.yml': 'uniqueness of a property across list items',
  'extends-loop.yml': 'extends are fetched',
  'no-final-stage.yml': 'reachability',
  'no-way-out.yml': 'the last stage is special',
  'preset-role-missing.yml': 'the preset is fetched',
  'remote-base-not-found.yml': 'extends are fetched',
  'risk-thresholds-inverted.yml': 'one value compared with another',
  'senior-role-missing.yml': 'roles are names the file defines',
  'shadowed-transition.yml': 'order of transitions',
  'unknown-placeholder.yml': 'placeholders inside a string',
  'unknown-preset.yml': 'presets are files',
  'unknown-role.yml': 'roles are names the file defines',
  'unknown-to.yml': 'stage ids are names the file defines',
  'unpriced-model.yml': 'the price table',
  'unreachable-stage.yml': 'reachability',
};

const ajv = new Ajv2020({ allErrors: true, strict: false });
const validate = ajv.compile(flowJsonSchema());

function yamlData(bytes: Buffer): { data: unknown } | undefined {
  const d = decodeUtf8(bytes);
  if (!('text' in d)) return undefined;
  const doc = parseDocument(d.text, { uniqueKeys: true });
  if (doc.errors.length) return undefined;
  try {
    return { data: doc.toJS({ maxAliasCount: 100 }) };
  } catch {
    return undefined;
  }
}

const broken = readdirSync(`${FIXTURES}broken`).filter((f) => f.endsWith('.yml'));
const valid = readdirSync(`${FIXTURES}valid`).filter((f) => f.endsWith('.yml'));

describe('schema/flow.schema.json vs baton validate', () => {
  it('accepts every valid flow', () => {
    for (const f of valid) {
      const y = yamlData(readFileSync(`${FIXTURES}valid/${f}`))!;
      expect([f, validate(y.data) ? 'ok' : ajv.errorsText(validate.errors)]).toEqual([f, 'ok']);
    }
  });

  it('rejects every broken flow a schema can judge; accepts only those needing the assembled flow', async () => {
    const accepted: string[] = [];
    for (const f of broken) {
      const bytes = readFileSync(`${FIXTURES}broken/${f}`);
      // validate rejects all of them (the corpus test checks where); the schema applies to those that are YAML.
      const r = await loadFlowBytes(bytes, f, { fetchBase: fixtureFetchBase('broken').fetchBase });
      expect([f, r.problems.some((p) => p.severity === 'error')]).toEqual([f, true]);
      const y = yamlData(bytes);
      if (y && validate(y.data)) accepted.push(f);
    }
    expect(accepted.sort()).toEqual(Object.keys(SEMANTIC_ONLY).sort());
  });
});
