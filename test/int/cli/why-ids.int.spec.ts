/**
 * `why` takes a whole message id; given a task or a prefix it says what to do instead (`show`
 * takes both), rather than only "no message with id T-1".
 */
import { describe, expect, it } from 'vitest';
import { mailroom } from '../../support/cli.js';
import { makeOrg } from '../../support/org.js';

describe('why with what is not a whole id', () => {
  it('a task points to show T-n; a prefix to show <prefix>', () => {
    const o = makeOrg(['maya', 'legal']);
    const task = mailroom(['why', 'T-1', '--root', o.root]);
    expect(task.code).toBe(1);
    expect(task.stderr).toBe(
      `mailroom: why takes a message id, not a task: \`mailroom show T-1 --root ${o.root}\` lists the task's messages and their ids\n`,
    );
    const prefix = mailroom(['why', 'abcd', '--root', o.root]);
    expect(prefix.code).toBe(1);
    expect(prefix.stderr).toMatch(
      /no message with id abcd in bus\/events\/; why takes a whole id .*`mailroom show <prefix>`/,
    );
  });
});
