/**
 * The words of mailroom, written once. Every other module imports them from here.
 *
 * Glossary
 *   org          one mailroom: a root folder with mailroom.yaml, workspaces/, bus/, board/
 *   agent        a named member of the org, configured under `agents:`; has a workspace
 *   workspace    workspaces/<agent>/: the agent's sandbox, holding its mailboxes
 *   mailbox      one of the folders in MAILBOX_DIRS inside a workspace
 *   inbox        where the daemon delivers an agent's mail
 *   outbox       where an agent drops mail; the daemon takes it away: every file that appears
 *                there (a rename, or each save of an editor) is sent
 *   drafts       workspaces/<agent>/drafts/: never taken; write there, then mv to outbox/
 *   message      a markdown file with YAML front matter
 *   priority     critical | high | normal | low (bus/priority.ts is the one definition)
 *   spool        bus/spool/: accepted messages whose delivery is under way
 *   event        one line of the append-only log under bus/events/
 *   dead letter  bus/deadletter/: a rejected file, kept byte for byte beside its .reason.md
 *   bounce       the message mailroom sends back to say why a file was rejected
 *   task         a message of kind task; its state is a fold of the log (the board)
 *   board        board/BOARD.md and board.json: the fold rendered
 *   lane         a shared limit (concurrency, rate) that handler runs of several agents queue on
 *   handler      the command the daemon runs for each message delivered to an agent
 *   operator     the people: their mailbox receives alerts and bounces of what they dropped
 *   mailroom     the daemon itself, as the sender of bounces and alerts
 */

/** The people's own mailbox and sender name. */
export const OPERATOR = 'operator';
/** The daemon's own name as a sender (bounces, alerts). */
export const MAILROOM = 'mailroom';
/** Names no agent or group may take: the two senders above, `all`, and the daemon's own `staging`. */
export const RESERVED_NAMES = [OPERATOR, MAILROOM, 'all', 'staging'] as const;
/** The mailbox folders of every workspace. */
export const MAILBOX_DIRS = ['inbox', 'outbox', 'done', 'sent'] as const;
export type MailboxDir = (typeof MAILBOX_DIRS)[number];
/** The folder of a workspace that the daemon never takes from (`mailroom compose` writes there). */
export const DRAFTS_DIR = 'drafts';
