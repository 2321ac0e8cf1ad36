import { describe, expect, it } from 'vitest';
import type { Task } from '../../../board/fold.js';
import { columns } from '../../../runtime/serve/model.js';

const task = (
  id: string,
  status: Task['status'],
  priority: Task['priority'],
  created: string,
  extra: Record<string, unknown> = {},
): Task => ({
  id,
  title: id,
  status,
  owner: null,
  creator: 'maya',
  priority,
  created: `2026-11-30T${created}Z`,
  updated: `2026-11-30T${created}Z`,
  recipients: ['legal'],
  message: `M-${id}`,
  ...extra,
});

describe('columns', () => {
  it('has one column per status, most urgent first, then oldest', () => {
    const c = columns([
      task('T-1', 'open', 'low', '09:00:00'),
      task('T-2', 'open', 'critical', '10:00:00'),
      task('T-3', 'done', 'normal', '09:00:00'),
      task('T-4', 'open', 'critical', '09:30:00'),
    ]);
    expect(c.map((x) => x.status)).toEqual(['open', 'in_progress', 'blocked', 'done', 'cancelled']);
    expect(c[0]!.tasks.map((t) => t.id)).toEqual(['T-4', 'T-2', 'T-1']);
    expect(c[3]!.tasks.map((t) => t.id)).toEqual(['T-3']);
    expect(c[0]!.tasks[0]!.score).toBeNull();
  });

  it('orders by score, highest first, when the board has one', () => {
    const c = columns([
      task('T-1', 'open', 'critical', '09:00:00', { score: 2 }),
      task('T-2', 'open', 'low', '09:00:00', { score: 9 }),
    ]);
    expect(c[0]!.tasks.map((t) => [t.id, t.score])).toEqual([
      ['T-2', 9],
      ['T-1', 2],
    ]);
  });
});

describe('columns of finished tasks', () => {
  it('show the latest finished first, and count the rest', () => {
    const done = Array.from({ length: 25 }, (_, i) =>
      task(`T-${i + 1}`, 'done', 'normal', `09:${String(i).padStart(2, '0')}:00`),
    );
    const c = columns(done)[3]!;
    expect(c.tasks).toHaveLength(20);
    expect(c.tasks[0]!.id).toBe('T-25');
    expect(c.more).toBe(5);
  });
});
