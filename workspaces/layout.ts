/**
 * Where everything lives under an org root. The only module that spells these paths.
 */
import path from 'node:path';
import { DRAFTS_DIR } from '../bus/vocabulary.js';

export class Layout {
  readonly root: string;
  constructor(root: string) {
    this.root = path.resolve(root);
  }
  get config() {
    return path.join(this.root, 'mailroom.yaml');
  }
  get workspaces() {
    return path.join(this.root, 'workspaces');
  }
  workspace(agent: string) {
    return path.join(this.workspaces, agent);
  }
  inbox(agent: string) {
    return path.join(this.workspaces, agent, 'inbox');
  }
  outbox(agent: string) {
    return path.join(this.workspaces, agent, 'outbox');
  }
  done(agent: string) {
    return path.join(this.workspaces, agent, 'done');
  }
  sent(agent: string) {
    return path.join(this.workspaces, agent, 'sent');
  }
  /** Never taken by the daemon: write there, `mv` to outbox/ to send (`mailroom compose` does). */
  drafts(agent: string) {
    return path.join(this.workspaces, agent, DRAFTS_DIR);
  }
  brief(agent: string) {
    return path.join(this.workspaces, agent, 'BRIEF.md');
  }
  get bus() {
    return path.join(this.root, 'bus');
  }
  get events() {
    return path.join(this.bus, 'events');
  }
  get spool() {
    return path.join(this.bus, 'spool');
  }
  /** Delivery temp files: hard-linked to inbox copies until `message.delivered` is logged. */
  get staging() {
    return path.join(this.bus, 'staging');
  }
  get deadletter() {
    return path.join(this.bus, 'deadletter');
  }
  /** Attachments of accepted messages, by message id (the log holds the text, this the files). */
  get attachments() {
    return path.join(this.bus, 'attachments');
  }
  inboxAttachments(agent: string, id: string) {
    return path.join(this.inbox(agent), 'attachments', id);
  }
  /** Segments older than the newest snapshot, gzipped by `mailroom compact`. */
  get archive() {
    return path.join(this.bus, 'archive');
  }
  get board() {
    return path.join(this.root, 'board');
  }
  get boardMd() {
    return path.join(this.board, 'BOARD.md');
  }
  get boardJson() {
    return path.join(this.board, 'board.json');
  }
  /** Done and cancelled tasks older than board_done_after, one file a month. */
  get boardArchive() {
    return path.join(this.board, 'archive');
  }
  boardArchiveMonth(month: string) {
    return path.join(this.boardArchive, `${month}.md`);
  }
  get private() {
    return path.join(this.root, '.mailroom');
  }
  /** Snapshots of the folded state (start-up and the CLI replay only what follows the newest). */
  get snapshots() {
    return path.join(this.private, 'snapshots');
  }
  /** The thread index past its last few minutes (runtime/daemon/thread-store.ts). */
  get threadStore() {
    return path.join(this.private, 'threads.db');
  }
  get lockTarget() {
    return path.join(this.private, 'daemon');
  }
  get pidFile() {
    return path.join(this.private, 'daemon.pid');
  }
  /** Present while the daemon has paused taking mail because the event log could not be written. */
  get logPaused() {
    return path.join(this.private, 'log-paused');
  }
  /** Relative to the root, for messages to people. */
  rel(p: string) {
    return path.relative(this.root, p) || '.';
  }
}

/** Which mailbox a path is in: { agent, box } or null. */
export function mailboxOf(layout: Layout, file: string): { agent: string; box: string; name: string } | null {
  const rel = path.relative(layout.workspaces, file);
  const parts = rel.split(path.sep);
  if (parts.length !== 3 || parts[0]!.startsWith('..')) return null;
  return { agent: parts[0]!, box: parts[1]!, name: parts[2]! };
}
