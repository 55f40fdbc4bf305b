#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so `npx baton` works right after `npm ci` with no build step.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src/cli/main.ts');
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  // Operator errors carry their fix in the message; the stack only with BATON_DEBUG.
  console.error(`baton: ${process.env.BATON_DEBUG ? (err?.stack ?? err) : (err?.message ?? err)}`);
  // Servers started before the failure (the sandbox) must not keep a failed command alive.
  process.exit(1);
}
