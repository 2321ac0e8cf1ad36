/**
 * A mailbox folder (outbox, inbox, sent, done) that is a link or not a directory is never
 * listed, taken from or written through: a handler can replace its own mailbox folder, and a
 * link into the org would let it move the config or the secrets. Said once per folder, loudly
 * (stderr and an operator alert); checked again every time, so a repaired folder works again.
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

export class MailboxGuard {
  private readonly said = new Set<string>();

  constructor(private readonly deps: MailboxGuardDeps) {}

  /** Is this folder unusable (a link, not a directory)? */
  isBad(dir: string): boolean {
    const problem = mailboxProblem(dir);
    if (!problem) {
      this.said.delete(dir);
      return false;
    }
    if (!this.said.has(dir)) {
      this.said.add(dir);
      this.alert(this.deps.layout.rel(dir), problem);
    }
    return true;
  }

  private alert(rel: string, problem: string): void {
    this.deps.logger.warn(`${rel} is not a real folder (${problem}); mailroom neither takes from nor delivers through it until it is one again`);
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
    this.deps.send(operatorAlert('bad-mailbox', [rel, String(this.deps.lastSeq())], `${rel} is not a real folder`, body, this.deps.now()));
  }
}
