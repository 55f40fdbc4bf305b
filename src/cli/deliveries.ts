// `baton deliveries [--since 24h] [--redeliver] [--json]`: the App's deliveries that never got a successful answer
// (GitHub's delivery log, GET /app/hook/deliveries) and whether Baton has them anyway; `--redeliver` asks GitHub to
// send the ones Baton lacks again (POST /app/hook/deliveries/{id}/attempts). The server's own recovery fetches them
// without being asked (app/recovery.ts); this is the hand tool.
import { parseArgs } from 'node:util';
import type { OctokitLike } from '../github/port.js';
import { AppHooksPort } from '../github/port.js';
import { recoverDeliveries, type RecoveryReport } from '../app/recovery.js';
import { durationMs } from '../flow/duration.js';
import type { CliIo } from './io.js';
import { openAppContext } from './app-context.js';
import type { Env } from '../config/env.js';
import { errorMessage } from '../ops/errors.js';

export async function runDeliveries(argv: string[], io: CliIo, env?: Env): Promise<number> {
  let args: { since?: string; redeliver?: boolean; json?: boolean };
  try {
    args = parseArgs({
      args: argv,
      options: { since: { type: 'string' }, redeliver: { type: 'boolean' }, json: { type: 'boolean' } },
      strict: true,
    }).values;
  } catch (err) {
    io.err(`baton deliveries: ${errorMessage(err)}. Usage: baton deliveries [--since 24h] [--redeliver] [--json]`);
    return 2;
  }
  let sinceMs: number;
  try {
    sinceMs = durationMs(args.since ?? '24h');
  } catch (err) {
    io.err(`baton deliveries: --since: ${errorMessage(err)}`);
    return 2;
  }
  const ctx = await openAppContext('deliveries', env);
  if ('error' in ctx) {
    io.err(ctx.error);
    return 2;
  }
  try {
    io.progress?.("deliveries: reading GitHub's delivery log…");
    const report = await recoverDeliveries(
      {
        store: ctx.stack.store,
        hooks: async () => new AppHooksPort((await ctx.probot.auth()) as unknown as OctokitLike),
        record: async () => 'ignored',
        log: ctx.log,
      },
      { since: new Date(Date.now() - sinceMs), mode: args.redeliver ? 'redeliver' : 'list' },
    );
    io.progress?.('');
    if (!report.ran) {
      io.err('baton deliveries: a Baton replica is recovering deliveries right now; try again in a minute.');
      return 1;
    }
    io.out(args.json ? JSON.stringify(report, null, 2) : formatReport(report, args.since ?? '24h', !!args.redeliver));
    return report.errors ? 1 : 0;
  } catch (err) {
    io.err(
      `baton deliveries: GitHub answered ${(err as { status?: number }).status ?? 'with an error'}: ${errorMessage(err)}`,
    );
    return 1;
  } finally {
    await ctx.close();
  }
}

export function formatReport(r: RecoveryReport, since: string, redeliver: boolean): string {
  const lines = [
    `${r.attemptsListed} delivery attempts in the last ${since}; ${r.failed} deliveries never got a successful answer` +
      ` (${r.alreadyRecorded} of them Baton recorded anyway, ${r.notSubscribed} of events Baton does not read).`,
  ];
  if (!r.missed.length) {
    lines.push('Nothing is missing.');
    return lines.join('\n');
  }
  const head = ['GUID', 'EVENT', 'FIRST ATTEMPT', 'ATTEMPTS', 'LAST STATUS', ...(redeliver ? ['OUTCOME'] : [])];
  const rows = r.missed.map((m) => [
    m.guid,
    `${m.event}${m.action ? `.${m.action}` : ''}`,
    m.deliveredAt,
    String(m.attempts),
    m.lastStatus,
    ...(redeliver ? [m.outcome ?? ''] : []),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  lines.push('', line(head), ...rows.map(line), '');
  lines.push(
    redeliver
      ? `Asked GitHub to redeliver ${r.recovered} (${r.errors} failed).`
      : `${r.missed.length} missing. The server recovers them on its own within minutes; --redeliver asks GitHub now.`,
  );
  return lines.join('\n');
}
