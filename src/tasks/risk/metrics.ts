// Just-in-time defect-prediction change metrics (Kamei et al., "A large-scale empirical study of just-in-time quality
// assurance", IEEE TSE 2013) plus Baton's own signals. `metricsFromData` is the pure core; `computeMetrics` gathers
// its input through the GitHub port with a bounded number of calls.
import type { GitHubPort, PullData, PullFile, CommitData } from '../../github/port.js';
import { dirName, isCodeFile, isDependencyManifest, isTestFile, sensitiveMatcher, subsystemOf } from './paths.js';

export interface ChangeMetrics {
  // size
  la: number; // lines added
  ld: number; // lines deleted
  nf: number; // files changed
  // diffusion
  nd: number; // directories changed
  ns: number; // subsystems changed
  entropy: number; // distribution of changed lines across files, normalised to [0,1] by log2(nf)
  // history of the touched files
  ndev?: number; // distinct developers who changed them before
  age?: number; // mean days since each file was last changed
  nuc?: number; // unique prior commits touching them
  // experience of the author
  exp?: number; // prior commits in the repository
  rexp?: number; // prior commits weighted by recency (1 / (1 + years ago))
  sexp?: number; // prior commits in the subsystems this change touches
  // purpose
  fix: boolean;
  // Baton's signals
  sensitive?: string[]; // touched paths matching risk.sensitive_paths
  deps?: string[]; // dependency manifests / lock files changed
  testsTouched?: number;
  codeTouched?: number;
  subsystems?: string[];
  /** Subsystems where the author has no prior commit. */
  newSubsystems?: string[];
  /** Files whose history was looked up, out of nf (history is sampled to bound API calls). */
  sampled?: { files: number; of: number };
}

export interface HistoryCommit {
  sha: string;
  author: string; // login, or the commit author's name/email when no login
  date: string; // ISO
}

export interface MetricsInput {
  title: string;
  body?: string | null;
  author: string;
  files: Array<Pick<PullFile, 'filename' | 'additions' | 'deletions'>>;
  commitMessages: string[];
  /** Prior commits touching each (sampled) file, newest first. The PR's own commits are excluded by sha. */
  fileHistory: Record<string, HistoryCommit[]>;
  /** The author's prior commits in the repository (any file). */
  authorCommits: HistoryCommit[];
  /** Subsystem → the author's prior commits touching it. */
  authorSubsystemCommits: Record<string, number>;
  /** Shas of the PR's own commits, excluded from every history. */
  ownShas?: string[];
  now: Date;
  sensitivePaths?: string[];
  /** What says whether the change fixes a bug (see fixIntent); without it, the PR title alone. */
  intent?: FixIntentInput;
}

/**
 * Kamei et al. flag a change as a fix when its message mentions a defect. A PR's body is no such message: "Fixes #12"
 * is GitHub's linking keyword (Baton recommends it for features too), so intent is read from what people set to say
 * what kind of work it is: labels (the PR's and its issue's), the issue's type, and the titles.
 */
export interface FixIntentInput {
  title?: string | null;
  labels?: readonly string[];
  issueTitle?: string | null;
  issueLabels?: readonly string[];
  /** The issue's type (organisations' issue types: Bug, Feature, Task). */
  issueType?: string | null;
}

const FIX_WORDS_RE = /\b(fix(e[sd])?|bug(s|fix)?|defect|hotfix|regression|crash(es|ed)?|broken|repair(s|ed)?|fault)\b/i;
const FIX_LABEL_RE = /^(?:(?:type|kind)[:/ ]\s*)?(bug|bugfix|fix|hotfix|defect|regression)$/i;
/** GitHub's closing keywords with their reference ("Fixes #12", "closes acme/web#3"): a link, not a purpose. */
const CLOSING_RE = /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\b:?\s{0,4}(?:[\w.-]{1,100}\/[\w.-]{1,100})?#\d{1,9}/gi;
/** Conventional-commit prefixes: `fix:` / `fix(auth):` is a fix, `feat:` / `chore:` are not. */
const CONVENTIONAL_RE = /^\s*(\w+)(?:\([^)]{0,50}\))?!?:/;

function titleSaysFix(title: string | null | undefined): boolean {
  if (!title) return false;
  const conv = CONVENTIONAL_RE.exec(title);
  if (conv) return /^(fix|bugfix|hotfix)$/i.test(conv[1]!);
  return FIX_WORDS_RE.test(title.slice(0, 300).replace(CLOSING_RE, ''));
}

export function fixIntent(i: FixIntentInput): boolean {
  if ([...(i.labels ?? []), ...(i.issueLabels ?? [])].some((l) => FIX_LABEL_RE.test(l.trim()))) return true;
  if (i.issueType && /^bug/i.test(i.issueType.trim())) return true;
  return titleSaysFix(i.title) || titleSaysFix(i.issueTitle);
}

const DAY_MS = 86_400_000;

function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Shannon entropy of changed lines over files, normalised by log2(nf) (Kamei et al.; Hassan 2009). */
export function changeEntropy(changes: number[]): number {
  const total = changes.reduce((a, b) => a + b, 0);
  const n = changes.length;
  if (n <= 1 || total === 0) return 0;
  let h = 0;
  for (const c of changes) {
    if (c <= 0) continue;
    const p = c / total;
    h -= p * Math.log2(p);
  }
  return round(h / Math.log2(n));
}

/** Any of these texts (titles, commit subjects) says it fixes something, linking keywords aside. */
export function isFixChange(texts: Array<string | null | undefined>): boolean {
  return texts.some((t) => titleSaysFix(t));
}

export function metricsFromData(input: MetricsInput): ChangeMetrics {
  const own = new Set(input.ownShas ?? []);
  const files = input.files;
  const la = files.reduce((a, f) => a + f.additions, 0);
  const ld = files.reduce((a, f) => a + f.deletions, 0);
  const dirs = new Set(files.map((f) => dirName(f.filename)));
  const subsystems = [...new Set(files.map((f) => subsystemOf(f.filename)))].sort();
  const isSensitive = sensitiveMatcher(input.sensitivePaths);

  // History of the touched files (only the sampled ones are present in fileHistory).
  const devs = new Set<string>();
  const commits = new Set<string>();
  const ages: number[] = [];
  for (const hist of Object.values(input.fileHistory)) {
    const prior = hist.filter((c) => !own.has(c.sha));
    for (const c of prior) {
      devs.add(c.author);
      commits.add(c.sha);
    }
    const last = prior
      .map((c) => Date.parse(c.date))
      .filter((t) => !Number.isNaN(t))
      .sort((a, b) => b - a)[0];
    if (last !== undefined) ages.push(Math.max(0, (input.now.getTime() - last) / DAY_MS));
  }
  const sampledFiles = Object.keys(input.fileHistory).length;

  const authorPrior = input.authorCommits.filter((c) => !own.has(c.sha));
  // rexp: Kamei weights each prior change by 1/(n+1), n = years since it; recent experience counts more.
  const rexp = authorPrior.reduce((a, c) => {
    const t = Date.parse(c.date);
    const years = Number.isNaN(t) ? 0 : Math.max(0, (input.now.getTime() - t) / (365 * DAY_MS));
    return a + 1 / (1 + years);
  }, 0);
  const sexp = subsystems.reduce((a, s) => a + (input.authorSubsystemCommits[s] ?? 0), 0);

  return {
    la,
    ld,
    nf: files.length,
    nd: dirs.size,
    ns: subsystems.length,
    entropy: changeEntropy(files.map((f) => f.additions + f.deletions)),
    ndev: devs.size,
    age: ages.length ? round(ages.reduce((a, b) => a + b, 0) / ages.length, 1) : 0,
    nuc: commits.size,
    exp: authorPrior.length,
    rexp: round(rexp, 2),
    sexp,
    fix: fixIntent(input.intent ?? { title: input.title }),
    sensitive: files.map((f) => f.filename).filter((p) => isSensitive(p)),
    deps: files.map((f) => f.filename).filter(isDependencyManifest),
    testsTouched: files.filter((f) => isTestFile(f.filename)).length,
    codeTouched: files.filter((f) => isCodeFile(f.filename) && !isDependencyManifest(f.filename)).length,
    subsystems,
    newSubsystems: subsystems.filter((s) => (input.authorSubsystemCommits[s] ?? 0) === 0),
    sampled: { files: sampledFiles, of: files.length },
  };
}

export interface ComputeOptions {
  sensitivePaths?: string[];
  /** History is looked up for at most this many files (the largest changes): 1 API call each. Default 20. */
  maxHistoryFiles?: number;
  /** Subsystems whose author experience is looked up: 1 API call each. Default 10. */
  maxSubsystems?: number;
  now?: Date;
  /** Files already fetched by the caller (saves the listPullFiles pages). */
  files?: PullFile[];
  /** The PR's commits, when the caller already has them. */
  commits?: CommitData[];
  /** Labels and the issue's title/type: what says whether this is a bug fix (the PR title is always read). */
  intent?: Omit<FixIntentInput, 'title'>;
}

function toHistory(c: CommitData): HistoryCommit {
  return {
    sha: c.sha,
    author: c.author?.login ?? c.commit.author?.email ?? c.commit.author?.name ?? 'unknown',
    date: c.commit.author?.date ?? '',
  };
}

/** Run `fn` over items with at most `limit` in flight, keeping the API burst polite. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Gather the metrics of a PR. API calls: files (1 per 100), commits (1), author history (1), one per sampled file
 * (at most `maxHistoryFiles`, the most-changed first) and one per subsystem (at most `maxSubsystems`).
 */
export async function computeMetrics(
  port: GitHubPort,
  pr: PullData,
  opts: ComputeOptions = {},
): Promise<ChangeMetrics> {
  const maxFiles = opts.maxHistoryFiles ?? 20;
  const maxSubs = opts.maxSubsystems ?? 10;
  const author = pr.user.login;
  const [files, commits] = await Promise.all([
    opts.files ? Promise.resolve(opts.files) : port.listPullFiles(pr.number),
    opts.commits ? Promise.resolve(opts.commits) : port.listPullCommits(pr.number),
  ]);
  const sampled = [...files]
    .filter((f) => f.status !== 'added') // a new file has no history
    .sort((a, b) => b.changes - a.changes || a.filename.localeCompare(b.filename))
    .slice(0, maxFiles);
  const subsystems = [...new Set(files.map((f) => subsystemOf(f.filename)))].sort().slice(0, maxSubs);

  const [histories, authorCommits, subCounts] = await Promise.all([
    mapLimit(sampled, 4, (f) => port.listCommits({ path: f.filename, sha: pr.base.ref, per_page: 100 })),
    port.listCommits({ author, sha: pr.base.ref, per_page: 100 }),
    mapLimit(subsystems, 4, (s) =>
      s === '.'
        ? Promise.resolve([] as CommitData[])
        : port.listCommits({ author, path: s, sha: pr.base.ref, per_page: 100 }),
    ),
  ]);
  const fileHistory: Record<string, HistoryCommit[]> = {};
  sampled.forEach((f, i) => (fileHistory[f.filename] = (histories[i] ?? []).map(toHistory)));
  const authorSubsystemCommits: Record<string, number> = {};
  // Top-level files have no subsystem directory to query: the author's overall history stands in.
  subsystems.forEach(
    (s, i) => (authorSubsystemCommits[s] = s === '.' ? authorCommits.length : (subCounts[i] ?? []).length),
  );

  return metricsFromData({
    title: pr.title,
    body: pr.body,
    author,
    files,
    commitMessages: commits.map((c) => c.commit.message),
    fileHistory,
    authorCommits: authorCommits.map(toHistory),
    authorSubsystemCommits,
    ownShas: commits.map((c) => c.sha),
    now: opts.now ?? new Date(),
    sensitivePaths: opts.sensitivePaths,
    intent: { ...opts.intent, title: pr.title },
  });
}
