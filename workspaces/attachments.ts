/**
 * Attachments: paths relative to the sender's workspace. Each must resolve (realpath, so a
 * symlink cannot escape) to a regular file inside that workspace. Accepted files are copied
 * to bus/attachments/<id>/ before the message is logged, and from there to each recipient's
 * inbox/attachments/<id>/ before the message itself appears in the inbox.
 */
import fs from 'node:fs';
import path from 'node:path';
import { attachmentName } from '../bus/message.js';
import { Rejection } from '../bus/rejection.js';
import type { Layout } from './layout.js';
import { assertMailbox } from './contain.js';

/** Check and keep a message's attachments. Throws Rejection naming the file and what is wrong. */
export function keepAttachments(layout: Layout, sender: string, id: string, paths: readonly string[], maxBytes: number): void {
  const ws = fs.realpathSync(layout.workspace(sender));
  const checked: Array<{ from: string; name: string }> = [];
  for (const rel of paths) {
    let real: string;
    try {
      real = fs.realpathSync(path.resolve(ws, rel));
    } catch {
      throw new Rejection(`attachments: ${rel} does not exist in ${sender}'s workspace`, `Put the file at workspaces/${sender}/${rel} before sending, or correct the path.`);
    }
    if (!real.startsWith(ws + path.sep)) {
      throw new Rejection(`attachments: ${rel} resolves outside ${sender}'s workspace (a symlink or ..); an attachment must be the sender's own file`, `Copy the file into workspaces/${sender}/ and attach it from there.`);
    }
    const st = fs.statSync(real);
    if (!st.isFile()) throw new Rejection(`attachments: ${rel} is not a regular file`, 'Attach files, not directories or devices.');
    if (st.size > maxBytes) throw new Rejection(`attachments: ${rel} is ${st.size} bytes, over max_attachment_bytes (${maxBytes})`, 'Send a smaller file, or raise max_attachment_bytes in mailroom.yaml.');
    checked.push({ from: real, name: attachmentName(rel) });
  }
  const dir = path.join(layout.attachments, id);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const c of checked) fs.copyFileSync(c.from, path.join(dir, c.name));
}

/** Copy a message's kept attachments into a recipient's inbox/attachments/<id>/ (idempotent). */
export function deliverAttachments(layout: Layout, recipient: string, id: string, paths: readonly string[]): void {
  const to = layout.inboxAttachments(recipient, id);
  assertMailbox(path.dirname(to)); // inbox/attachments/ must not lead elsewhere
  fs.mkdirSync(to, { recursive: true, mode: 0o700 });
  for (const rel of paths) {
    const name = attachmentName(rel);
    fs.copyFileSync(path.join(layout.attachments, id, name), path.join(to, name));
  }
}
