/**
 * Fair intake: which candidate paths the next batch takes, so that one sender's flood cannot
 * hold back another sender's mail by more than one batch.
 *
 * Candidates are grouped by source (the folder they are in: one agent's outbox, one inbox, the
 * spool), each group keeping its own order (oldest hint first). The batch takes one from each
 * group in turn, groups in the order they first appear, until it is full or every group is
 * empty. So while several senders have mail waiting, each gets at most its fair share of a batch
 * (limit / senders, rounded up); a share nobody else needs goes to whoever still has mail.
 * Pure: the caller passes the candidates, the limit and the grouping.
 */

export function fairBatch<T>(candidates: Iterable<T>, limit: number, sourceOf: (c: T) => string): T[] {
  if (limit <= 0) return [];
  const groups = new Map<string, T[]>();
  for (const c of candidates) {
    const key = sourceOf(c);
    const g = groups.get(key);
    if (g) g.push(c);
    else groups.set(key, [c]);
  }
  const queues = [...groups.values()];
  const batch: T[] = [];
  for (let round = 0; batch.length < limit; round++) {
    let took = false;
    for (const q of queues) {
      if (round >= q.length) continue;
      batch.push(q[round]!);
      took = true;
      if (batch.length >= limit) break;
    }
    if (!took) break;
  }
  return batch;
}
