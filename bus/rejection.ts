/**
 * A rejected input: the file is kept in bus/deadletter/ beside a .reason.md, and its sender
 * gets a bounce. `reason` says what is wrong; `fix` says how to put it right.
 */
export class Rejection extends Error {
  override name = 'Rejection';
  constructor(
    readonly reason: string,
    readonly fix: string,
  ) {
    super(reason);
  }
}
