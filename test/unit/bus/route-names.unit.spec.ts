/**
 * A name in `to:` is looked up as an own key only: `constructor`, `__proto__`, `toString` are
 * unknown names like any other, rejected with the usual bounce, never a TypeError that
 * strands the message in the spool.
 */
import { describe, expect, it } from 'vitest';
import { Rejection } from '../../../bus/rejection.js';
import { route, type Directory } from '../../../bus/route.js';
import { parseConfigText } from '../../../runtime/config/load.js';
import { decide } from '../../../runtime/decide/accept.js';
import { emptyBoard } from '../../../board/fold.js';

const BUILT_IN = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', 'isPrototypeOf'];
/** A directory of plain objects, as a caller other than the config might build it. */
const PLAIN: Directory = { agents: { maya: {}, legal: {} }, groups: { leads: ['maya', 'legal'] } };
const config = parseConfigText('agents:\n  maya: {}\n  legal: {}\ngroups:\n  leads: [maya, legal]\n', 'mailroom.yaml');

function rejection(f: () => unknown): Rejection {
  try {
    f();
  } catch (err) {
    if (err instanceof Rejection) return err;
    throw err;
  }
  throw new Error('no rejection');
}

describe('route: built-in names are unknown recipients', () => {
  it.each(BUILT_IN)('to: %s is rejected as unknown, for plain and checked directories', (name) => {
    for (const dir of [PLAIN, config]) {
      const r = rejection(() => route([name], 'maya', dir));
      expect(r.message).toBe(
        `to: ${JSON.stringify(name)} is not an agent or group of this org, so the whole message was rejected`,
      );
      expect(r.fix).toMatch(/^Use one of the agents \(.*legal.*\), a group \(leads\), or "\*"\.$/);
    }
  });

  it('known names still route', () => {
    expect(route(['leads'], 'maya', PLAIN)).toEqual(['legal']);
    expect(route(['legal', 'operator'], 'maya', config)).toEqual(['legal', 'operator']);
  });

  it.each(BUILT_IN)('decide: a message to %s is a Rejection, not a crash', (name) => {
    const bytes = new TextEncoder().encode(`---\nto: ${JSON.stringify(name)}\n---\nhi\n`);
    const r = rejection(() =>
      decide(
        { bytes, sender: 'maya', source: 'outbox', origin: 'x.md' },
        { config, board: emptyBoard(), threads: new Map(), maxHops: 3 },
        'm00000000001',
        '2026-11-30T00:00:00.000Z',
      ),
    );
    expect(r.message).toMatch(/^to: /);
  });
});
