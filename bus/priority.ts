/**
 * The one canonical priority enum. Every other place that names a priority — file names,
 * config (`stuck_after`, lanes), routing, sorting, the board — derives from this module.
 * Rank 0 is the most urgent; inbox file names start with the rank so `ls` sorts by it.
 */
export const PRIORITIES = ['critical', 'high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const DEFAULT_PRIORITY: Priority = 'normal';

const RANKS: Readonly<Record<Priority, number>> = Object.freeze(
  Object.fromEntries(PRIORITIES.map((p, i) => [p, i])) as Record<Priority, number>,
);

export function isPriority(value: unknown): value is Priority {
  return typeof value === 'string' && (PRIORITIES as readonly string[]).includes(value);
}

export function rankOf(priority: Priority): number {
  return RANKS[priority];
}

export function allowedPriorities(): string {
  return PRIORITIES.join(', ');
}

/** The sentence every rejection of a priority uses, wherever it is found. */
export function priorityProblem(value: unknown, where: string): string {
  return `${where}: unknown priority ${JSON.stringify(value)}; allowed values: ${allowedPriorities()}`;
}

/** Parse a priority or throw an Error whose message names where it was found and the allowed values. */
export function parsePriority(value: unknown, where: string): Priority {
  if (value === undefined || value === null) return DEFAULT_PRIORITY;
  if (isPriority(value)) return value;
  throw new Error(priorityProblem(value, where));
}

/** Sort order: most urgent first. */
export function comparePriority(a: Priority, b: Priority): number {
  return rankOf(a) - rankOf(b);
}
