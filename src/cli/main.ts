// `baton <command>`: a thin dispatcher. Each command lives in its own module and is loaded only when used, so a
// quick `baton validate` does not pay for Probot, the store or the LLM SDKs.
import { processIo, type CliIo } from './io.js';

type Command = (argv: string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  start: {
    summary: 'run Baton (the GitHub App with credentials; the sandbox demo without)',
    load: async () => (await import('./start.js')).runStart,
  },
  sandbox: {
    summary: 'play the demo in the local GitHub sandbox (--once: exit when done; --history 90d: generate a history)',
    load: async () => (await import('./sandbox.js')).runSandbox,
  },
  simulate: {
    summary: 'replay a scenario against your flow.yml in the sandbox: simulate <scenario.yml> [--flow path]',
    load: async () => (await import('./simulate.js')).runSimulate,
  },
  validate: {
    summary: 'check a flow.yml: validate [path]',
    load: async () => (await import('./validate.js')).runValidate,
  },
  risk: {
    summary: 'score change metrics offline: risk --metrics FILE',
    load: async () => (await import('./risk.js')).runRisk,
  },
  costs: {
    summary: 'LLM spend from the ledger: costs [--since 30d] [--by model|task|repo]',
    load: async () => (await import('./costs.js')).runCosts as Command,
  },
  jobs: {
    summary: 'pending and dead-lettered jobs: jobs [retry <id>]',
    load: async () => (await import('./jobs.js')).runJobs as Command,
  },
  report: {
    summary: 'workflow KPIs: report [--repo o/r] [--since 30d] [--format table|md|json|csv]',
    load: async () => (await import('./report.js')).runReport as Command,
  },
  digest: {
    summary: 'the Workflow Wins digest: digest --dry-run [--repo o/r]',
    load: async () => (await import('./digest.js')).runDigest as Command,
  },
};

export function usage(): string {
  const w = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return [
    'usage: baton <command> [options]',
    '',
    ...Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(w)}  ${c.summary}`),
  ].join('\n');
}

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    io.err(`baton: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return (await cmd.load())(rest, io);
}
