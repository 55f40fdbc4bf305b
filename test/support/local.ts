// Starts Baton against the sandbox in a fresh temporary data directory, for end-to-end tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalBaton, type LocalBaton, type LocalBatonOptions } from '../../src/sandbox/local-baton.js';
import { parseCard } from '../../src/github/card.js';
import type { RunState } from '../../src/engine/types.js';

export async function local(
  o: LocalBatonOptions = {},
): Promise<LocalBaton & { dataDir: string; cleanup(): Promise<void> }> {
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'baton-e2e-'));
  const lb = await startLocalBaton({
    databaseUrl: '',
    redisUrl: '',
    logLevel: process.env.BATON_LOG_LEVEL ?? 'silent',
    // Recovery and the reconcile sweep run when a test asks (their own tests start them on purpose).
    recoveryIntervalMs: -1,
    reconcileIntervalMs: -1,
    ...o,
    dataDir,
  });
  return Object.assign(lb, {
    dataDir,
    async cleanup() {
      await lb.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

export function card(
  lb: LocalBaton,
  issue: number,
): { run: RunState | undefined; count: number; body: string | undefined } {
  const cards = lb.sandbox.comments(issue, lb.seeded.repo).filter((c) => c.body.includes('<!-- baton:card -->'));
  const last = cards.at(-1);
  return { run: last ? parseCard(last.body) : undefined, count: cards.length, body: last?.body };
}

export function stageLabels(lb: LocalBaton, issue: number): string[] {
  return lb.sandbox
    .issue(issue, lb.seeded.repo)
    .labels.filter((l) => l.startsWith('baton:') && l !== 'baton:high-risk');
}

export function botComments(lb: LocalBaton, issue: number): string[] {
  return lb.sandbox
    .comments(issue, lb.seeded.repo)
    .filter((c) => c.user === 'baton-sandbox[bot]')
    .map((c) => c.body);
}
