// Where the browser tests find Chromium. A machine without one skips them and says why (`npm ci && npm test` must
// pass on a fresh machine); CI (.ci/run) installs Debian's Chromium and sets BATON_REQUIRE_BROWSER=1, so there a
// missing browser is a failure, not a skip.
import { existsSync } from 'node:fs';

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

export interface BrowserLookup {
  path?: string;
  /** Why there is none, and how to get one. */
  reason?: string;
}

export function findChromium(env: NodeJS.ProcessEnv = process.env, candidates = CANDIDATES): BrowserLookup {
  // An explicit CHROMIUM_PATH is the browser to use: when it is missing, say so rather than quietly take another
  // (this is also how a machine with Chromium checks the skip path: CHROMIUM_PATH=/nonexistent npm test).
  const tried = env.CHROMIUM_PATH ? [env.CHROMIUM_PATH] : candidates;
  const path = tried.find((p) => existsSync(p));
  if (path) return { path };
  const reason = `no Chromium at ${tried.join(', ')}: install one (Debian: apt-get install chromium) or set CHROMIUM_PATH`;
  if (env.BATON_REQUIRE_BROWSER === '1') throw new Error(`BATON_REQUIRE_BROWSER=1 but ${reason}`);
  return { reason };
}

/**
 * Say on stderr that `what` is skipped and why. Not console.warn: jest shows no console output of a file whose
 * tests are all skipped, and a skip nobody sees reads as a pass.
 */
export function announceSkip(what: string, lookup: BrowserLookup): void {
  if (!lookup.path) process.stderr.write(`\n${what} SKIPPED: ${lookup.reason}\n`);
}

/** How the browser tests start Chromium: headless, no first-run or background traffic (the machine may be offline). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
