// `baton <command>`: a thin dispatcher. Each command lives in its own module and is loaded only when used, so a
// quick `baton validate` does not pay for Probot, the store or the LLM SDKs.
import { friendlyError } from './errors.js';
import { processIo, type CliIo } from './io.js';

type Command = (argv: string[], io: CliIo) => Promise<number>;

interface CommandEntry {
  summary: string;
  /** What `baton <command> --help` prints: usage, options and examples. Answered here, before the module loads, so
   * `--help` can never have side effects (`start --help` must not start anything). */
  help?: string;
  load: () => Promise<Command>;
}

const STORE_NOTE = 'Reads the same store as the server: BATON_DATA_DIR (default .baton) or DATABASE_URL.';

const COMMANDS: Record<string, CommandEntry> = {
  start: {
    summary: 'run Baton (the GitHub App with credentials; the sandbox demo without)',
    help: `usage: baton start

Runs the GitHub App when APP_ID, PRIVATE_KEY (or PRIVATE_KEY_PATH) and WEBHOOK_SECRET are set; with none of them
it starts the built-in sandbox and plays the demo (the same as \`baton sandbox\`).
Listens on HOST:PORT (default 0.0.0.0:3000; the sandbox on 127.0.0.1). SIGTERM finishes in-flight jobs and exits 0.

examples:
  npx baton start                      # no credentials: the sandbox demo on http://localhost:3000/baton
  PORT=8080 npx baton start            # another port
  APP_ID=123 PRIVATE_KEY_PATH=key.pem WEBHOOK_SECRET=s npx baton start`,
    load: async () => (await import('./start.js')).runStart,
  },
  sandbox: {
    summary: 'play the demo in the local GitHub sandbox (--once: exit when done; --history 90d: generate a history)',
    help: `usage: baton sandbox [--once] [--history 90d [--runs N]] [--port N]
       baton sandbox act --as LOGIN <action> <number> [arguments]   (see baton sandbox act --help)

Starts a local GitHub (REST API + signed webhooks + a read-only web view at /view) and Baton against it, plays the
demo from label to merge and prints the timeline, then keeps serving the dashboard until Ctrl-C. Meanwhile
\`baton sandbox act\` acts as one of its people (comment, label, review, merge) from another terminal.
  --once          exit when the demo is over: 0 when it reached its final stage, 1 otherwise
  --history 90d   play months of runs with realistic timings into the store (for report, digest, dashboard)
  --runs N        with --history: how many runs (default: about three a day)
  --port N        Baton's port (default $PORT, else 3000; 0 = any free port)

examples:
  npx baton sandbox --once
  npx baton sandbox --history 90d && npx baton report
  npx baton sandbox act --as bob comment 1 "/baton status"
  PORT=0 npx baton sandbox`,
    load: async () => (await import('./sandbox.js')).runSandbox,
  },
  simulate: {
    summary:
      'replay a scenario against your flow.yml in the sandbox: simulate <scenario.yml> [--flow path] [--org-flow path]',
    help: `usage: baton simulate <scenario.yml> [--flow .github/flow.yml] [--org-flow PATH] [--base-dir DIR]

Plays a scenario (an issue and a list of steps, each optionally at a time such as "+2d" or "2026-03-02T09:00Z")
against your flow in a throwaway sandbox whose clock follows the steps, so SLA nudges happen as they would.
Prints a dated timeline; exit 0 when the run ends where \`expect:\` says (default: the final stage).
The scenario format and the sandbox's people are described in the README ("Simulating a flow").
  --flow PATH      the flow to try (default .github/flow.yml; with --org-flow it may be missing: the repository
                   then runs the org flow, as a repository without its own flow.yml does)
  --org-flow PATH  the org flow (the org's .github repository's .github/flow.yml): resolves \`extends: org\`
  --base-dir DIR   resolve \`extends: owner/repo:path@ref\` from DIR/owner/repo/path instead of GitHub

examples:
  npx baton simulate src/sandbox/scenarios/demo.yml --flow src/sandbox/scenarios/demo-flow.yml
  npx baton simulate scenario.yml --flow .github/flow.yml
  npx baton simulate scenario.yml --flow .github/flow.yml --org-flow ../.github/.github/flow.yml`,
    load: async () => (await import('./simulate.js')).runSimulate,
  },
  validate: {
    summary: 'check a flow.yml: validate [path]',
    help: `usage: baton validate [path] [--json] [--base-dir DIR]

Checks a flow.yml offline and prints every problem at once as path:line:col: severity: message; exit 1 on any error.
  path             default .github/flow.yml
  --json           machine-readable result
  --base-dir DIR   resolve \`extends: owner/repo:path@ref\` from DIR/owner/repo/path, so overrides and loops are
                   checked before you push (without it a remote base is reported as not checked)

examples:
  npx baton validate
  npx baton validate .github/flow.yml --json
  npx baton validate .github/flow.yml --base-dir ../org-flows`,
    load: async () => (await import('./validate.js')).runValidate,
  },
  action: {
    summary: 'run one event the way the GitHub Action does: action --event-name NAME --event-path FILE',
    help: `usage: baton action --event-name NAME --event-path FILE

Runs one event through Baton's GitHub Action entry, as a workflow job would (see README "Baton on Actions").
With GITHUB_TOKEN and GITHUB_REPOSITORY set it acts on that repository (GITHUB_API_URL for Enterprise Server);
without them, on a sandbox seeded with the demo repository acme/web: the issue the payload names is created
first, then the job runs and its summary and the card are printed. Nothing is left running.
  --event-name NAME   GITHUB_EVENT_NAME: issues, issue_comment, pull_request_target, pull_request_review,
                      workflow_run, schedule, ...
  --event-path FILE   the event payload (a webhook body)

examples:
  npx baton action --event-name issues --event-path labeled.json
  GITHUB_TOKEN=$(gh auth token) GITHUB_REPOSITORY=acme/web npx baton action --event-name schedule --event-path cron.json`,
    load: async () => (await import('./action.js')).runActionCli,
  },
  risk: {
    summary: 'score change metrics offline: risk --metrics FILE; fit and eval a model: risk fit|eval --history FILE',
    help: `usage: baton risk --metrics FILE [--convention kamei|commit-guru] [--model FILE] [--medium 0.4] [--high 0.7]
       baton risk fit --history FILE [--out .github/baton-risk-model.json] [--l2 1] [--test-share 0.3]
       baton risk eval --history FILE [--model FILE] [--high-share 0.1] [--test-share 0.3]

--metrics scores JSON lines of change metrics ({la, ld, nf, ...}, \`-\` reads stdin): one {score, level, reasons}
per line. Metric conventions: Kamei et al. integers (default when every value is an integer) or Commit Guru /
PyDriller floats (ndev, nuc, age, sexp averaged over files, entropy not normalised); --convention forces one.
fit trains a regularised logistic regression on log-transformed metrics from a labelled history (JSON lines with
\`buggy\` (0/1) and \`at\` (commit time)), validated on the newest share of rows, and writes a model file that
\`risk.model:\` in flow.yml points to. eval prints AUC, recall and precision at the share flagged high, and the
lines-added-only AUC on the same rows.

examples:
  npx baton risk --metrics changes.jsonl
  npx baton risk fit --history history.jsonl --out .github/baton-risk-model.json
  npx baton risk eval --history history.jsonl --model .github/baton-risk-model.json`,
    load: async () => (await import('./risk.js')).runRisk,
  },
  deliveries: {
    summary: 'webhook deliveries GitHub could not deliver: deliveries [--since 24h] [--redeliver]',
    help: `usage: baton deliveries [--since 24h] [--redeliver] [--json]

Lists the App's webhook deliveries of the period that never got a successful answer (GitHub's delivery log) and
whether Baton has them anyway. The server recovers missing ones by itself on start and every 5 minutes
(BATON_RECOVERY_INTERVAL_MS); --redeliver asks GitHub to send the missing ones again now.
Needs APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH). ${STORE_NOTE}

examples:
  npx baton deliveries
  npx baton deliveries --since 3d
  npx baton deliveries --since 6h --redeliver`,
    load: async () => (await import('./deliveries.js')).runDeliveries,
  },
  reconcile: {
    summary: 'find and queue transitions no event told Baton about: reconcile [--repo o/r] [--dry-run]',
    help: `usage: baton reconcile [--repo owner/repo] [--dry-run] [--json]

Reads every open run's card against GitHub (labels, linked PRs, reviews on the head, checks) and queues the
transitions it missed for the server to apply; --dry-run only lists them. The server sweeps by itself on start and
every 10 minutes (BATON_RECONCILE_INTERVAL_MS). Needs APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH). ${STORE_NOTE}

examples:
  npx baton reconcile --dry-run
  npx baton reconcile --repo acme/web`,
    load: async () => (await import('./reconcile.js')).runReconcile,
  },
  costs: {
    summary: 'LLM spend from the ledger: costs [--since 30d] [--by model|task|repo]',
    help: `usage: baton costs [--since 30d|YYYY-MM-DD] [--by model|task|repo] [--json]

LLM spend from the ledger: calls, cache hits, failures, offline answers, tokens, dollars and $ per 1k tokens.
${STORE_NOTE}

examples:
  npx baton costs
  npx baton costs --since 7d --by task
  npx baton costs --since 2026-01-01 --json`,
    load: async () => (await import('./costs.js')).runCosts as Command,
  },
  jobs: {
    summary: 'pending and dead-lettered jobs: jobs [retry <id>]',
    help: `usage: baton jobs [--json] [--limit N] [--data-dir DIR] [--database-url URL]
       baton jobs retry <id>

Lists pending and dead-lettered jobs with their age and last error; \`retry\` makes a dead job pending again.
${STORE_NOTE}

examples:
  npx baton jobs
  npx baton jobs retry 3f2a9c`,
    load: async () => (await import('./jobs.js')).runJobs as Command,
  },
  report: {
    summary: 'workflow KPIs: report [--repo o/r] [--since 30d] [--format table|md|json|csv] [--baseline]',
    help: `usage: baton report [--repo owner/repo] [--since 30d] [--format table|md|json|csv] [--defect-window 30d]
                    [--baseline [--months 3] [--budget 20]] [--data-dir DIR] [--database-url URL]

Workflow KPIs for the period against the one before: runs, cycle time, hand-offs, bounce-backs, defect escapes and
defect density (per 1,000 changed lines), flow compliance (share of merged PRs a run carried), high-risk changes,
AI spend, time in each stage (in flow order). One table when there is one repo and one flow; per-repo and per-flow
tables when there are several.

--baseline adds before/after adoption: the cycle time of issues closed by merged PRs in the --months before Baton's
first run in the repo against the months since, read from GitHub's issue search as the App (APP_ID and PRIVATE_KEY
as for baton start), at most --budget search requests; it says when the budget cut the sample.
${STORE_NOTE}

examples:
  npx baton report
  npx baton report --repo acme/web --since 90d --format md
  npx baton report --format csv > kpis.csv
  npx baton report --repo acme/web --baseline --months 6 --budget 40`,
    load: async () => (await import('./report.js')).runReport as Command,
  },
  tokens: {
    summary: 'partner API tokens: tokens create|list|revoke',
    help: `usage: baton tokens create --name NAME --repo owner/repo --can SCOPES [--flow NAME]... [--expires 90d] [--json]
       baton tokens list [--json]
       baton tokens revoke <id|name>

Partner teams call Baton's HTTP API (/api/v1) with a bearer token. A token is printed once; the store keeps only its
hash. It reaches one repository, the flows named with --flow (default: every flow of the repository) and the scopes
in --can: create (start runs), read (runs and their timeline), comment, cancel, webhooks (register callbacks).
${STORE_NOTE}

examples:
  npx baton tokens create --name support --repo acme/web --flow feature --can create,read,comment --expires 90d
  npx baton tokens list
  npx baton tokens revoke support`,
    load: async () => (await import('./tokens.js')).runTokens as Command,
  },
  audit: {
    summary: 'what partner API tokens did: audit [--since 7d] [--token NAME]',
    help: `usage: baton audit [--since 7d] [--token id|name] [--json]

Every partner API call (token, route, status, target run, client address), newest last. Entries older than 90 days
are pruned. ${STORE_NOTE}

examples:
  npx baton audit
  npx baton audit --since 30d --token support --json`,
    load: async () => (await import('./tokens.js')).runAudit as Command,
  },
  digest: {
    summary: 'the Workflow Wins digest: digest --dry-run [--repo o/r]',
    help: `usage: baton digest --dry-run [--repo owner/repo] [--weeks 8] [--data-dir DIR] [--database-url URL]

Prints the Workflow Wins digest the app would post for the last complete ISO week (Monday to Sunday, UTC): what got
better and what got worse against the week before, time in stage, a chart of the last --weeks weeks, fastest runs,
risks caught and AI spend. Nothing is posted.
${STORE_NOTE}

examples:
  npx baton digest --dry-run
  npx baton digest --dry-run --repo acme/web --weeks 12`,
    load: async () => (await import('./digest.js')).runDigest as Command,
  },
};

export function usage(): string {
  const w = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return [
    'usage: baton <command> [options]   (baton <command> --help for its options and examples)',
    '',
    ...Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(w)}  ${c.summary}`),
  ].join('\n');
}

/** The text `baton <name> --help` prints. */
export function commandHelp(name: string): string | undefined {
  const c = COMMANDS[name];
  return c && (c.help ?? `usage: baton ${name} [options]\n\n${c.summary}`);
}

const isHelp = (a: string) => a === '--help' || a === '-h';

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || isHelp(name) || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic && COMMANDS[topic]) io.out(commandHelp(topic)!);
    else io.out(usage());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    io.err(`baton: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  // Options after `--` belong to the command, never to us.
  const end = rest.indexOf('--');
  if ((end < 0 ? rest : rest.slice(0, end)).some(isHelp)) {
    io.out(commandHelp(name)!);
    return 0;
  }
  try {
    return await (await cmd.load())(rest, io);
  } catch (err) {
    const friendly = friendlyError(err);
    if (!friendly) throw err;
    io.err(`baton ${name}: ${friendly}`);
    return 1;
  }
}
