// The running sandbox, for other terminals: `baton sandbox` writes where it listens and its people's tokens to
// `<BATON_DATA_DIR>/sandbox-session.json` while it serves (and removes it when it stops), so
// `baton sandbox act --as bob …` reaches it as bob without copying anything by hand.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SandboxSession {
  /** The sandbox's REST API root (what Octokit's baseUrl would be). */
  url: string;
  /** The read-only web view. */
  viewUrl: string;
  /** Baton's own server (dashboard at /baton). */
  batonUrl: string;
  /** The demo repository. */
  repo: string;
  /** login → a token that acts as that person on the REST API (Authorization: Bearer <token>). */
  tokens: Record<string, string>;
  pid: number;
}

export const SESSION_FILE = 'sandbox-session.json';

export const sessionPath = (dataDir: string) => join(dataDir, SESSION_FILE);

export function writeSession(dataDir: string, s: SandboxSession): string {
  const path = sessionPath(dataDir);
  // Owner-only: the tokens act as the sandbox's people (they reach nothing but this local sandbox).
  writeFileSync(path, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o600 });
  return path;
}

export function removeSession(dataDir: string, pid = process.pid): void {
  const s = readSession(dataDir);
  if (typeof s !== 'string' && s.pid === pid) rmSync(sessionPath(dataDir), { force: true });
}

/** The session, or why there is none (in words a user can act on). */
export function readSession(dataDir: string): SandboxSession | string {
  const path = sessionPath(dataDir);
  if (!existsSync(path))
    return `no sandbox is running with BATON_DATA_DIR=${dataDir} (${path} is missing): start one with \`npm start\` or \`npx baton sandbox\` in another terminal`;
  try {
    const s = JSON.parse(readFileSync(path, 'utf8')) as SandboxSession;
    if (typeof s.url !== 'string' || typeof s.tokens !== 'object' || !s.tokens) throw new Error('fields missing');
    return s;
  } catch (e) {
    return `${path} is not a sandbox session file (${(e as Error).message}): restart the sandbox`;
  }
}
