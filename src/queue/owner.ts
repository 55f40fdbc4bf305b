// Who holds a lease: `host:pid:random`, one per queue instance. A process restarted on the same host (a crash, a
// deploy, a container restart) can tell its dead predecessor's leases from a live replica's and take them back at
// once, instead of waiting a whole lease for them to expire: nobody can renew them any more.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/** Owners created in this process: alive as long as it is (tests and embedders may run several queues in one). */
const mine = new Set<string>();

export function newOwner(): string {
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  mine.add(owner);
  return owner;
}

/** Whether a process with this pid exists on this host (EPERM: it exists but is someone else's). */
function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A lease owner that is an earlier, dead run on this host: same host, and its pid is gone — or is ours but was not
 * created by this process (a container restarted with the same pid: two live processes cannot share a pid).
 */
export function deadPredecessor(owner: string, self: string): boolean {
  const [host, pid] = owner.split(':');
  const [myHost] = self.split(':');
  if (mine.has(owner) || !host || host !== myHost || !pid) return false;
  if (Number(pid) === process.pid) return true;
  return !processAlive(Number(pid));
}
