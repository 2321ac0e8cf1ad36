/**
 * Outbox files taken into the spool in the same batch as the event that paused their sender (a
 * batch takes all its files before it decides any, and a circuit breaker trips part way through
 * the deciding): they are not decided while the agent is paused, but wait in the spool, and are
 * looked at again once it is resumed. Without this, one batch of 200 tasks from one outbox was
 * accepted whole, 170 of them after tasks_per_hour (30) had paused the agent.
 */
export class PausedTaken {
  /** Spool path -> its sender. */
  private readonly files = new Map<string, string>();

  constructor(
    private readonly paused: (agent: string) => boolean,
    private readonly say: (agent: string) => void,
  ) {}

  /** True (and `file` kept back) when `sender` is paused now. */
  holds(file: string, sender: string): boolean {
    if (!this.paused(sender)) return false;
    if (![...this.files.values()].includes(sender)) this.say(sender); // once per agent and pause
    this.files.set(file, sender);
    return true;
  }

  /** The files whose sender is no longer paused, to be looked at again. */
  resumed(): string[] {
    return [...this.files].filter(([, agent]) => !this.paused(agent)).map(([file]) => file);
  }

  /** The file is being looked at again (or is gone). */
  forget(file: string): void {
    this.files.delete(file);
  }
}
