// Loads the planted-secret corpus (test/fixtures/secrets): each fixture file with the FAKE secrets planted in it.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CorpusItem } from '../../src/tasks/redact/redact.js';

export const SECRETS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'secrets');

export interface Planted {
  file: string;
  kind: string;
  secret: string;
}

export function loadCorpus(dir = SECRETS_DIR): { items: Array<CorpusItem & { file: string }>; planted: Planted[] } {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { secrets: Planted[] };
  const byFile = new Map<string, string[]>();
  for (const p of manifest.secrets) byFile.set(p.file, [...(byFile.get(p.file) ?? []), p.secret]);
  const items = [...byFile].map(([file, secrets]) => ({ file, text: readFileSync(join(dir, file), 'utf8'), secrets }));
  return { items, planted: manifest.secrets };
}
