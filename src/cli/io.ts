// What every CLI command writes to: injected so commands are testable without capturing process streams.
export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Progress of a long command ("step 3/8"): a line rewritten in place on a terminal, nothing when piped. */
  progress?: (s: string) => void;
}

export const processIo: CliIo = {
  out: (s) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`),
  err: (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
  progress: (s) => {
    if (!process.stderr.isTTY) return;
    // An empty string clears the line once the work is done.
    process.stderr.write(`\r\x1b[2K${s}`);
  },
};
