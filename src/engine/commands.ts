// The `/baton <command>` registry: one entry per built-in command. It drives the engine's dispatch, the help reply,
// the status card's footer and the README's command table (test/docs/readme.test.ts checks the README against it).
import { uniq } from './owners.js';
import { MAX_ASSIGNEES, type DecisionScope } from './scope.js';
import type { BatonEvent } from './types.js';
import { closest } from '../flow/suggest.js';
import { humanSpan, utcStamp } from './words.js';

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
  /**
   * Runs with an active run; returns the decision note. `reply` answers with information or a refusal; `ack` reacts
   * 👍 to the command instead, when the card and GitHub already show what it did (a comment would add nothing).
   */
  run(scope: DecisionScope, ev: CommandEvent, reply: (body: string) => void, ack: () => void): string | undefined;
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'status',
    usage: '/baton status',
    summary: 'where the run is and who owns it',
    onCard: true,
    run(s, ev, reply) {
      reply(statusWords(s, ev.at));
      s.touch();
      return 'status';
    },
  },
  {
    name: 'advance',
    usage: '/baton advance [stage]',
    summary: 'move to the next (or the named) stage',
    onCard: true,
    run(s, ev, reply, ack) {
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
      ack();
      return `advanced to ${target.id}`;
    },
  },
  {
    name: 'assign',
    usage: '/baton assign @user',
    summary: 'hand the current stage to someone else',
    onCard: true,
    run(s, ev, reply, ack) {
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
      ack();
      return `assigned ${users.join(',')}`;
    },
  },
  {
    name: 'link',
    usage: '/baton link #n',
    summary: 'tie a pull request to this issue (or, on a PR, this PR to issue #n)',
    details: 'PRs are also linked by closing keywords ("Fixes #12") and branch names (`12-login`)',
    onCard: true,
    run(s, ev, reply, ack) {
      if (!ev.pr) {
        reply('Usage: `/baton link #<pr>` on the issue, or `/baton link #<issue>` on the pull request.');
        return 'link: no pr';
      }
      ack();
      return s.prEvent({ ...ev, type: 'pr.linked', pr: ev.pr, linkedBy: 'command' });
    },
  },
  {
    name: 'retry',
    usage: '/baton retry',
    summary: "re-run the current stage's risk/docs tasks and clear a stuck job",
    onCard: true,
    run(s, _ev, _reply, ack) {
      ack();
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

/** `/baton status` in words: the stage and for how long, who owns it, the PRs and their risk. */
function statusWords(s: DecisionScope, now: string): string {
  const run = s.run;
  const stage = s.stage();
  const i = s.flow.stages.findIndex((x) => x.id === stage.id);
  const owners = run.owners.map((o) => `@\u200b${o}`).join(', ') || 'nobody';
  const since = Date.parse(now) - Date.parse(run.enteredAt);
  // The span people read, the exact entry time on hover.
  const span =
    since >= 60_000
      ? `for <span title="${utcStamp(run.enteredAt)}">${humanSpan(since)}</span>`
      : `since <span title="${utcStamp(run.enteredAt)}">just now</span>`;
  const prs = run.prs.map((p) => {
    const risk = p.risk
      ? `, risk **${p.risk.level}**${p.risk.level === 'high' ? (p.risk.seniorApproved ? ' (senior approved)' : ' (waiting for a senior)') : ''}`
      : '';
    return `#${p.number} ${p.state}${risk}`;
  });
  return [
    `In **${stage.name}** (${i + 1} of ${s.flow.stages.length}) ${span}, owned by ${owners}.`,
    prs.length ? `Pull requests: ${prs.join('; ')}.` : 'No pull request linked yet.',
  ].join(' ');
}

/** Every command word this flow knows: the built-ins and its stages' custom `command:` transitions. */
export function knownCommands(flow: DecisionScope['flow']): string[] {
  const custom = flow.stages.flatMap((st) =>
    st.on.flatMap((t) => (t.event === 'command' && t.command ? [t.command] : [])),
  );
  return [...new Set([...COMMANDS.map((c) => c.name), ...custom])];
}

/** One line for a command that does nothing here: where it works, or the nearest command, and where the list is. */
export function unknownCommandLine(flow: DecisionScope['flow'], word: string, stageName?: string): string {
  const name = `\`/baton ${word.slice(0, 40).replace(/`/g, "'")}\``;
  const where = flow.stages.filter((st) => st.on.some((t) => t.event === 'command' && t.command === word));
  if (where.length && stageName)
    return `${name} does nothing in **${stageName}**: it works in ${where.map((x) => `**${x.name}**`).join(', ')}.`;
  const near = closest(word, knownCommands(flow));
  return near
    ? `${name} is not a command here. Did you mean \`/baton ${near}\`? (\`/baton help\` lists them.)`
    : `${name} is not a command here; \`/baton help\` lists them.`;
}

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
