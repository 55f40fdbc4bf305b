// An invalid flow.yml on the default branch is reported once per broken version, as an issue that says how to fix
// it and whether runs continue on the last good version.
import type { GitHubPort } from './port.js';

/** The report's title names the broken blob, so whether it was reported can be read back from GitHub. */
export function configProblemTitle(sha: string): string {
  return `Baton: .github/flow.yml is invalid (${sha.slice(0, 7)})`;
}

export async function reportConfigProblem(
  port: GitHubPort,
  p: { sha: string; text: string; lastGoodInUse: boolean },
): Promise<void> {
  await port.createIssue(
    configProblemTitle(p.sha),
    [
      `The \`.github/flow.yml\` on the default branch (blob ${p.sha.slice(0, 7)}) does not validate:`,
      '',
      '```',
      p.text,
      '```',
      '',
      p.lastGoodInUse
        ? 'Runs in flight keep using the last valid version until this is fixed.'
        : 'No valid version is known yet, so Baton is not starting runs in this repository.',
      'Fix the file (check it with `npx baton validate .github/flow.yml`). Baton reports each broken version once.',
    ].join('\n'),
  );
}

/** The card's one-line note while the default branch's flow.yml is broken. */
export function configProblemNote(sha: string): string {
  return `\`.github/flow.yml\` at ${sha.slice(0, 7)} is invalid; the last good version is in use. Run \`npx baton validate\`.`;
}
