// extends never crosses an owner boundary, and problems in a remote base say where and what kind, never its content.
import { loadFlow } from '../../src/flow/load.js';
import { FlowConfigs } from '../../src/github/config.js';
import type { GitHubPort } from '../../src/github/port.js';

const CHILD = 'version: 1\nextends: acme/private:base.yml\ntrigger: flow:x\nstages:\n  - id: a\n';

test("a problem in a remote base names its location and kind, not the base's content", async () => {
  const r = await loadFlow(CHILD, '.github/flow.yml', {
    fetchBase: async (ref) => ({
      text: 'DB_PASSWORD=hunter2-prod-Zq9xLm\n',
      path: `${ref.owner}/${ref.repo}:${ref.path}`,
    }),
  });
  expect(r.flow).toBeUndefined();
  const remote = r.problems.filter((p) => p.path.startsWith('acme/private:'));
  expect(remote.length).toBeGreaterThan(0);
  expect(remote[0]!.line).toBe(1);
  expect(JSON.stringify(r.problems)).not.toMatch(/hunter2|DB_PASSWORD/);
});

test("extends reads bases only from the same owner's repositories", async () => {
  const reads: string[] = [];
  const port = {
    ref: { owner: 'acme', repo: 'web' },
    fullName: 'acme/web',
    getFile: async (path: string, _ref?: string, at?: { owner: string; repo: string }) => {
      reads.push(`${at?.owner}/${at?.repo}:${path}`);
      return { text: 'version: 1\nstages:\n  - id: a\n', sha: 'x' };
    },
  } as unknown as GitHubPort;
  const flows = new FlowConfigs({} as never);
  const foreign = await flows.parse(port, CHILD.replace('acme/private', 'mallory/flows'));
  expect(reads).toEqual([]);
  expect(foreign.problems.map((p) => p.message).join('\n')).toMatch(/read only from repositories of acme/);
  await flows.parse(port, CHILD);
  expect(reads).toEqual(['acme/private:base.yml']);
});
