import { durationMs, normalizeFlow, normalizeRole } from '../../src/flow/normalize.js';
import { RISK_DEFAULTS } from '../../src/tasks/risk/config-schema.js';

describe('normalize', () => {
  it('converts durations', () => {
    expect(durationMs('30m')).toBe(30 * 60_000);
    expect(durationMs('4h')).toBe(4 * 3_600_000);
    expect(durationMs('2d')).toBe(2 * 86_400_000);
    expect(durationMs('1w')).toBe(7 * 86_400_000);
    expect(() => durationMs('2 days')).toThrow(/whole number followed by m, h, d or w/);
  });

  it('splits role members into users and teams, dropping @ and duplicates', () => {
    expect(normalizeRole('@alice')).toEqual({ users: ['alice'], teams: [] });
    expect(normalizeRole(['bob', 'acme/web', '@bob', 'renovate[bot]'])).toEqual({
      users: ['bob', 'renovate[bot]'],
      teams: ['acme/web'],
    });
  });

  it('applies defaults', () => {
    const flow = normalizeFlow(
      {
        version: 1,
        trigger: 'flow:x',
        roles: { dev: ['alice', 'acme/devs'] },
        stages: [
          { id: 'a', owner: 'dev', sla: '1h', on: [{ event: 'pr.merged', to: 'b' }] },
          { id: 'b', name: 'B stage', on: [{ event: 'issue.reopened', to: 'a' }] },
          { id: 'c' },
        ],
      },
      ['flow.yml'],
    );
    expect(flow.name).toBe('flow:x');
    expect(flow.roles).toEqual({ dev: { users: ['alice'], teams: ['acme/devs'] } });
    expect(flow.stages.map((s) => [s.id, s.name, s.final, s.slaMs])).toEqual([
      ['a', 'a', false, 3_600_000],
      ['b', 'B stage', false, undefined],
      ['c', 'c', true, undefined],
    ]);
    expect(flow.stages[2]!.enter).toEqual([]);
    expect(flow.stages[2]!.on).toEqual([]);
    expect('owner' in flow.stages[1]!).toBe(false);
    expect(flow.risk).toEqual(RISK_DEFAULTS);
    expect(flow.sources).toEqual(['flow.yml']);
  });

  it('keeps an explicit final: false on the last stage', () => {
    const flow = normalizeFlow({ version: 1, trigger: 't', name: 'n', stages: [{ id: 'a', final: false }] }, []);
    expect(flow.stages[0]!.final).toBe(false);
    expect(flow.name).toBe('n');
  });
});
