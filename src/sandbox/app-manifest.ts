// The App's manifest (app.yml at the repository root) as the sandbox reads it: the permissions and events GitHub
// grants the installed App. A route needing a permission the manifest does not ask for is refused with GitHub's
// 403 "Resource not accessible by integration"
// (https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api#resource-not-accessible).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export type Access = 'read' | 'write';

export interface AppManifest {
  permissions: Record<string, Access>;
  events: string[];
}

function load(): AppManifest {
  const text = readFileSync(new URL('../../app.yml', import.meta.url), 'utf8');
  const doc = (parse(text) ?? {}) as { default_permissions?: Record<string, Access>; default_events?: string[] };
  return { permissions: { ...(doc.default_permissions ?? {}) }, events: [...(doc.default_events ?? [])] };
}

export const APP_MANIFEST: AppManifest = load();
