// Loads `.github/flow.yml` from the default branch, cached per blob sha; a broken config never stops runs in flight:
// the last good flow keeps working and the problem is reported once per broken version, not on every event.
import { LRUCache } from 'lru-cache';
import type { Flow, FlowProblem } from '../flow/types.js';
import { loadFlow } from '../flow/index.js';
import type { Store } from '../store/types.js';
import type { GitHubPort } from './port.js';
import { FLOW_PATH } from './events.js';

export interface FlowLookup {
  flow?: Flow;
  /** The flow in use is the last good one because the current file is broken. */
  problem?: { sha: string; problems: FlowProblem[]; firstReport: boolean };
  sha?: string;
}

export class FlowConfigs {
  private readonly bySha = new LRUCache<string, { flow?: Flow; problems: FlowProblem[] }>({ max: 500 });

  /** @param path Where the flow file lives in the repository (the action's `flow-path` input). */
  constructor(
    private readonly store: Store,
    readonly path: string = FLOW_PATH,
  ) {}

  /** Parse and validate flow text (also used for the PR check run), resolving `extends` through the port. */
  async parse(port: GitHubPort, text: string, path = this.path): Promise<{ flow?: Flow; problems: FlowProblem[] }> {
    return loadFlow(text, path, {
      fetchBase: async (ref) => {
        // A PR author must not be able to make Baton read (and report on) another owner's files.
        if (ref.owner.toLowerCase() !== port.ref.owner.toLowerCase())
          throw new Error(
            `bases are read only from repositories of ${port.ref.owner}; copy the base into one of them instead of reading ${ref.owner}/${ref.repo}`,
          );
        const f = await port.getFile(ref.path, ref.ref, { owner: ref.owner, repo: ref.repo });
        return f
          ? { text: f.text, path: `${ref.owner}/${ref.repo}:${ref.path}${ref.ref ? `@${ref.ref}` : ''}` }
          : undefined;
      },
    });
  }

  async get(port: GitHubPort, defaultBranch: string): Promise<FlowLookup> {
    const file = await port.getFile(this.path, defaultBranch);
    if (!file) return {};
    const key = `${port.fullName}@${file.sha}`;
    let parsed = this.bySha.get(key);
    if (!parsed) {
      parsed = await this.parse(port, file.text);
      this.bySha.set(key, parsed);
    }
    if (parsed.flow) {
      if ((await this.store.kvGet('flow-good', port.fullName)) !== file.sha) {
        await this.store.kvSet('flow-good', port.fullName, file.sha);
        await this.store.kvSet('flow-good-text', port.fullName, file.text);
      }
      return { flow: parsed.flow, sha: file.sha };
    }
    const errors = parsed.problems.filter((p) => p.severity === 'error');
    const firstReport = await this.store.kvSetIfAbsent('flow-problem', key, new Date().toISOString());
    const last = await this.lastGood(port);
    return { flow: last, sha: file.sha, problem: { sha: file.sha, problems: errors, firstReport } };
  }

  private async lastGood(port: GitHubPort): Promise<Flow | undefined> {
    const sha = await this.store.kvGet('flow-good', port.fullName);
    if (!sha) return undefined;
    const key = `${port.fullName}@${sha}`;
    const hit = this.bySha.get(key);
    if (hit?.flow) return hit.flow;
    const text = await this.store.kvGet('flow-good-text', port.fullName);
    if (!text) return undefined;
    const parsed = await this.parse(port, text);
    this.bySha.set(key, parsed);
    return parsed.flow;
  }
}

/** At most this many problems are listed in a check run or issue; the rest is a pointer to `baton validate`. */
export const MAX_LISTED_PROBLEMS = 200;

export function formatProblems(problems: FlowProblem[]): string {
  const shown = problems
    .slice(0, MAX_LISTED_PROBLEMS)
    .map((p) => `${p.path}:${p.line}:${p.col}: ${p.severity}: ${p.message.slice(0, 500).replace(/`/g, "'")}`);
  if (problems.length > MAX_LISTED_PROBLEMS)
    shown.push(
      `… and ${problems.length - MAX_LISTED_PROBLEMS} more problems: run \`npx baton validate\` on the file for the full list`,
    );
  return shown.join('\n');
}
