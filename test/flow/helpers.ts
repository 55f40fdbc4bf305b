// Shared fixture access for the flow tests.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BaseRef } from '../../src/flow/index.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/flows/', import.meta.url));

export function fixture(rel: string): string {
  return readFileSync(`${FIXTURES}${rel}`, 'utf8');
}

/** A fetchBase over a directory of fixtures: `owner/repo:<path>` reads `<dir>/<path>` (or a mapped name). */
export function fixtureFetchBase(dir: string, map: Record<string, string> = {}) {
  const calls: BaseRef[] = [];
  const fetchBase = async (ref: BaseRef) => {
    calls.push(ref);
    try {
      return { text: fixture(`${dir}/${map[ref.path] ?? ref.path}`), path: ref.path };
    } catch {
      return undefined;
    }
  };
  return { fetchBase, calls };
}
