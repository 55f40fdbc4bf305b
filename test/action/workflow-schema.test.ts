// The README's "Baton on Actions" workflow and action.yml validate against GitHub's published schemas (SchemaStore's,
// vendored in schema/vendor with their provenance).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { readmeWorkflow } from '../../src/sandbox/actions-demo.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const schema = (name: string) => JSON.parse(readFileSync(`${root}schema/vendor/${name}`, 'utf8'));
// The schemas use formats and keywords for editors beyond draft-07 validation; strict mode would reject the schemas.
const ajv = new Ajv({ strict: false, allErrors: true });
const validateWorkflow = ajv.compile(schema('github-workflow.json'));
const validateAction = ajv.compile(schema('github-action.json'));

describe('GitHub Actions files', () => {
  it('the README workflow is a valid workflow', () => {
    const wf = parse(readmeWorkflow().text);
    expect(validateWorkflow(wf) ? [] : validateWorkflow.errors).toEqual([]);
    // The Baton job is serialised per issue and queues rather than replaces pending jobs.
    expect(wf.jobs.baton.concurrency).toMatchObject({ queue: 'max' });
    expect(wf.permissions).toEqual({});
  });

  it('the schema catches a broken workflow (so the check above can fail)', () => {
    const wf = parse(readmeWorkflow().text);
    wf.jobs.baton.concurrency = { group: 'x', queue: 'max', 'cancel-in-progress': 'sometimes' };
    wf.jobs.baton.permissions.checks = 'admin';
    expect(validateWorkflow(wf)).toBe(false);
  });

  it('action.yml is a valid action with every input the entry reads', () => {
    const action = parse(readFileSync(`${root}action.yml`, 'utf8'));
    expect(validateAction(action) ? [] : validateAction.errors).toEqual([]);
    const src = readFileSync(`${root}src/action/inputs.ts`, 'utf8');
    const read = [
      ...new Set([...src.matchAll(/'INPUT_([A-Z-]+)'|INPUT_([A-Z]+):/g)].map((m) => (m[1] ?? m[2])!.toLowerCase())),
    ].sort();
    expect(Object.keys(action.inputs).sort()).toEqual(read);
  });
});
