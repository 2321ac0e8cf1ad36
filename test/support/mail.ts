/**
 * Mailboxes as tests read them: delivered copies, their front matter, their ids.
 */
import fs from 'node:fs';
import { parseInboxName } from '../../bus/names.js';
import type { Org } from './org.js';

export interface Mail {
  box: string;
  name: string;
  text: string;
}

/** Non-dot regular files in the given boxes of an agent, with their text. Missing files (moved meanwhile) are skipped. */
export function readMail(o: Org, agent: string, boxes: readonly string[] = ['inbox']): Mail[] {
  const out: Mail[] = [];
  for (const box of boxes) {
    for (const name of o.ls('workspaces', agent, box)) {
      const p = o.p('workspaces', agent, box, name);
      let text: string;
      try {
        if (!fs.lstatSync(p).isFile()) continue;
        text = fs.readFileSync(p, 'utf8');
      } catch {
        continue;
      }
      out.push({ box, name, text });
    }
  }
  return out;
}

/** A front matter value of a delivered copy (top-level `key: value` lines only). */
export function fm(text: string, key: string): string | undefined {
  const end = text.indexOf('\n---', 4);
  const head = text.slice(0, end < 0 ? undefined : end);
  const m = new RegExp(`^${key}: (.*)$`, 'm').exec(head);
  return m ? m[1]!.replace(/^"(.*)"$/, '$1') : undefined;
}

/** A delivered copy in an agent's inbox whose name ends with `-<slug>.md`. */
export function inboxFile(o: Org, agent: string, slug: string): string | undefined {
  return o.ls('workspaces', agent, 'inbox').find((n) => n.endsWith(`-${slug}.md`));
}

/** The id in a delivered file's name `<rank>-<priority>-<time>-<id>-<slug>.md`. */
export function idOf(name: string): string {
  const parsed = parseInboxName(name);
  if (!parsed) throw new Error(`${name} is not a canonical inbox name`);
  return parsed.id;
}
