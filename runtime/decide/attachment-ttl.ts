/**
 * Which kept attachments (bus/attachments/<id>/) may go: those of messages no inbox holds any
 * more (every copy moved to done/ or deleted) and that are not still being delivered, once
 * attachment_ttl has passed since they were kept. The copies in each recipient's
 * inbox/attachments/<id>/ are the agents' own and stay. Pure: the listings and `now` come in.
 */
export interface Kept {
  id: string;
  /** When the attachments were kept (the folder's mtime), ms. */
  keptAt: number;
}

export function expiredAttachments(
  kept: readonly Kept[],
  inInbox: ReadonlySet<string>,
  undelivered: ReadonlySet<string> | { has(id: string): boolean },
  ttlMs: number,
  now: number,
): string[] {
  return kept.filter((k) => now - k.keptAt > ttlMs && !inInbox.has(k.id) && !undelivered.has(k.id)).map((k) => k.id);
}
