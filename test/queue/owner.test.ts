// Telling a dead earlier run's leases from a live consumer's: only the former are taken back without waiting.
import { hostname } from 'node:os';
import { deadPredecessor, newOwner } from '../../src/queue/owner.js';

describe('deadPredecessor', () => {
  const self = newOwner();
  it("is true for this host's leases whose process is gone, or that carry our pid but are not this process's", () => {
    expect(deadPredecessor(`${hostname()}:4194305:old`, self)).toBe(true); // above Linux's default pid_max
    expect(deadPredecessor(`${hostname()}:${process.pid}:before`, self)).toBe(true);
  });
  it('is false for our own lease, another live queue of this process, a live process, and other hosts', () => {
    expect(deadPredecessor(self, self)).toBe(false);
    expect(deadPredecessor(newOwner(), self)).toBe(false);
    expect(deadPredecessor(`${hostname()}:${process.ppid}:live`, self)).toBe(false);
    expect(deadPredecessor('elsewhere:4194305:old', self)).toBe(false);
    expect(deadPredecessor('garbage', self)).toBe(false);
  });
});
