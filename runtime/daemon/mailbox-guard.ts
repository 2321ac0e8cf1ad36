/**
 * A mailbox folder (outbox, inbox, sent, done) that is a link or not a directory is never
 * listed, taken from or written through: a handler can replace its own mailbox folder, and a
 * link into the org would let it move the config or the secrets. Said loudly (stderr and an
 * operator alert) once per folder and fault, not once per look: a handler flipping its folder
 * between a link and a folder is said again only after REALERT_MS (it raised 2,491 alerts in
 * 25 s when every repair reset the record). Checked again every time, so a repaired folder
 * works again at once.
 */
import { mailboxProblem } from '../../workspaces/contain.js';
import type { Layout } from '../../workspaces/layout.js';
import { operatorAlert, type SystemMessage } from '../../bus/system-mail.js';
import type { Logger } from '../logger.js';

export interface MailboxGuardDeps {
  layout: Layout;
  logger: Logger;
  now: () => string;
  /** The log position, so the same folder going bad again later is said again. */
  lastSeq: () => number;
  /** Stage, commit and deliver a message from mailroom. */
  send: (m: SystemMessage) => void;
}

/** The same folder with the same fault is alerted at most once per hour. */
export const REALERT_MS = 60 * 60 * 1000;

export class MailboxGuard {
  /** Folder + fault -> when it was last said (ms). */
  private readonly said = new Map<string, number>();

  constructor(private readonly deps: MailboxGuardDeps) {}

  /** Is this folder unusable (a link, not a directory)? */
  isBad(dir: string): boolean {
    const problem = mailboxProblem(dir);
    if (!problem) return false;
    const key = `${dir}\0${problem.includes('symbolic link') ? 'link' : 'not a folder'}`; // not the link's target: a flipping link changes it
    const now = Date.parse(this.deps.now());
    const last = this.said.get(key);
    if (last === undefined || now - last >= REALERT_MS) {
      this.said.set(key, now);
      this.alert(this.deps.layout.rel(dir), problem);
    }
    return true;
  }

  private alert(rel: string, problem: string): void {
    this.deps.logger.warn(
      `${rel} is not a real folder (${problem}); mailroom neither takes from nor delivers through it until it is one again`,
    );
    const body = [
      `${problem}.`,
      '',
      `mailroom never lists, takes from or writes through such a folder: a handler can replace its own mailbox folder, and a link into the org would let it move the config or the secrets. Nothing is taken from or delivered to \`${rel}\` until it is a real folder again:`,
      '',
      '```',
      `rm ${rel} && mkdir -m 700 ${rel}`,
      '```',
      '',
      'Mail for it waits in the log and is delivered at the next scan after that.',
    ].join('\n');
    this.deps.send(
      operatorAlert(
        'bad-mailbox',
        [rel, String(this.deps.lastSeq())],
        `${rel} is not a real folder`,
        body,
        this.deps.now(),
      ),
    );
  }
}
