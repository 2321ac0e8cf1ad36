/** When the daemon says at start-up that glibc's malloc runs with a moving mmap threshold. */
import { describe, expect, it } from 'vitest';
import { MALLOC_ENV, mallocNote, withMalloc } from '../../../runtime/service/malloc.js';

describe('mallocNote', () => {
  const table: Array<{ name: string; env: Record<string, string>; glibc: string | undefined; says: boolean }> = [
    { name: 'glibc, nothing set', env: {}, glibc: '2.36', says: true },
    {
      name: 'glibc, set as the command sets it',
      env: { [MALLOC_ENV.name]: MALLOC_ENV.value },
      glibc: '2.36',
      says: false,
    },
    { name: 'glibc, set to another value', env: { [MALLOC_ENV.name]: '65536' }, glibc: '2.36', says: false },
    {
      name: 'glibc, set empty (glibc would read 0)',
      env: { [MALLOC_ENV.name]: '' },
      glibc: '2.36',
      says: true,
    },
    {
      name: 'glibc, given as a tunable',
      env: { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=131072' },
      glibc: '2.39',
      says: false,
    },
    {
      name: 'glibc, another tunable only',
      env: { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' },
      glibc: '2.39',
      says: true,
    },
    { name: 'not glibc (musl, macOS)', env: {}, glibc: undefined, says: false },
  ];
  it.each(table)('$name', ({ env, glibc, says }) => {
    const note = mallocNote(env, glibc);
    if (!says) return expect(note).toBeNull();
    expect(note).toContain(`glibc ${glibc}`);
    expect(note).toContain(`${MALLOC_ENV.name}=${MALLOC_ENV.value}`); // how to fix it
  });
});

describe('withMalloc', () => {
  const table: Array<{ given: string | undefined; want: string }> = [
    { given: undefined, want: MALLOC_ENV.value },
    { given: '65536', want: '65536' }, // a value given is kept
    { given: '', want: MALLOC_ENV.value }, // glibc would read an empty one as 0
  ];
  it.each(table)('$given: $want', ({ given, want }) => {
    const env = given === undefined ? { HOME: '/h' } : { HOME: '/h', [MALLOC_ENV.name]: given };
    expect(withMalloc(env)).toEqual({ HOME: '/h', [MALLOC_ENV.name]: want });
  });
});
