// App authentication against the sandbox with the real Probot: JWT (RS256) checked with the App's public key,
// installation tokens minted, and the App's own webhooks delivered to Probot's verifier.
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Probot } from 'probot';
import { Sandbox, seedDemo } from '../../src/sandbox/index.js';

const keys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const otherKeys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

let sb: Sandbox;
let installationId: number;
beforeAll(async () => {
  sb = new Sandbox({ secret: 'probot-secret', appId: 777, botLogin: 'baton-auth[bot]', publicKey: keys.publicKey });
  installationId = seedDemo(sb, { flowYml: 'version: 1\n' }).installationId;
  await sb.start();
});
afterAll(() => sb.stop());
beforeEach(() => sb.resetCounts());

const probot = (privateKey: string) =>
  new Probot({ appId: 777, privateKey, secret: 'probot-secret', baseUrl: sb.url, logLevel: 'fatal' });

test('Probot authenticates as the App and as the installation; token minting is not counted', async () => {
  const app = probot(keys.privateKey);
  const asApp = await app.auth();
  const me = await asApp.request('GET /app');
  expect(me.data).toMatchObject({ id: 777, slug: 'baton-auth' });
  const inst = await asApp.request('GET /repos/{owner}/{repo}/installation', { owner: 'acme', repo: 'web' });
  expect(inst.data.id).toBe(installationId);
  const octokit = await app.auth(installationId);
  const issue = await octokit.request('POST /repos/{owner}/{repo}/issues', {
    owner: 'acme',
    repo: 'web',
    title: 'from probot',
  });
  expect(issue.data.user).toMatchObject({ login: 'baton-auth[bot]', type: 'Bot' });
  const counts = sb.requests();
  expect(counts.byRoute['POST /app/installations/{installation_id}/access_tokens']).toBeUndefined();
  expect(counts.byRoute['POST /repos/{owner}/{repo}/issues']).toBe(1);
});

test('a JWT signed with another key is refused (401)', async () => {
  const app = probot(otherKeys.privateKey);
  const asApp = await app.auth();
  await expect(asApp.request('GET /app')).rejects.toMatchObject({ status: 401 });
  const asInstallation = await app.auth(installationId);
  await expect(
    asInstallation.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'web' }),
  ).rejects.toMatchObject({ status: 401 });
});

test("deliveries pass Probot's own webhook middleware (signature verified) and reach its handlers", async () => {
  const app = probot(keys.privateKey);
  const seen: string[] = [];
  app.on('issues.labeled', async (ctx) => {
    seen.push(`${ctx.payload.label?.name} by ${ctx.payload.sender.login} on #${ctx.payload.issue.number}`);
  });
  const middleware = await app.getNodeMiddleware();
  const server = createServer((req, res) => void middleware(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  sb.webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`;
  const issue = sb.createIssue({ title: 'x', by: 'alice' });
  sb.labelIssue(issue.number, 'flow:ready', { by: 'alice' });
  await sb.settled();
  await new Promise<void>((r) => server.close(() => r()));
  expect(seen).toEqual([`flow:ready by alice on #${issue.number}`]);
  expect(
    sb
      .deliveries()
      .slice(-2)
      .map((d) => d.status),
  ).toEqual([200, 200]);
});
