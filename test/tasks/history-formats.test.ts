// Public JIT datasets as published: CSV with their own column names (ApacheJIT, Kamei et al.'s data as Yang et al.
// publish it) read the same as Baton's JSON lines, and a broken file says where.
import { readFileSync } from 'node:fs';
import { parseMetricsLines } from '../../src/tasks/risk/history.js';

const jsonl = readFileSync(new URL('../fixtures/public-jit/sample-2017-2018.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Record<string, number | string>);

/** The sample as ApacheJIT's apachejit_total.csv names and writes it (True/False flags, unix seconds). */
function asApacheJit(rows: typeof jsonl): string {
  const head = 'commit_id,project,buggy,fix,year,author_date,la,ld,nf,nd,ns,ent,ndev,age,nuc,aexp,arexp,asexp';
  const flag = (x: unknown) => (x ? 'True' : 'False');
  const lines = rows.map((r) =>
    [
      r.commit,
      `apache/${r.project}`,
      flag(r.contains_bug),
      flag(r.fix),
      new Date(Number(r.author_date_unix_timestamp) * 1000).getUTCFullYear(),
      r.author_date_unix_timestamp,
      r.la,
      r.ld,
      r.nf,
      r.nd,
      r.ns,
      r.entrophy,
      r.ndev,
      r.age,
      r.nuc,
      r.exp,
      r.rexp,
      r.sexp,
    ].join(','),
  );
  return [head, ...lines].join('\n');
}

test('an ApacheJIT CSV reads as the same changes as the JSON lines it came from', () => {
  const fromJson = parseMetricsLines(jsonl.map((r) => JSON.stringify(r)).join('\n'));
  const fromCsv = parseMetricsLines(asApacheJit(jsonl));
  expect(fromCsv.errors).toEqual([]);
  expect(fromCsv.convention).toBe(fromJson.convention);
  expect(fromCsv.rows).toHaveLength(500);
  expect(fromCsv.rows.map((r) => [r.metrics, r.buggy, r.at])).toEqual(
    fromJson.rows.map((r) => [r.metrics, r.buggy, r.at]),
  );
  // CSV line numbers count the header: the first change is on line 2.
  expect(fromCsv.rows[0]!.line).toBe(2);
});

test("Kamei et al.'s column names (nm, npt, pd, bug, commitdate) are read as nd, nuc, age, the label and the time", () => {
  const csv = [
    'transactionid,commitdate,ns,nm,nf,entropy,la,ld,lt,fix,ndev,pd,npt,exp,rexp,sexp,bug',
    '1,2003/01/05 10:00,1,2,3,0.5,40,4,900,1,5,12.5,7,30,4.5,10,1',
    '2,2003/01/06 11:30,1,1,1,0,2,0,50,0,1,100,1,300,20,200,0',
  ].join('\r\n');
  const parsed = parseMetricsLines(csv);
  expect(parsed.errors).toEqual([]);
  expect(parsed.convention).toBe('kamei');
  expect(parsed.rows[0]).toMatchObject({
    line: 2,
    buggy: true,
    at: Date.parse('2003/01/05 10:00'),
    metrics: { la: 40, ld: 4, nf: 3, nd: 2, ns: 1, entropy: 0.5, fix: true, ndev: 5, age: 12.5, nuc: 7, exp: 30 },
  });
  expect(parsed.rows[1]).toMatchObject({ buggy: false, metrics: { nd: 1, nuc: 1, fix: false } });
});

test('bad rows and a broken CSV are reported with their line, and good rows are kept', () => {
  const csv = 'la,ld,nf,buggy\n10,2,1,TRUE\n-3,0,1,False\n5,1,x,0\n';
  const parsed = parseMetricsLines(csv);
  expect(parsed.rows.map((r) => [r.line, r.buggy])).toEqual([[2, true]]);
  expect(parsed.errors.map((e) => e.line)).toEqual([3, 4]);
  expect(parsed.errors[0]!.message).toMatch(/^la: must be 0 or more/);
  const broken = parseMetricsLines('la,ld,nf\n1,2,3\n4,"5,6\n');
  expect(broken.errors).toHaveLength(1);
  expect(broken.errors[0]!.message).toMatch(/not valid CSV .*JSON lines or CSV with a header row/);
});
