// Bundle entry: run one event and exit with its status (the runner marks the step failed on a non-zero exit).
import { main } from './main.js';

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stdout.write(`::error title=Baton::${String((err as Error)?.stack ?? err).replace(/\n/g, '%0A')}\n`);
    process.exitCode = 1;
  },
);
