// The start's inventory reads installed repositories several at a time (bounded), and still knows every one of them.
import {
  INVENTORY_CONCURRENCY,
  installationChanged,
  knowInstalledRepos,
  type InventoryDeps,
} from '../../src/app/inventory.js';
import type { OctokitLike } from '../../src/github/port.js';

const REPOS = 30;

function fakeGitHub(): OctokitLike {
  const repositories = Array.from({ length: REPOS }, (_, i) => ({
    full_name: `acme/r${i}`,
    default_branch: 'main',
    archived: i === 0,
  }));
  return {
    request: (async (route: string) => {
      if (route === 'GET /app/installations')
        return { status: 200, headers: {}, data: [{ id: 7, account: { login: 'acme' } }] };
      if (route === 'GET /installation/repositories')
        return { status: 200, headers: {}, data: { total_count: REPOS, repositories } };
      throw new Error(`unexpected ${route}`);
    }) as unknown as OctokitLike['request'],
  };
}

test(`reads ${INVENTORY_CONCURRENCY} repositories at once, never more, and knows each unarchived one once`, async () => {
  let inFlight = 0;
  let most = 0;
  const waiting: Array<() => void> = [];
  const known: string[] = [];
  const deps = {
    octokitFor: async () => fakeGitHub(),
    flows: {
      get: async (port: { fullName: string }) => {
        most = Math.max(most, ++inFlight);
        // Held until the test lets the reads go, so every read the inventory starts at once is seen in flight.
        await new Promise<void>((r) => waiting.push(r));
        inFlight--;
        return { flow: port.fullName.endsWith('3') ? ({ stages: [] } as never) : undefined };
      },
    },
    repos: {
      observe: async (c: { repo: string }) => void known.push(c.repo),
      know: async (c: { repo: string }) => void known.push(c.repo),
      all: async () => [],
      forget: async () => {},
    },
    log: { info: () => {}, warn: () => {} },
  } as unknown as InventoryDeps;
  const done = knowInstalledRepos(deps);
  // Release reads one by one as they queue up, until the pass ends.
  let finished = false;
  void done.then(() => (finished = true));
  while (!finished) {
    await new Promise((r) => setImmediate(r));
    waiting.shift()?.();
  }
  const report = await done;
  expect(most).toBe(INVENTORY_CONCURRENCY);
  expect(report).toEqual({ installations: 1, repos: REPOS - 1, withFlow: 3, dropped: 0 });
  expect([...known].sort()).toEqual(Array.from({ length: REPOS - 1 }, (_, i) => `acme/r${i + 1}`).sort());
});

test('an install on many repositories reads them several at once, and one that cannot be read does not stop the rest', async () => {
  let inFlight = 0;
  let most = 0;
  const known: string[] = [];
  const warned: string[] = [];
  const deps = {
    octokitFor: async () => ({
      request: (async (route: string, p: { repo: string }) => {
        if (route !== 'GET /repos/{owner}/{repo}') throw new Error(`unexpected ${route}`);
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setImmediate(r));
        inFlight--;
        if (p.repo === 'r4') throw Object.assign(new Error('Not Found'), { status: 404 });
        return { status: 200, headers: {}, data: { default_branch: 'main' } };
      }) as unknown as OctokitLike['request'],
    }),
    flows: { get: async () => ({ flow: undefined }) },
    repos: { know: async (c: { repo: string }) => void known.push(c.repo) },
    log: { info: () => {}, warn: (o: { repo: string }) => void warned.push(o.repo) },
  } as unknown as InventoryDeps;
  const payload = {
    action: 'created',
    installation: { id: 7 },
    repositories: Array.from({ length: 20 }, (_, i) => ({ full_name: `acme/r${i}` })),
  };
  expect(await installationChanged(deps, 'installation', payload, { info: () => {} } as never)).toBe(true);
  expect(most).toBeGreaterThan(1);
  expect(most).toBeLessThanOrEqual(INVENTORY_CONCURRENCY);
  expect(warned).toEqual(['acme/r4']);
  expect(known).toHaveLength(19);
});
