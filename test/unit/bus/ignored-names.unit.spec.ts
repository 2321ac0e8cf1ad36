import { describe, expect, it } from 'vitest';
import { IGNORED_NAMES, isIgnoredName, selfCheckNames } from '../../../bus/names.js';

describe('editor and tool droppings are ignored, from one list', () => {
  it.each([
    ['.hidden.md'],
    ['.#draft.md'],
    ['draft.md~'],
    ['#draft.md#'],
    ['.draft.md.swp'],
    ['.draft.md.swx'],
    ['draft.swp'],
    ['4913'],
    ['draft.tmp'],
    ['draft.md.save'],
    ['draft.md.save.1'],
    ['draft.md.part'],
    ['draft.md.crdownload'],
    ['.~lock.report.odt#'],
    ['~$report.docx'],
    ['.syncthing.draft.md.tmp'],
    ['draft.md.kate-swp'],
    ['.DS_Store'],
    ['._draft.md'],
  ])('%s is not mail', (name) => expect(isIgnoredName(name)).toBe(true));

  it.each([
    ['draft.md'],
    ['notes.txt'],
    ['tmp.md'],
    ['swp'],
    ['save.md'],
    ['how-to.save.money.md'],
    ['partner.md'],
    ['49130'],
    ['re-4913.md'],
  ])('%s is mail', (name) => expect(isIgnoredName(name)).toBe(false));

  it('documents every entry, and no generated inbox name is ignored', () => {
    for (const [glob, why] of IGNORED_NAMES) expect(why.length, glob).toBeGreaterThan(5);
    expect(selfCheckNames('2026-11-24T00:00:00.000Z')).toEqual([]);
  });
});
