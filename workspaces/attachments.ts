/**
 * Attachments: paths relative to the sender's workspace, a hostile tree (workspaces/hostile-fs.ts).
 *
 * Keeping (at acceptance, before the message is logged): each file is opened once
 * (`O_NOFOLLOW|O_NONBLOCK`), where the descriptor really points must lie inside the sender's
 * workspace, it must be a regular file, and it is copied from that descriptor into
 * bus/attachments/<id>/ (read-only, 0444). The bytes really read count against
 * max_attachment_bytes, and zeros are not written, so a sparse file stays sparse. One bad path
 * and nothing of the message is kept.
 *
 * Delivering (before the message itself appears in an inbox): the kept file is hard-linked into
 * each recipient's inbox/attachments/<id>/ (one copy on disk for every recipient; a copy only
 * when the inbox is on another filesystem), through directory descriptors, so a link planted
 * where `attachments/` or `<id>/` belongs is refused, never written through.
 */
import fs from 'node:fs';
import path from 'node:path';
import { attachmentName } from '../bus/message.js';
import { Rejection } from '../bus/rejection.js';
import { Dir, Refused, openInside } from './hostile-fs.js';
import { copyFromFd, linkOrCopy } from './hostile-write.js';
import type { Layout } from './layout.js';

function refusal(sender: string, rel: string, err: Refused, maxBytes: number): Rejection {
  switch (err.kind) {
    case 'missing':
      return new Rejection(
        `attachments: ${rel} does not exist in ${sender}'s workspace`,
        `Put the file at workspaces/${sender}/${rel} before sending, or correct the path.`,
      );
    case 'link':
      return new Rejection(
        `attachments: ${rel} was replaced by a symbolic link while mailroom was reading it`,
        'Attach the file itself, and do not change it until the message is delivered.',
      );
    case 'outside':
      return new Rejection(
        `attachments: ${rel} resolves outside ${sender}'s workspace (a symlink or ..); an attachment must be the sender's own file`,
        `Copy the file into workspaces/${sender}/ and attach it from there.`,
      );
    case 'too-large':
      return new Rejection(
        `attachments: ${rel} is over max_attachment_bytes (${maxBytes} bytes)`,
        'Send a smaller file, or raise max_attachment_bytes in mailroom.yaml.',
      );
    case 'unreadable':
      return new Rejection(
        `attachments: ${rel} cannot be read by the daemon (${err.message})`,
        'Make it readable (chmod u+r) and send the message again.',
      );
    default:
      return new Rejection(
        `attachments: ${rel} is not a regular file (${err.message})`,
        'Attach files, not directories, links or devices.',
      );
  }
}

/** Check and keep a message's attachments in bus/attachments/<id>/. Throws Rejection naming the file and what is wrong. */
export function keepAttachments(
  layout: Layout,
  sender: string,
  id: string,
  paths: readonly string[],
  maxBytes: number,
): void {
  const ws = fs.realpathSync(layout.workspace(sender));
  const opened: Array<{ fd: number; rel: string; name: string }> = [];
  const kept = path.join(layout.attachments, id);
  try {
    for (const rel of paths) {
      const name = attachmentName(rel);
      if (opened.some((o) => o.name === name))
        throw new Rejection(`attachments: two attachments are named ${name}`, 'Give each attached file its own name.');
      try {
        opened.push({ fd: openInside(ws, rel).fd, rel, name });
      } catch (err) {
        if (err instanceof Refused) throw refusal(sender, rel, err, maxBytes);
        throw err;
      }
    }
    fs.rmSync(kept, { recursive: true, force: true }); // a repeat after a crash starts afresh (a trusted tree)
    fs.mkdirSync(kept, { recursive: true, mode: 0o700 });
    Dir.with(kept, kept, (dir) => {
      for (const o of opened) {
        try {
          copyFromFd(o.fd, dir, o.name, maxBytes, 0o444);
        } catch (err) {
          if (err instanceof Refused) throw refusal(sender, o.rel, err, maxBytes);
          throw err;
        }
      }
    });
  } catch (err) {
    fs.rmSync(kept, { recursive: true, force: true });
    throw err;
  } finally {
    for (const o of opened) fs.closeSync(o.fd);
  }
}

/** Link a message's kept attachments into a recipient's inbox/attachments/<id>/ (idempotent). */
export function deliverAttachments(layout: Layout, recipient: string, id: string, paths: readonly string[]): void {
  const inbox = layout.inbox(recipient);
  const from = path.join(layout.attachments, id);
  Dir.with(from, from, (kept) =>
    Dir.with(inbox, inbox, (box) => {
      const all = box.sub('attachments');
      try {
        const to = all.sub(id);
        try {
          for (const rel of paths) linkOrCopy(kept, to, attachmentName(rel));
        } finally {
          to.close();
        }
      } finally {
        all.close();
      }
    }),
  );
}
