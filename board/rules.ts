/**
 * Who may change a task. Decided by the daemon, the single writer, in log order: so of two
 * agents claiming the same task, the first in the log wins and the second gets a bounce.
 * Pure.
 */
import { Rejection } from '../bus/rejection.js';
import { OPERATOR } from '../bus/vocabulary.js';
import type { UpdateStatus } from '../bus/message.js';
import { FINAL_STATUSES, findTask, taskNumber, type Board, type Task } from './fold.js';

function describe(board: Board): string {
  return board.count ? `the board has T-1 to T-${board.count}` : 'the board has no tasks yet';
}

/** Check an update (or a note, when status is undefined) from `sender` about task `id`. Returns the task. */
export function checkUpdate(board: Board, id: string, sender: string, status: UpdateStatus | undefined): Task {
  const task = findTask(board, id);
  if (!task && taskNumber(id) <= board.count)
    throw new Rejection(
      `task ${id} is done or cancelled and in the board's archive (board/archive/; \`mailroom board --all\`), so it cannot change`,
      'Create a new task with `kind: task` if there is more to do, or send a plain message.',
    );
  if (!task)
    throw new Rejection(
      `task ${id} does not exist (${describe(board)})`,
      'Name a task from `mailroom board`, or send `kind: task` to create one.',
    );
  if (status === undefined) return task;
  if (FINAL_STATUSES.includes(task.status)) {
    throw new Rejection(
      `task ${id} is already ${task.status}, so it cannot become ${status}`,
      'Create a new task with `kind: task` if there is more to do.',
    );
  }
  if (task.blockedReason === 'budget' && sender !== task.creator && sender !== OPERATOR) {
    throw new Rejection(
      `task ${id} ("${task.title}") is blocked: it has cost $${task.costUsd ?? 0}, past its budget_usd $${task.budgetUsd ?? 0}; only its creator ${task.creator} or the operator may set it going again`,
      `Ask ${task.creator} to decide: \`task: ${id}\` with \`status: in_progress\` (go on) or \`status: cancelled\`.`,
    );
  }
  if (task.owner !== null) {
    if (sender !== task.owner && sender !== task.creator) {
      throw new Rejection(
        `task ${id} ("${task.title}") is owned by ${task.owner}; only ${task.owner} or its creator ${task.creator} may change it`,
        `Ask ${task.owner} or ${task.creator}; or send them a message instead of a status.`,
      );
    }
    return task;
  }
  if (sender !== task.creator && !task.recipients.includes(sender)) {
    throw new Rejection(
      `task ${id} ("${task.title}") was sent to ${task.recipients.join(', ')}; only they or its creator ${task.creator} may claim or change it`,
      `Ask ${task.creator} to send it to you.`,
    );
  }
  return task;
}

/** Where an update with no `to:` goes: the creator, or (when the creator sends it) the owner, else the recipients. */
export function defaultUpdateRecipients(task: Task, sender: string): string[] {
  if (sender !== task.creator) return [task.creator];
  if (task.owner && task.owner !== sender) return [task.owner];
  const others = task.recipients.filter((r) => r !== sender);
  return others.length ? others : [sender];
}
