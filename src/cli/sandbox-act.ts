// `baton sandbox act --as bob comment 12 "/baton status"`: do what one of the sandbox's people would, through the
// running sandbox's REST API with that person's token, so Baton sees a human sender (not its own bot) and answers
// as it would on GitHub. Reads the session file the running sandbox wrote (src/sandbox/session.ts).
import { Octokit } from '@octokit/rest';
import type { CliIo } from './io.js';
import type { Config, Env } from '../config/env.js';
import { commandConfig } from './config.js';
import { readSession, type SandboxSession } from '../sandbox/session.js';
import { errorMessage } from '../ops/errors.js';

export const ACT_USAGE = `usage: baton sandbox act --as LOGIN [--repo owner/name] <action> <number> [arguments]

Acts as one of the sandbox's people on the running sandbox (\`npm start\` or \`npx baton sandbox\` in another
terminal, same BATON_DATA_DIR), through its REST API with that person's token:
  comment N "text"                          comment on issue or PR N (e.g. "/baton status")
  label N NAME [NAME…]    unlabel N NAME    add or remove labels
  review N approve|request-changes|comment ["text"]   review pull request N
  merge N                                   merge pull request N
  close N    reopen N                       close or reopen issue or PR N

examples:
  npx baton sandbox act --as bob comment 1 "/baton status"
  npx baton sandbox act --as carol review 2 request-changes "Please cap the discount"
  npx baton sandbox act --as erin comment 1 "/baton advance"     # a read-only outsider: Baton refuses`;

type Call = (gh: Octokit, repo: { owner: string; repo: string }) => Promise<string>;

/** The action's REST call and what to say when it worked; a string is a usage problem. */
export function parseAction(words: string[]): Call | string {
  const [verb, n, ...rest] = words;
  if (!verb) return 'give an action: comment, label, unlabel, review, merge, close or reopen';
  const number = Number(n);
  if (!/^\d+$/.test(n ?? '') || number < 1) return `${verb}: give the issue or pull request number (got "${n ?? ''}")`;
  const issue = { issue_number: number };
  switch (verb) {
    case 'comment': {
      const body = rest.join(' ');
      if (!body.trim()) return 'comment: give the text, e.g. comment 1 "/baton status"';
      return async (gh, r) => {
        const c = await gh.rest.issues.createComment({ ...r, ...issue, body });
        return `commented on #${number} (comment ${c.data.id})`;
      };
    }
    case 'label':
      if (!rest.length) return 'label: give one or more label names';
      return async (gh, r) => {
        await gh.rest.issues.addLabels({ ...r, ...issue, labels: rest });
        return `labelled #${number} ${rest.join(', ')}`;
      };
    case 'unlabel':
      if (rest.length !== 1) return 'unlabel: give one label name';
      return async (gh, r) => {
        await gh.rest.issues.removeLabel({ ...r, ...issue, name: rest[0]! });
        return `removed label ${rest[0]} from #${number}`;
      };
    case 'review': {
      const events = { approve: 'APPROVE', 'request-changes': 'REQUEST_CHANGES', comment: 'COMMENT' } as const;
      const event = events[(rest[0] ?? '') as keyof typeof events];
      if (!event) return 'review: give approve, request-changes or comment';
      const body = rest.slice(1).join(' ');
      return async (gh, r) => {
        await gh.rest.pulls.createReview({ ...r, pull_number: number, event, ...(body ? { body } : {}) });
        return `reviewed #${number}: ${rest[0]}`;
      };
    }
    case 'merge':
      return async (gh, r) => {
        const m = await gh.rest.pulls.merge({ ...r, pull_number: number });
        return `merged #${number} (${m.data.sha?.slice(0, 7)})`;
      };
    case 'close':
    case 'reopen':
      return async (gh, r) => {
        await gh.rest.issues.update({ ...r, ...issue, state: verb === 'close' ? 'closed' : 'open' });
        return `${verb === 'close' ? 'closed' : 'reopened'} #${number}`;
      };
    default:
      return `unknown action "${verb}": comment, label, unlabel, review, merge, close or reopen`;
  }
}

export async function runSandboxAct(
  argv: string[],
  io: CliIo,
  env?: Env,
  loaded?: Config,
  session?: SandboxSession,
): Promise<number> {
  let as: string | undefined;
  let repoName: string | undefined;
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    if (x === '--help' || x === '-h') {
      io.out(ACT_USAGE);
      return 0;
    }
    if (x === '--as') as = argv[++i];
    else if (x === '--repo') repoName = argv[++i];
    else words.push(x);
  }
  const fail = (msg: string, code = 2) => {
    io.err(`baton sandbox act: ${msg}`);
    return code;
  };
  if (!as) return fail(`say who acts: --as LOGIN\n${ACT_USAGE}`);
  const call = parseAction(words);
  if (typeof call === 'string') return fail(`${call}\n${ACT_USAGE}`);
  let s: SandboxSession | string;
  if (session) s = session;
  else {
    const config = loaded ?? commandConfig('sandbox act', env);
    if ('error' in config) {
      io.err(config.error);
      return 2;
    }
    s = readSession(config.store.dataDir);
  }
  if (typeof s === 'string') return fail(s, 1);
  const token = s.tokens[as] ?? s.tokens[as.toLowerCase()];
  if (!token) return fail(`the sandbox has no person "${as}" (people: ${Object.keys(s.tokens).join(', ')})`);
  const full = repoName ?? s.repo;
  const [owner, repo] = full.split('/');
  if (!owner || !repo) return fail(`--repo takes owner/name (got "${full}")`);
  const gh = new Octokit({ baseUrl: s.url, auth: token, log: { debug() {}, info() {}, warn() {}, error() {} } });
  try {
    const said = await call(gh, { owner, repo });
    const n = words[1];
    io.out(`${as} ${said} in ${full}. Watch Baton answer: ${s.viewUrl}/${owner}/${repo}/issues/${n}`);
    return 0;
  } catch (e) {
    const status = (e as { status?: number }).status;
    if (status) return fail(`the sandbox answered ${status}: ${errorMessage(e)}`, 1);
    return fail(`no sandbox answers at ${s.url} (${errorMessage(e)}): is it still running?`, 1);
  }
}
