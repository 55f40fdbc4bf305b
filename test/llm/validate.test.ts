import { z } from 'zod';
import { validateAnswer, verifyAnswer } from '../../src/llm/validate.js';

const Level = z.object({ level: z.enum(['low', 'high']) });

describe('validateAnswer', () => {
  it('accepts JSON the schema accepts, also inside a Markdown fence, and says what is wrong otherwise', () => {
    expect(validateAnswer('```json\n{"level":"low"}\n```', Level)).toEqual({ ok: true, data: { level: 'low' } });
    expect(validateAnswer('  ', Level)).toEqual({ ok: false, why: 'empty', detail: 'empty answer' });
    expect(validateAnswer('level: low', Level)).toMatchObject({ ok: false, why: 'malformed-json' });
    expect(validateAnswer('{"level":"mid"}', Level)).toMatchObject({ ok: false, why: 'schema' });
    expect(validateAnswer('free text')).toEqual({ ok: true });
  });
});

describe('verifyAnswer', () => {
  const notLow = ({ data }: { data?: { level: string } }) =>
    data?.level === 'low' ? 'level low disagrees' : undefined;

  it('runs the task’s check on a schema-valid answer only', () => {
    const seen: string[] = [];
    const check = (a: { text: string; data?: { level: string } }) => (seen.push(a.text), notLow(a));
    expect(verifyAnswer({ schema: Level, check }, '{"level":"mid"}')).toMatchObject({ ok: false, why: 'schema' });
    expect(seen).toEqual([]);
    expect(verifyAnswer({ schema: Level, check }, '{"level":"high"}')).toEqual({ ok: true, data: { level: 'high' } });
    expect(verifyAnswer({ schema: Level, check }, '{"level":"low"}')).toEqual({
      ok: false,
      why: 'check',
      detail: 'level low disagrees',
    });
  });

  it('counts a check that throws as a refusal that says so', () => {
    const check = () => {
      throw new Error('no diff');
    };
    expect(verifyAnswer({ schema: Level, check }, '{"level":"high"}')).toEqual({
      ok: false,
      why: 'check',
      detail: 'check failed: no diff',
    });
  });
});
