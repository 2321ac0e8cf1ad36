/**
 * Addresses across orgs: `agent@org` names an agent of another org, reached over the bridge
 * (runtime/bridge/). A name without `@` is local. Pure.
 */

/** The same rule as agent and org names in mailroom.yaml: lowercase letters, digits, - and _. */
const PART = '[a-z][a-z0-9_-]{0,39}';
const ADDRESS_RE = new RegExp(`^(${PART})@(${PART})$`);

export interface Address {
  agent: string;
  org: string;
}

/** `legal@acme` -> { agent: legal, org: acme }; anything else (no `@`, bad parts) -> null. */
export function parseAddress(name: string): Address | null {
  const m = ADDRESS_RE.exec(name);
  return m ? { agent: m[1]!, org: m[2]! } : null;
}

export function isRemote(name: string): boolean {
  return name.includes('@');
}

/** The recipients in this org's own inboxes. */
export function localRecipients(to: readonly string[]): string[] {
  return to.filter((r) => !isRemote(r));
}

/** The recipients at other orgs, by org, in the order given. */
export function remoteByOrg(to: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of to) {
    const a = parseAddress(r);
    if (!a) continue;
    const list = out.get(a.org) ?? [];
    list.push(r);
    out.set(a.org, list);
  }
  return out;
}
