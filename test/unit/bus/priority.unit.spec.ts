import { describe, expect, it } from 'vitest';
import { PRIORITIES, comparePriority, parsePriority, rankOf } from '../../../bus/priority.js';

describe('the priority enum', () => {
  it('ranks critical first and low last', () => {
    expect(PRIORITIES.map(rankOf)).toEqual([0, 1, 2, 3]);
    expect(['low', 'critical', 'normal', 'high'].sort((a, b) => comparePriority(a as never, b as never))).toEqual([
      'critical',
      'high',
      'normal',
      'low',
    ]);
  });
  it('defaults to normal and names the allowed values when it refuses', () => {
    expect(parsePriority(undefined, 'priority')).toBe('normal');
    expect(() => parsePriority('urgent', 'stuck_after')).toThrow(
      'stuck_after: unknown priority "urgent"; allowed values: critical, high, normal, low',
    );
    expect(() => parsePriority('P1', 'priority')).toThrow(/allowed values/);
  });
});
