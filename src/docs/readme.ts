// README sections generated from their source of truth (`npm run schema` writes them; test/docs/readme.test.ts fails
// when one drifts). Each sits between `<!-- NAME:start -->` and `<!-- NAME:end -->`.
import { envTable } from '../config/env.js';
import { commandsTable } from '../engine/commands.js';

export const GENERATED_SECTIONS: Record<string, () => string> = {
  commands: commandsTable,
  env: envTable,
};

export function embedSection(readme: string, name: string, body: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const a = readme.indexOf(start);
  const b = readme.indexOf(end);
  if (a < 0 || b < a) throw new Error(`README.md needs the markers ${start} and ${end} where the ${name} table goes`);
  return `${readme.slice(0, a + start.length)}\n${body.trim()}\n${readme.slice(b)}`;
}

/** The README with every generated section rewritten. */
export function embedGenerated(readme: string): string {
  let out = readme;
  for (const [name, body] of Object.entries(GENERATED_SECTIONS)) out = embedSection(out, name, body());
  return out;
}
