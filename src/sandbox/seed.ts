// The demo world: org acme, repo acme/web with a little history by several people, a team, collaborators with
// every permission level, and the App installed. Pure setup (no webhooks), so Baton starts from a quiet repo.
import type { Sandbox } from './github-server.js';

export interface SeedOptions {
  /** Text of `.github/flow.yml` to commit (omit to leave the repo without a flow). */
  flowYml?: string;
  /** Date of the first commit; history is spread over the following days. */
  start?: string;
}

export interface SeededDemo {
  repo: string;
  org: string;
  installationId: number;
  people: { pm: string; dev: string; senior: string; docs: string; outsider: string };
  team: string;
}

const DAY = 86_400_000;

export function seedDemo(sb: Sandbox, opts: SeedOptions = {}): SeededDemo {
  const start = Date.parse(opts.start ?? '2025-01-06T09:00:00Z');
  const at = (days: number) => new Date(start + days * DAY).toISOString();
  sb.addOrg('acme');
  sb.addUser('alice', { name: 'Alice Park', email: 'alice@acme.test' });
  sb.addUser('bob', { name: 'Bob Ruiz', email: 'bob@acme.test' });
  sb.addUser('carol', { name: 'Carol Chen', email: 'carol@acme.test' });
  sb.addUser('dave', { name: 'Dave Okafor', email: 'dave@acme.test' });
  sb.addUser('erin', { name: 'Erin Outside', email: 'erin@example.test' });
  const repo = 'acme/web';
  sb.addRepo(repo, {
    defaultBranch: 'main',
    description: 'Acme storefront',
    at: at(0),
    by: 'carol',
    files: {
      'README.md': '# acme/web\n\nThe Acme storefront.\n',
      'package.json': '{\n  "name": "acme-web",\n  "version": "1.0.0"\n}\n',
      'src/cart.ts':
        'export function total(items: { price: number }[]): number {\n  return items.reduce((n, i) => n + i.price, 0);\n}\n',
    },
  });
  sb.commitFiles(
    repo,
    'main',
    {
      'src/auth/session.ts':
        'export const SESSION_TTL = 3600;\n\nexport function expired(at: number, now: number): boolean {\n  return now - at > SESSION_TTL;\n}\n',
    },
    { by: 'carol', at: at(1), message: 'Add session expiry' },
  );
  sb.commitFiles(
    repo,
    'main',
    {
      'src/cart.ts':
        'export function total(items: { price: number; qty?: number }[]): number {\n  return items.reduce((n, i) => n + i.price * (i.qty ?? 1), 0);\n}\n',
    },
    { by: 'bob', at: at(2), message: 'Cart: quantities' },
  );
  sb.commitFiles(
    repo,
    'main',
    { 'docs/cart.md': '# Cart\n\n`total(items)` sums price × qty.\n' },
    { by: 'dave', at: at(3), message: 'Docs: cart' },
  );
  sb.commitFiles(
    repo,
    'main',
    {
      'src/auth/session.ts':
        'export const SESSION_TTL = 7200;\n\nexport function expired(at: number, now: number): boolean {\n  return now - at > SESSION_TTL;\n}\n',
    },
    { by: 'bob', at: at(4), message: 'Longer sessions' },
  );
  if (opts.flowYml !== undefined)
    sb.commitFiles(
      repo,
      'main',
      { '.github/flow.yml': opts.flowYml },
      { by: 'alice', at: at(5), message: 'Add Baton flow' },
    );
  sb.addTeam('acme', 'seniors', ['carol'], 'Seniors');
  sb.grantTeam(repo, 'seniors');
  sb.addCollaborator(repo, 'alice', 'maintain');
  sb.addCollaborator(repo, 'bob', 'write');
  sb.addCollaborator(repo, 'carol', 'admin');
  sb.addCollaborator(repo, 'dave', 'triage');
  sb.addCollaborator(repo, 'erin', 'read');
  for (const [name, color] of [
    ['bug', 'd73a4a'],
    ['enhancement', 'a2eeef'],
    ['documentation', '0075ca'],
  ] as const)
    sb.addLabel(repo, name, color);
  const installationId = sb.install([repo], 'acme');
  sb.defaultRepo = repo;
  sb.defaultActor = 'alice';
  return {
    repo,
    org: 'acme',
    installationId,
    people: { pm: 'alice', dev: 'bob', senior: 'carol', docs: 'dave', outsider: 'erin' },
    team: 'acme/seniors',
  };
}
