// The `/baton <command>` registry: one entry per built-in command. It drives the engine's dispatch, the help reply,
// the status card's footer and the README's command table (test/docs/readme.test.ts checks the README against it).
import { uniq } from './owners.js';
import { MAX_ASSIGNEES, type DecisionScope } from './scope.js';
import type { BatonEvent } from './types.js';

export type CommandEvent = Extract<BatonEvent, { type: 'command' }>;

export interface CommandSpec {
  name: string;
  /** How it is written, e.g. `/baton advance [stage]`. */
  usage: string;
  /** One line for the help reply and the README. */
  summary: string;
  /** More for the README only. */
  details?: string;
  /** Listed in the status card's footer. */
  onCard: boolean;
  /** Runs with an active run; returns the decision note. */
  run(scope: DecisionScope, ev: CommandEvent, reply: (body: string) => void): string | undefined;
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'status',
    usage: '/baton status',
    summary: 'where the run is and who owns it',
    onCard: true,
    run(s, ev, reply) {
      const stage = s.stage();
      reply(
        `**${stage.name}** since ${ev.at === s.run.enteredAt ? 'now' : s.run.enteredAt}, owned by ${s.run.owners.map((o) => `@\u200b${o}`).join(', ') || 'nobody'}. The status card above has the full timeline.`,
      );
      s.touch();
      return 'status';
    },
  },
  {
    name: 'advance',
    usage: '/baton advance [stage]',
    summary: 'move to the next (or the named) stage',
    onCard: true,
    run(s, ev, reply) {
      const run = s.run;
      const want = ev.args[0]?.replace(/^baton:/, '');
      const cur = s.flow.stages.findIndex((x) => x.id === run.stage);
      const target = want ? s.flow.stages.find((x) => x.id === want) : s.flow.stages[cur + 1];
      if (!target) {
        reply(
          want
            ? `There is no stage \`${want}\` in this flow. Stages: ${s.flow.stages.map((x) => `\`${x.id}\``).join(', ')}.`
            : `**${s.stage().name}** is the last stage.`,
        );
        return 'advance: no target';
      }
      if (target.id === run.stage) {
        reply(`The run is already in **${target.name}**.`);
        return 'advance: already there';
      }
      s.move(target, 'manual');
      return `advanced to ${target.id}`;
    },
  },
  {
    name: 'assign',
    usage: '/baton assign @user',
    summary: 'hand the current stage to someone else',
    onCard: true,
    run(s, ev, reply) {
      const run = s.run;
      const users = uniq(ev.args.filter((a) => /^@?[A-Za-z0-9-]+$/.test(a)).map((a) => a.replace(/^@/, '')));
      if (!users.length) {
        reply('Usage: `/baton assign @user`.');
        return 'assign: no user';
      }
      const gone = run.owners.filter((u) => !users.includes(u));
      if (gone.length) s.push({ kind: 'unassign', key: s.key('unassign'), issue: run.issue, users: gone });
      s.push({ kind: 'assign', key: s.key('assign'), issue: run.issue, users: users.slice(0, MAX_ASSIGNEES) });
      run.owners = users;
      s.record({
        at: ev.at,
        from: run.stage,
        to: run.stage,
        event: 'command:assign',
        by: ev.actor,
        kind: 'manual',
        owners: users,
      });
      return `assigned ${users.join(',')}`;
    },
  },
  {
    name: 'link',
    usage: '/baton link #n',
    summary: 'tie a pull request to this issue (or, on a PR, this PR to issue #n)',
    details: 'PRs are also linked by closing keywords ("Fixes #12") and branch names (`12-login`)',
    onCard: true,
    run(s, ev, reply) {
      if (!ev.pr) {
        reply('Usage: `/baton link #<pr>` on the issue, or `/baton link #<issue>` on the pull request.');
        return 'link: no pr';
      }
      return s.prEvent({ ...ev, type: 'pr.linked', pr: ev.pr, linkedBy: 'command' });
    },
  },
  {
    name: 'retry',
    usage: '/baton retry',
    summary: "re-run the current stage's risk/docs tasks and clear a stuck job",
    onCard: true,
    run(s) {
      delete s.run.stuck;
      s.touch();
      if (s.stageHas('risk')) s.riskTasks();
      const docs = s.stageHas('docs');
      if (docs) s.docsTasks(docs === true ? undefined : docs);
      return 'retry';
    },
  },
  {
    name: 'help',
    usage: '/baton help',
    summary: 'list these commands',
    onCard: false,
    run(_s, _ev, reply) {
      reply(HELP);
      return 'help';
    },
  },
];

export function command(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** The number in `/baton link #12` (the PR on an issue, the issue on a PR), when it is one. */
export function linkTarget(args: readonly string[]): number | undefined {
  const n = Number(String(args[0] ?? '').replace(/^#/, ''));
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

export const HELP = [
  'Baton commands (write access needed):',
  ...COMMANDS.filter((c) => c.name !== 'help').map((c) => `- \`${c.usage}\` — ${c.summary}`),
].join('\n');

/** The status card's footer line. */
export const CARD_FOOTER = `<sub>Commands: ${COMMANDS.filter((c) => c.onCard)
  .map((c) => `\`${c.usage}\``)
  .join(', ')}.</sub>`;

/** The README's command table (between the commands markers). */
export function commandsTable(): string {
  return [
    '| command | what it does |',
    '|---|---|',
    ...COMMANDS.map((c) => `| \`${c.usage}\` | ${c.summary}${c.details ? `; ${c.details}` : ''} |`),
    '| `/baton <word>` | any custom `command:` transition of the current stage |',
  ].join('\n');
}
