import { describe, expect, it } from 'vitest';
import { makeOrg, message, type Org } from '../../support/org.js';
import { waitFor } from '../../support/events.js';

let org: Org;

describe('drop a file, it arrives', () => {
  it('delivers from an outbox to the inbox with a canonical name, and copies it to sent/', async () => {
    org = makeOrg();
    await org.start();
    org.drop('maya', 'review.md', message({ to: 'legal', priority: 'high', subject: 'Review the agreement' }));
    const [name] = await waitFor(() => (org.ls('workspaces', 'legal', 'inbox').length ? org.ls('workspaces', 'legal', 'inbox') : null), 'delivery to legal');
    expect(name).toMatch(/^1-high-\d{8}T\d{6}\.\d{3}Z-[0-9a-z]{12}-review-the-agreement\.md$/);
    expect(org.read('workspaces', 'legal', 'inbox', name!)).toMatch(/^---\nid: [0-9a-z]{12}\nfrom: maya\nto: legal\npriority: high\n/);
    await waitFor(() => org.ls('workspaces', 'maya', 'sent').includes(name!), 'the sent copy');
    expect(org.ls('workspaces', 'maya', 'outbox')).toEqual([]);
    expect(await org.stop()).toBe(0);
  });
});
