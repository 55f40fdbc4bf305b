// What the operator should do when the embedded store's file misbehaves: full disk, a file deleted or replaced under
// the running process, a corrupt or foreign file, no permission. SQLite's own messages ("database or disk is full",
// "file is not a database") name neither the file nor a remedy; these do, and readiness reports them.
import { statSync } from 'node:fs';
import { dirname } from 'node:path';

const RECOVER =
  'Baton rebuilds every run from its status card on GitHub, so the store can be started empty; deliveries that were not processed yet can be redelivered from the app\'s "Recent Deliveries" page';

/** An error whose message says which file, what happened and what to do; the original is its `cause`. */
export function explainSqliteError(err: unknown, file: string): Error {
  const e = err as { code?: string; message?: string };
  if ((err as { explained?: boolean })?.explained) return err as Error;
  const code = String(e?.code ?? '');
  const msg = String(e?.message ?? err);
  let text: string | undefined;
  if (code === 'SQLITE_FULL' || /disk is full/i.test(msg))
    text = `the disk holding ${file} is full (${msg}). Free space on that volume (\`df -h ${dirname(file)}\`) or move BATON_DATA_DIR to a larger one; Baton prunes delivered payloads after BATON_PAYLOAD_RETENTION_DAYS and old jobs after BATON_JOB_RETENTION_DAYS (lower them to keep less).`;
  else if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT') || /not a database|malformed/i.test(msg))
    text = `${file} is not a readable Baton database (${msg}): it is corrupt or another program's file. Stop Baton, move it aside (\`mv ${file} ${file}.corrupt\`) and start again. ${RECOVER}.`;
  else if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN' || code === 'EACCES' || code === 'EROFS')
    text = `${file} cannot be opened for writing (${msg}). Check that BATON_DATA_DIR (${dirname(file)}) exists, is writable by the user Baton runs as, and is not on a read-only volume.`;
  else if (code === 'SQLITE_IOERR' || code.startsWith('SQLITE_IOERR'))
    text = `reading or writing ${file} failed (${msg}): check the volume holding BATON_DATA_DIR (${dirname(file)}) for errors.`;
  if (!text) return err instanceof Error ? err : new Error(msg);
  return Object.assign(new Error(`SQLite store: ${text}`, { cause: err }), { code, explained: true });
}

/** The identity of the file a store opened, to notice it being deleted or replaced under the running process. */
export function fileIdentity(file: string): { dev: number; ino: number } | undefined {
  try {
    const s = statSync(file);
    return { dev: s.dev, ino: s.ino };
  } catch {
    return undefined;
  }
}

/** Throws the operator's explanation when the file Baton opened is gone or is no longer the same file. */
export function assertSameFile(file: string, opened: { dev: number; ino: number } | undefined): void {
  if (!opened) return;
  const now = fileIdentity(file);
  if (!now)
    throw Object.assign(
      new Error(
        `SQLite store: ${file} was deleted while Baton was running — what it records now is written to a file no one can open again and is lost at restart. Restore the file, or restart Baton to start a new one (${RECOVER}).`,
      ),
      { explained: true },
    );
  if (now.ino !== opened.ino || now.dev !== opened.dev)
    throw Object.assign(
      new Error(
        `SQLite store: ${file} was replaced while Baton was running (it still writes to the file it opened first). Restart Baton so it opens the new file.`,
      ),
      { explained: true },
    );
}

/** Wrap every async method of a store (and of its job table) so its errors carry the explanation. */
export function explainingErrors<T extends object>(target: T, file: string): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const v = Reflect.get(obj, prop, receiver);
      if (prop === 'jobs' && v && typeof v === 'object') return explainingErrors(v as object, file);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        try {
          const out = (v as (...a: unknown[]) => unknown).apply(obj, args);
          return out instanceof Promise ? out.catch((err) => Promise.reject(explainSqliteError(err, file))) : out;
        } catch (err) {
          throw explainSqliteError(err, file);
        }
      };
    },
  });
}
