// Operating-system errors a newcomer meets on the command line, turned into a sentence with the fix. Anything else is
// left to the caller (bin/baton.js prints the message; the stack only with BATON_DEBUG).

interface SysError {
  code?: string;
  port?: number;
  address?: string;
  syscall?: string;
  path?: string;
}

/** The fix for a known system error, or undefined when the error is not one we can explain. */
export function friendlyError(err: unknown): string | undefined {
  const e = (err ?? {}) as SysError;
  if (e.code === 'EADDRINUSE')
    return `port ${e.port ?? '?'} is already in use${e.address ? ` on ${e.address}` : ''} — stop what is listening there, or choose another port with PORT=8080 (or PORT=0 for any free port)`;
  if (e.code === 'EACCES' && e.syscall === 'listen')
    return `not allowed to listen on port ${e.port ?? '?'} — ports below 1024 need privileges; use PORT=3000 or higher`;
  if (e.code === 'EADDRNOTAVAIL')
    return `cannot listen on ${e.address ?? 'that address'} — set HOST to an address of this machine (e.g. 127.0.0.1 or 0.0.0.0)`;
  return undefined;
}
