// File contents for the demo scenario (`@generated:<name>` in a scenario's files). Realistic enough for the risk
// scorer to have something to chew on: a sensitive auth change, a migration and a few hundred lines of new code.
const discountRules = (capped: boolean) => {
  const lines = [
    "import { total } from '../cart.js';",
    '',
    'export interface Line { sku: string; price: number; qty: number }',
    '',
    '/** 10% off a line from 10 items on. */',
    'export function lineDiscount(line: Line): number {',
    '  if (line.qty < 10) return 0;',
    capped ? '  return Math.min(line.price * line.qty * 0.1, 500);' : '  return line.price * line.qty * 0.1;',
    '}',
    '',
  ];
  for (let i = 0; i < 60; i++) {
    lines.push(
      `export function tier${i}(lines: Line[]): number {`,
      `  const eligible = lines.filter((l) => l.qty >= ${10 + i});`,
      `  const base = total(eligible.map((l) => ({ price: l.price, qty: l.qty })));`,
      `  return base * ${(0.001 * (i + 1)).toFixed(3)};`,
      '}',
      '',
    );
  }
  return lines.join('\n');
};

export const DEMO_FILES: Record<string, () => string> = {
  cart: () =>
    "import { lineDiscount } from './pricing/discounts.js';\n\nexport function total(items: { price: number; qty?: number }[]): number {\n  return items.reduce((n, i) => n + i.price * (i.qty ?? 1) - lineDiscount({ sku: '', price: i.price, qty: i.qty ?? 1 }), 0);\n}\n",
  session: () =>
    'export const SESSION_TTL = 7200;\nexport const CHECKOUT_GRACE = 900;\n\nexport function expired(at: number, now: number, checkout = false): boolean {\n  return now - at > SESSION_TTL + (checkout ? CHECKOUT_GRACE : 0);\n}\n',
  migration: () =>
    'ALTER TABLE orders ADD COLUMN discount_cents integer NOT NULL DEFAULT 0;\nCREATE INDEX orders_discount_idx ON orders (discount_cents);\n',
  discounts: () => discountRules(false),
  'discounts-capped': () => discountRules(true),
  'discounts-test': () =>
    "import { lineDiscount } from '../../src/pricing/discounts.js';\n\ntest('10% from 10 items', () => {\n  expect(lineDiscount({ sku: 'a', price: 10, qty: 10 })).toBe(10);\n});\n\ntest('capped', () => {\n  expect(lineDiscount({ sku: 'a', price: 1000, qty: 100 })).toBe(500);\n});\n",
};

export function expandContent(text: string): string {
  const m = /^@generated:([a-z-]+)$/.exec(text.trim());
  if (!m) return text;
  const gen = DEMO_FILES[m[1]!];
  if (!gen) throw new Error(`unknown generated content "${m[1]}" (known: ${Object.keys(DEMO_FILES).join(', ')})`);
  return gen();
}
