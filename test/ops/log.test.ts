import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createLogger, jobLogger, scrubSecrets } from '../../src/ops/log.js';

function capture(): { stream: Writable; lines: () => Array<Record<string, unknown>>; raw: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const raw = () => chunks.join('');
  return {
    stream,
    raw,
    lines: () =>
      raw()
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
  };
}

const PEM = '-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\n-----END RSA PRIVATE KEY-----';

test('createLogger redacts headers, keys, secrets and payload bodies', () => {
  const out = capture();
  const log = createLogger({ level: 'info' }, out.stream);
  log.info(
    {
      req: { headers: { authorization: 'token ghs_abcdefghijklmnopqrstuvwxyz012345', 'x-github-event': 'issues' } },
      privateKey: PEM,
      webhookSecret: 'hunter2',
      config: { apiKey: 'sk-live-abcdefghijklmnopqrstuvwxyz', model: 'gpt-4o-mini' },
      payload: { issue: { body: 'customer data' } },
      err: { message: 'x', request: { headers: { authorization: 'Bearer abc' } }, response: { data: { secret: 1 } } },
      env: { OPENAI_API_KEY: 'sk-abc', GEMINI_API_KEY: 'AIza-x' },
    },
    'handling delivery',
  );
  const raw = out.raw();
  for (const secret of [
    'ghs_abcdefghijklmnopqrstuvwxyz012345',
    'MIIEabc',
    'hunter2',
    'sk-live',
    'customer data',
    'Bearer abc',
    'sk-abc',
    'AIza-x',
  ]) {
    expect(raw).not.toContain(secret);
  }
  const [line] = out.lines();
  expect(line).toMatchObject({
    msg: 'handling delivery',
    req: { headers: { authorization: '[redacted]', 'x-github-event': 'issues' } },
    privateKey: '[redacted]',
    config: { apiKey: '[redacted]', model: 'gpt-4o-mini' },
    payload: '[redacted]',
  });
});

test('createLogger scrubs token shapes out of message strings', () => {
  const out = capture();
  const log = createLogger({}, out.stream);
  log.warn(`request failed with Authorization: Bearer ghs_abcdefghijklmnopqrstuvwxyz0123 and key ${PEM}`);
  const [line] = out.lines();
  expect(line!.msg).toBe('request failed with Authorization: Bearer [redacted] and key [redacted]');
});

test('scrubSecrets handles each provider key shape and leaves ordinary text alone', () => {
  expect(scrubSecrets('openai sk-proj-ABCDEFGHIJKLMNOPQRSTUV done')).toBe('openai [redacted] done');
  expect(scrubSecrets('gemini AIzaSyA1234567890abcdefghijklmnopqrstu')).toBe('gemini [redacted]');
  expect(scrubSecrets('pat github_pat_11ABCDEFG0123456789_abcdefghij')).toBe('pat [redacted]');
  expect(scrubSecrets('moved acme/web#12 from build to review')).toBe('moved acme/web#12 from build to review');
});

test('jobLogger tags every line with the delivery and redacts even under a plain parent logger', () => {
  const out = capture();
  const parent = pino({ level: 'info' }, out.stream); // like Probot's own logger: no Baton redaction
  const log = jobLogger(parent, { delivery: 'd-123', event: 'issues', key: 'acme/web#12', attempt: 2 });
  log.info('transition');
  log.child({ step: 'card' }).warn({ headers: { authorization: 'token abc' }, payload: { x: 1 } }, 'retrying');
  const lines = out.lines();
  expect(lines).toHaveLength(2);
  for (const l of lines)
    expect(l).toMatchObject({ delivery: 'd-123', event: 'issues', key: 'acme/web#12', attempt: 2 });
  expect(lines[1]).toMatchObject({ step: 'card', headers: { authorization: '[redacted]' }, payload: '[redacted]' });
  expect(out.raw()).not.toContain('token abc');
});
