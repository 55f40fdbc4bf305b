// Loads the flow a repository runs: its own `.github/flow.yml` on the default branch, else the org flow — the same
// path in the owner's `.github` repository (Probot's convention for shared configuration:
// https://github.com/probot/octokit-plugin-config#readme). A repository's own file may `extends: org`, or opt out
// with `enabled: false`. Parsed flows are cached per blob sha; a broken config never stops runs in flight: the last
// good flow keeps working and the problem is reported once per broken version, not on every event.
//
// Requests: a repository's own file is one conditional GET per event (a 304 costs no rate limit). What is absent
// (no own file) and the org flow are remembered until a `push` to that repository's default branch touches the file
// (the push job records it in the store, so every replica sees it) or for `maxAgeMs` as a safety net against a lost
// push: in steady state the org-flow lookup costs no GitHub request per event, only a store read.
import { LRUCache } from 'lru-cache';
import type { Flow, FlowProblem } from '../flow/types.js';
import { formatProblem, loadFlow } from '../flow/index.js';
import { problemAt, validateSource } from '../flow/validate.js';
import type { Store } from '../store/types.js';
import type { GitHubPort } from './port.js';
import { FLOW_PATH } from './events.js';

/** The repository whose `.github/flow.yml` is the org flow. */
export const ORG_REPO = '.github';
/** Store namespace: repository (lower case) → head sha of the last push that touched its flow file. */
const PUSHED = 'flow-pushed';
export const DEFAULT_FLOW_MAX_AGE_MS = 600_000;

export function orgRepoOf(owner: string): string {
  return `${owner}/${ORG_REPO}`;
}

export function isOrgRepo(fullName: string): boolean {
  return fullName.split('/')[1]?.toLowerCase() === ORG_REPO;
}

export interface FlowLookup {
  flow?: Flow;
  /** The flow in use is the last good one because the current file is broken (in `repo`: this one or the org's). */
  problem?: { sha: string; problems: FlowProblem[]; firstReport: boolean; repo: string };
  sha?: string;
  /** Where the flow came from: the repository's own file, or the org flow (the repository has no file). */
  source?: 'repo' | 'org';
  /** The repository's own file says `enabled: false`. */
  disabled?: true;
}

interface Parsed {
  flow?: Flow;
  problems: FlowProblem[];
  disabled?: true;
  /** The org flow's blob sha this was resolved against (`extends: org`), null when there was none. */
  orgSha?: string | null;
}

interface Remembered<T> {
  /** The store's push mark when this was read: a different mark means a push changed the file since. */
  gen: string | undefined;
  at: number;
  value: T;
}

type FileText = { text: string; sha: string };

export class FlowConfigs {
  private readonly bySha = new LRUCache<string, Parsed>({ max: 500 });
  /** repo@branch → the repository has no flow file there. */
  private readonly absent = new LRUCache<string, Remembered<true>>({ max: 10_000 });
  /** owner → the org flow file (or its absence). */
  private readonly orgs = new LRUCache<string, Remembered<FileText | undefined>>({ max: 1_000 });

  /**
   * @param path Where the flow file lives in the repository (the action's `flow-path` input).
   * @param maxAgeMs How long a remembered absence or org flow is trusted without a push (a lost push's bound).
   */
  constructor(
    private readonly store: Store,
    readonly path: string = FLOW_PATH,
    private readonly maxAgeMs = DEFAULT_FLOW_MAX_AGE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A push to `repo`'s default branch changed the flow file: every replica reads it again. */
  async pushed(repo: string, after: string): Promise<void> {
    const key = repo.toLowerCase();
    await this.store.kvSet(PUSHED, key, after);
    for (const k of [...this.absent.keys()]) if (k.startsWith(`${key}@`)) this.absent.delete(k);
    if (isOrgRepo(repo)) this.orgs.delete(key.split('/')[0]!);
  }

  private async fresh<T>(hit: Remembered<T> | undefined, repo: string): Promise<boolean> {
    if (!hit || this.now() - hit.at >= this.maxAgeMs) return false;
    return hit.gen === (await this.store.kvGet(PUSHED, repo.toLowerCase()));
  }

  /** The org flow file, remembered until a push to the `.github` repository (or maxAgeMs). */
  async orgFile(port: GitHubPort): Promise<FileText | undefined> {
    const owner = port.ref.owner.toLowerCase();
    const repo = orgRepoOf(owner);
    const hit = this.orgs.get(owner);
    if (hit && (await this.fresh(hit, repo))) return hit.value;
    const gen = await this.store.kvGet(PUSHED, repo);
    // No ref: the `.github` repository's default branch. A token that may not read it (an Actions GITHUB_TOKEN, an
    // installation without contents access there) is answered 403: the same as no org flow, not a failed job.
    let value: FileText | undefined;
    try {
      value = await port.getFile(this.path, undefined, { owner: port.ref.owner, repo: ORG_REPO });
    } catch (err) {
      // Not remembered: a 403 may also be a rate limit that passes.
      if ((err as { status?: number }).status === 403) return undefined;
      throw err;
    }
    this.orgs.set(owner, { gen, at: this.now(), value });
    return value;
  }

  /** The repository's own flow file, or undefined (that answer remembered like the org flow). */
  private async ownFile(port: GitHubPort, branch: string): Promise<FileText | undefined> {
    const key = `${port.fullName.toLowerCase()}@${branch}`;
    if (await this.fresh(this.absent.get(key), port.fullName)) return undefined;
    const gen = await this.store.kvGet(PUSHED, port.fullName.toLowerCase());
    const file = await port.getFile(this.path, branch);
    if (file) this.absent.delete(key);
    else this.absent.set(key, { gen, at: this.now(), value: true });
    return file;
  }

  /**
   * Parse and validate flow text (also used for the PR check run), resolving `extends` through the port.
   * `org`: the text IS the org flow (it cannot `extends: org` itself). `orgText` replaces the org flow (a PR that
   * changes it, checked against its children).
   */
  async parse(
    port: GitHubPort,
    text: string,
    path = this.path,
    o: { org?: boolean; orgText?: FileText | null } = {},
  ): Promise<Parsed> {
    let orgSha: string | null | undefined;
    const owner = port.ref.owner;
    const parsed = await loadFlow(text, path, {
      fetchBase: async (ref) => {
        // A PR author must not be able to make Baton read (and report on) another owner's files.
        if (ref.owner.toLowerCase() !== owner.toLowerCase())
          throw new Error(
            `bases are read only from repositories of ${owner}; copy the base into one of them instead of reading ${ref.owner}/${ref.repo}`,
          );
        const f = await port.getFile(ref.path, ref.ref, { owner: ref.owner, repo: ref.repo });
        return f
          ? { text: f.text, path: `${ref.owner}/${ref.repo}:${ref.path}${ref.ref ? `@${ref.ref}` : ''}` }
          : undefined;
      },
      fetchOrgBase: async () => {
        if (o.org || isOrgRepo(port.fullName))
          throw new Error(`this is the org flow (${orgRepoOf(owner)}); it cannot extend itself — remove extends: org`);
        const f = o.orgText !== undefined ? (o.orgText ?? undefined) : await this.orgFile(port);
        orgSha = f?.sha ?? null;
        return f ? { text: f.text, path: `${orgRepoOf(owner)}:${this.path}` } : undefined;
      },
    });
    return {
      ...(parsed.flow ? { flow: parsed.flow } : {}),
      problems: parsed.problems,
      ...(parsed.disabled ? { disabled: true as const } : {}),
      ...(orgSha !== undefined ? { orgSha } : {}),
    };
  }

  /** The file's parse, cached per blob sha (and per org flow sha when it extends the org flow). */
  private async parsedFile(port: GitHubPort, repo: string, file: FileText, org: boolean): Promise<Parsed> {
    const key = `${repo}@${file.sha}`;
    const hit = this.bySha.get(key);
    if (hit && (hit.orgSha === undefined || hit.orgSha === ((await this.orgFile(port))?.sha ?? null))) return hit;
    const parsed = await this.parse(port, file.text, this.path, { org });
    this.bySha.set(key, parsed);
    return parsed;
  }

  /**
   * How a repository would stand on another version of the org flow (`orgText`; null: the org flow deleted): it runs
   * the org flow as is, extends it (with the problems its own file would then have), has a flow of its own that does
   * not extend it, opted out, or runs nothing.
   */
  async againstOrg(
    port: GitHubPort,
    defaultBranch: string,
    orgText: FileText | null,
    /** Stage ids the current org flow has and the new one does not. */
    removed: ReadonlySet<string> = new Set(),
  ): Promise<{ runs: 'org' | 'extends' | 'own' | 'disabled' | 'none'; problems: FlowProblem[] }> {
    const own = await this.ownFile(port, defaultBranch);
    if (!own) return { runs: orgText ? 'org' : 'none', problems: [] };
    const parsed = await this.parse(port, own.text, this.path, { orgText });
    if (parsed.disabled) return { runs: 'disabled', problems: [] };
    if (parsed.orgSha === undefined) return { runs: 'own', problems: [] };
    const problems = parsed.flow ? [] : parsed.problems.filter((p) => p.severity === 'error');
    // A child stage with the id of a stage the new base removed no longer overrides anything: merged, it would be
    // appended as a new, partial stage — the child no longer says what its author meant.
    const v = validateSource(own.text, this.path);
    (v.file?.stages ?? []).forEach((st, i) => {
      if (st.remove || st.before !== undefined || st.after !== undefined || !removed.has(st.id)) return;
      problems.push(
        problemAt(
          v.parsed,
          ['stages', i, 'id'],
          `stages[${i}]: overrides stage "${st.id}", which the new org flow removes — remove the override or move it to the stage that replaces it`,
        ),
      );
    });
    return { runs: 'extends', problems };
  }

  async get(port: GitHubPort, defaultBranch: string): Promise<FlowLookup> {
    const own = await this.ownFile(port, defaultBranch);
    if (own) return this.lookup(port, port.fullName, own, 'repo');
    if (isOrgRepo(port.fullName)) return {};
    const org = await this.orgFile(port);
    if (!org) return {};
    return this.lookup(port, orgRepoOf(port.ref.owner), org, 'org');
  }

  private async lookup(port: GitHubPort, repo: string, file: FileText, source: 'repo' | 'org'): Promise<FlowLookup> {
    const parsed = await this.parsedFile(port, repo, file, source === 'org');
    if (parsed.disabled) return source === 'repo' ? { disabled: true, sha: file.sha, source } : {};
    if (parsed.flow) {
      if ((await this.store.kvGet('flow-good', repo)) !== file.sha) {
        await this.store.kvSet('flow-good', repo, file.sha);
        await this.store.kvSet('flow-good-text', repo, file.text);
      }
      return { flow: parsed.flow, sha: file.sha, source };
    }
    const errors = parsed.problems.filter((p) => p.severity === 'error');
    const firstReport = await this.store.kvSetIfAbsent('flow-problem', `${repo}@${file.sha}`, new Date().toISOString());
    const last = await this.lastGood(port, repo, source === 'org');
    return {
      ...(last ? { flow: last } : {}),
      sha: file.sha,
      source,
      problem: { sha: file.sha, problems: errors, firstReport, repo },
    };
  }

  private async lastGood(port: GitHubPort, repo: string, org: boolean): Promise<Flow | undefined> {
    const sha = await this.store.kvGet('flow-good', repo);
    if (!sha) return undefined;
    const key = `${repo}@${sha}`;
    const hit = this.bySha.get(key);
    if (hit?.flow) return hit.flow;
    const text = await this.store.kvGet('flow-good-text', repo);
    if (!text) return undefined;
    const parsed = await this.parse(port, text, this.path, { org });
    this.bySha.set(key, parsed);
    return parsed.flow;
  }
}

/** At most this many problems are listed in a check run or issue; the rest is a pointer to `baton validate`. */
export const MAX_LISTED_PROBLEMS = 200;

export function formatProblems(problems: FlowProblem[]): string {
  const shown = problems
    .slice(0, MAX_LISTED_PROBLEMS)
    // The CLI's line (`baton validate`), with the message cut short and no backtick that could end a code block.
    .map((p) => formatProblem({ ...p, message: p.message.slice(0, 500).replace(/`/g, "'") }));
  if (problems.length > MAX_LISTED_PROBLEMS)
    shown.push(
      `… and ${problems.length - MAX_LISTED_PROBLEMS} more problems: run \`npx baton validate\` on the file for the full list`,
    );
  return shown.join('\n');
}
