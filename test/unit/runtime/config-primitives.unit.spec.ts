import { describe, expect, it } from 'vitest';
import {
  boolean,
  check,
  checkKeys,
  didYouMean,
  duration,
  emptyMap,
  name,
  oneOf,
  readOptions,
  text,
  wholeNumber,
  type Problems,
} from '../../../runtime/config/primitives.js';
import { AGENT_OPTIONS, LANE_OPTIONS, TOP_OPTIONS } from '../../../runtime/config/schema.js';

/** Run one check; return what it read and the problems it added. */
function run<T>(f: (p: Problems) => T): { value: T; problems: Problems } {
  const problems: Problems = [];
  return { value: f(problems), problems };
}

describe('config primitives: each reads a value or says, with the path, what was found and what to write', () => {
  it.each([
    ['a known key', { command: 'x' }, null],
    [
      'a typo, with a suggestion',
      { comand: 'x' },
      'agents.cfo.comand: unknown key "comand" (did you mean "command"?); allowed keys: command, lane, timeout',
    ],
    [
      'an unrelated word, without one',
      { colour: 'x' },
      'agents.cfo.colour: unknown key "colour"; allowed keys: command, lane, timeout',
    ],
  ])('checkKeys: %s', (_what, map, problem) => {
    const r = run((p) => checkKeys(p, map, ['command', 'lane', 'timeout'], 'agents.cfo'));
    expect(r.problems).toEqual(problem ? [problem] : []);
  });

  it('checkKeys at the top level names the key once', () => {
    expect(run((p) => checkKeys(p, { agentz: {} }, ['agents', 'groups'], null)).problems).toEqual([
      'unknown key "agentz" (did you mean "agents"?); allowed keys: agents, groups',
    ]);
  });

  it.each([
    ['comand', ['command', 'lane'], ' (did you mean "command"?)'],
    ['Lane', ['command', 'lane'], ' (did you mean "lane"?)'],
    ['x', ['command', 'lane'], ''],
    ['tim', ['timeout', 'time'], ' (did you mean "time"?)'],
    ['lan', ['lane', 'land'], ''], // two near words: no guess
  ])('didYouMean(%j)', (word, allowed, said) => {
    expect(didYouMean(word, allowed)).toBe(said);
  });

  it.each([
    ['bwrap', 'bwrap', null],
    ['docker', undefined, 'agents.a.sandbox: unknown sandbox "docker"; allowed values: bwrap, none'],
    [3, undefined, 'agents.a.sandbox: unknown sandbox 3; allowed values: bwrap, none'],
    [null, undefined, 'agents.a.sandbox: unknown sandbox null; allowed values: bwrap, none'],
  ])('oneOf(%j)', (value, read, problem) => {
    const r = run((p) => oneOf(p, value, ['bwrap', 'none'], 'sandbox', 'agents.a.sandbox'));
    expect(r.value).toBe(read);
    expect(r.problems).toEqual(problem ? [problem] : []);
  });

  it.each([
    [1, { min: 1 }, 1, null],
    [0, { min: 1 }, undefined, 'x: must be a whole number from 1 up, got 0'],
    [101, { min: 1, max: 100 }, undefined, 'x: must be a whole number from 1 to 100, got 101'],
    [1.5, { min: 1 }, undefined, 'x: must be a whole number from 1 up, got 1.5'],
    ['2', { min: 1 }, undefined, 'x: must be a whole number from 1 up, got "2"'],
    [10, { min: 64, unit: 'bytes' }, undefined, 'x: must be a whole number of bytes from 64 up, got 10'],
    [Number.NaN, { min: 1 }, undefined, 'x: must be a whole number from 1 up, got NaN'],
    [
      Number.POSITIVE_INFINITY,
      { min: 0, hint: 'say so' },
      undefined,
      'x: must be a whole number from 0 up, got Infinity; say so',
    ],
  ])('wholeNumber(%j, %j)', (value, rule, read, problem) => {
    const r = run((p) => wholeNumber(p, value, rule, 'x'));
    expect(r.value).toBe(read);
    expect(r.problems).toEqual(problem ? [problem] : []);
  });

  const UNITS = 'write a number and a unit (ms, s, m, h, d), e.g. 250ms, 30s, 5m, 4h, 1d';
  it.each([
    ['5m', 1, 300_000, null],
    [' 250ms ', 0, 250, null],
    ['0s', 0, 0, null],
    ['0s', 1, undefined, `t: "0s" is not a duration of at least 1ms; ${UNITS}`],
    ['50ms', 100, undefined, `t: "50ms" is not a duration of at least 100ms; ${UNITS}`],
    [600, 10, undefined, `t: 600 is not a duration of at least 10ms; ${UNITS}`],
    ['soon', 0, undefined, `t: "soon" is not a duration; ${UNITS}`],
  ])('duration(%j, min %j)', (value, min, read, problem) => {
    const r = run((p) => duration(p, value, min, 't'));
    expect(r.value).toBe(read);
    expect(r.problems).toEqual(problem ? [problem] : []);
  });

  it.each([
    [true, true, null],
    [false, false, null],
    ['yes', undefined, 'watch: must be true or false, got "yes"'],
  ])('boolean(%j)', (value, read, problem) => {
    const r = run((p) => boolean(p, value, 'watch'));
    expect(r.value).toBe(read);
    expect(r.problems).toEqual(problem ? [problem] : []);
  });

  it.each([
    ['echo hi', true, 'echo hi', null],
    ['  ', true, undefined, 'c: must be a shell command (text), got "  "'],
    ['', false, '', null],
    [3, false, undefined, 'c: must be a shell command (text), got 3'],
  ])('text(%j, nonEmpty %j)', (value, nonEmpty, read, problem) => {
    const r = run((p) => text(p, value, { what: 'a shell command (text)', nonEmpty }, 'c'));
    expect(r.value).toBe(read);
    expect(r.problems).toEqual(problem ? [problem] : []);
  });

  it.each([
    ['legal', 'agent', []],
    ['a-b_9', 'lane', []],
    [
      'Legal',
      'agent',
      ['agents.x: an agent name is lowercase letters, digits, - and _, starting with a letter (at most 40)'],
    ],
    [
      '9lives',
      'group',
      ['agents.x: a group name is lowercase letters, digits, - and _, starting with a letter (at most 40)'],
    ],
    [
      'a'.repeat(41),
      'lane',
      ['agents.x: a lane name is lowercase letters, digits, - and _, starting with a letter (at most 40)'],
    ],
    ['operator', 'agent', ['agents.x: "operator" is reserved (operator, mailroom, all, staging); choose another name']],
    ['all', 'group', ['agents.x: "all" is reserved (operator, mailroom, all, staging); choose another name']],
    ['all', 'lane', []],
    [
      'constructor',
      'agent',
      [
        'agents.x: "constructor" is a name every JavaScript object already has, so mailroom cannot tell it apart; choose another name',
      ],
    ],
    [
      'constructor',
      'lane',
      [
        'agents.x: "constructor" is a name every JavaScript object already has, so mailroom cannot tell it apart; choose another name',
      ],
    ],
    [
      'prototype',
      'group',
      [
        'agents.x: "prototype" is a name every JavaScript object already has, so mailroom cannot tell it apart; choose another name',
      ],
    ],
    [
      '__proto__',
      'agent',
      ['agents.x: an agent name is lowercase letters, digits, - and _, starting with a letter (at most 40)'],
    ],
  ] as const)('name(%j, %s)', (value, noun, problems) => {
    const r = run((p) => name(p, value, noun, 'agents.x'));
    expect(r.problems).toEqual(problems);
    expect(r.value).toBe(problems.length === 0);
  });

  it('check dispatches on the kind of rule', () => {
    expect(run((p) => check(p, '1m', AGENT_OPTIONS.timeout, 't')).value).toBe(60_000);
    expect(run((p) => check(p, 'none', AGENT_OPTIONS.network, 'n')).value).toBe('none');
    expect(run((p) => check(p, 2, LANE_OPTIONS.concurrency, 'c')).value).toBe(2);
    expect(run((p) => check(p, false, TOP_OPTIONS.watch, 'w')).value).toBe(false);
    expect(run((p) => check(p, 'x', AGENT_OPTIONS.command, 'c')).value).toBe('x');
  });

  it('readOptions fills defaults for absent and empty keys, but not for an empty command', () => {
    const r = run((p) => readOptions(p, { timeout: null, max_attempts: 5, command: null }, AGENT_OPTIONS, 'agents.a'));
    expect(r.value).toEqual({ timeout: 600_000, max_attempts: 5, retry_backoff: 5000, command: undefined });
    expect(r.problems).toEqual(['agents.a.command: must be a shell command (text), got null']);
    expect(run((p) => readOptions(p, {}, LANE_OPTIONS, 'lanes.x')).value).toEqual({ concurrency: 1 });
  });

  it('emptyMap has no prototype: built-in names are not in it', () => {
    const m = emptyMap<number>();
    m.a = 1;
    expect(['constructor' in m, 'toString' in m, '__proto__' in m, 'a' in m]).toEqual([false, false, false, true]);
    m['__proto__'] = 2;
    expect(Object.keys(m)).toEqual(['a', '__proto__']);
  });
});
