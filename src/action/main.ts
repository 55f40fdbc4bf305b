// The action's entry (bundled into dist/index.js by `npm run build:action`): one event from the runner's environment,
// then the job summary, the step outputs, and a workflow command for anything the person reading the run must act on.
// https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands
import { appendFileSync } from 'node:fs';
import { readInputs } from './inputs.js';
import { runAction, type ActionResult } from './run.js';
import { renderOutputs, renderSummary } from './summary.js';
import { errorMessage } from '../ops/errors.js';

/** Workflow-command data escaping (%, CR, LF), so a message cannot end the command early. */
const esc = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

export async function main(env: Record<string, string | undefined> = process.env): Promise<number> {
  let inputs: ReturnType<typeof readInputs>;
  try {
    inputs = readInputs(env);
  } catch (err) {
    process.stdout.write(`::error title=Baton::${esc(errorMessage(err))}\n`);
    return 1;
  }
  // The keys are secrets: tell the runner to mask them in any log line.
  for (const v of [inputs.llm.openai.apiKey, inputs.llm.gemini.apiKey])
    if (v) process.stdout.write(`::add-mask::${v}\n`);
  const r: ActionResult = await runAction(inputs);
  if (r.decidedAtMs !== undefined)
    process.stdout.write(`::debug::baton decided ${r.decidedAtMs} ms after process start\n`);
  const summary = renderSummary(r);
  if (inputs.summaryPath) appendFileSync(inputs.summaryPath, `${summary}\n`);
  else process.stdout.write(`${summary}\n`);
  if (inputs.outputPath) appendFileSync(inputs.outputPath, renderOutputs(r));
  for (const d of r.degraded)
    process.stdout.write(`::warning title=Baton degraded::${esc(`no ${d.permission}: ${d.what}`)}\n`);
  if (r.mode === 'read-only') process.stdout.write(`::notice title=Baton read-only::${esc(r.reason ?? '')}\n`);
  process.stdout.write(
    `baton: ${r.mode} ${r.eventName}: ${r.decisions.map((d) => `${d.issue} ${d.note ?? d.event}`).join('; ') || 'no decision'}; ${r.writes.filter((w) => w.outcome === 'applied').length} writes, ${r.requests} requests\n`,
  );
  if (r.failed) {
    process.stdout.write(`::error title=Baton::${esc(r.failed)}\n`);
    return 1;
  }
  return 0;
}
