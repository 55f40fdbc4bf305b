// What the store keeps of a webhook payload once its job has finished: every string redacted (tasks/redact), so a
// secret pasted into a PR body is not kept on disk for the retention period.
import { redactDeep } from '../tasks/redact/redact.js';

/** The redacted JSON text of a stored payload, or undefined when there is nothing to change. */
export function redactPayloadText(json: string | null): string | undefined {
  if (!json || json === 'null') return undefined;
  try {
    const text = JSON.stringify(redactDeep(JSON.parse(json)));
    return text === json ? undefined : text;
  } catch {
    return 'null'; // unreadable: keep nothing rather than raw bytes
  }
}
