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

/** The org flow the org sandbox commits to acme/.github (every acme repository without its own flow runs it). */
export const ORG_FLOW_YML = `# acme's org flow: every acme repository without its own .github/flow.yml runs it.
version: 1
name: task
trigger: flow:task
roles:
  lead: alice
  dev: bob
  seniors: acme/seniors
stages:
  - id: triage
    name: Triage
    owner: lead
    sla: 2d
    enter: [assign]
    on:
      - { event: issue.labeled, label: "triage:done", to: build }
  - id: build
    name: Build
    owner: dev
    sla: 5d
    enter: [assign]
    on:
      - { event: pr.opened, to: review }
  - id: review
    name: Review
    owner: seniors
    on:
      - { event: review.approved, approvals: 1, to: done }
      - { event: review.changes_requested, to: build }
  - id: done
    name: Done
    final: true
digest:
  org: true
`;

/** acme/api's own flow: the org flow, with its own lead and a faster triage that `/baton ready` also ends. */
export const API_FLOW_YML = `version: 1
extends: org
roles:
  lead: dave
stages:
  - id: triage
    sla: 1d
    on:
      - { event: issue.labeled, label: "triage:done", to: build }
      - { event: command, command: ready, to: build }
`;

export interface SeededOrg {
  /** The org's `.github` repository, holding the org flow. */
  orgRepo: string;
  /** Runs the org flow extended and overridden by its own. */
  ownFlow: string;
  /** `enabled: false`. */
  optedOut: string;
  /** No flow.yml and no activity: runs the org flow. */
  idle: string;
}

/**
 * The org sandbox, on top of the demo: acme's `.github` repository with the org flow, acme/api with its own flow
 * extending it, acme/legacy opted out, acme/docs idle — all in the demo's installation. An organization's `.github`
 * repository is where GitHub itself looks for org-wide defaults
 * (https://docs.github.com/en/communities/setting-up-your-project-for-healthy-contributions/creating-a-default-community-health-file);
 * it is a repository like any other to the App: an installation on "selected repositories" must select it, or its
 * token cannot read it (https://docs.github.com/en/apps/using-github-apps/installing-a-github-app-from-a-third-party).
 */
export function seedOrg(sb: Sandbox, demo: SeededDemo, opts: { orgFlowYml?: string; start?: string } = {}): SeededOrg {
  const at = opts.start ?? '2025-01-06T09:00:00Z';
  const repos: Array<[string, string, Record<string, string>]> = [
    ['acme/.github', "acme's shared configuration", { '.github/flow.yml': opts.orgFlowYml ?? ORG_FLOW_YML }],
    ['acme/api', 'Acme API', { 'README.md': '# acme/api\n', '.github/flow.yml': API_FLOW_YML }],
    [
      'acme/legacy',
      'The old shop',
      { 'README.md': '# acme/legacy\n', '.github/flow.yml': 'version: 1\nenabled: false\n' },
    ],
    ['acme/docs', 'Acme documentation', { 'README.md': '# acme/docs\n' }],
  ];
  for (const [name, description, files] of repos) {
    sb.addRepo(name, { defaultBranch: 'main', description, at, by: 'carol', files });
    sb.grantTeam(name, 'seniors');
    sb.addCollaborator(name, 'alice', 'maintain');
    sb.addCollaborator(name, 'bob', 'write');
    sb.addCollaborator(name, 'carol', 'admin');
    sb.addCollaborator(name, 'dave', 'write');
    sb.addCollaborator(name, 'erin', 'read');
  }
  sb.install(
    repos.map(([name]) => name),
    demo.org,
  );
  return { orgRepo: 'acme/.github', ownFlow: 'acme/api', optedOut: 'acme/legacy', idle: 'acme/docs' };
}
