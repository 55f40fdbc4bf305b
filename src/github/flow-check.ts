// A PR that changes `.github/flow.yml` gets a check run with the validation result, annotated at line:column, so a
// broken flow is caught in review rather than on the default branch.
import { summarizeFlow } from '../flow/index.js';
import { writeCheckRun } from './checks.js';
import { type FlowConfigs, formatProblems } from './config.js';
import type { CheckAnnotation, GitHubPort } from './port.js';

export const FLOW_CHECK = 'Baton / flow.yml';

export async function checkFlowFile(
  port: GitHubPort,
  flows: FlowConfigs,
  c: { pr: number; headSha: string },
): Promise<void> {
  const path = flows.path;
  const files = await port.listPullFiles(c.pr);
  if (!files.some((f) => f.filename === path)) return;
  const file = await port.getFile(path, c.headSha);
  let conclusion: 'success' | 'failure' = 'success';
  let title: string;
  let summary: string;
  const annotations: CheckAnnotation[] = [];
  if (!file) {
    title = 'flow.yml removed';
    summary = 'This PR deletes `.github/flow.yml`: Baton will stop starting runs in this repository once it merges.';
  } else {
    const parsed = await flows.parse(port, file.text);
    // Problems located in a remote base file cannot be annotated on this PR's diff; they are in the summary.
    for (const p of parsed.problems.filter((x) => x.path === path))
      annotations.push({
        path,
        start_line: p.line,
        end_line: p.line,
        ...(p.col ? { start_column: p.col, end_column: p.col } : {}),
        annotation_level: p.severity === 'error' ? 'failure' : 'warning',
        message: p.message,
        title: 'Baton flow.yml',
      });
    const errors = parsed.problems.filter((p) => p.severity === 'error').length;
    if (errors || !parsed.flow) {
      conclusion = 'failure';
      title = `${errors} problem${errors === 1 ? '' : 's'} in flow.yml`;
      summary = `\`\`\`\n${formatProblems(parsed.problems)}\n\`\`\`\nRun \`npx baton validate\` locally to check before pushing.`;
    } else {
      title = 'flow.yml is valid';
      summary = summarizeFlow(parsed.flow);
    }
  }
  await writeCheckRun(port, { name: FLOW_CHECK, sha: c.headSha, conclusion, title, summary, annotations }, 'always');
}
