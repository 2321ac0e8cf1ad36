/**
 * The operator's governance commands. Decisions and pauses are messages from the operator
 * (written into workspaces/operator/outbox/, like `send`), so the daemon decides them in log
 * order like any other mail; grants are versioned config changes; `audit` reads the log alone.
 *   approve <id> [--note text]     reject <id> --reason text
 *   grant <agent> <kind> [--max-amount N] [--currency C] [--until DATE]     revoke <agent> <kind>
 *   pause <agent>     resume <agent>     audit [--agent a] [--kind k] [--json]
 */
import fs from 'node:fs';
import YAML from 'yaml';
import { OPERATOR } from '../../bus/vocabulary.js';
import { loadConfig } from '../config/load.js';
import { setValue } from '../config/edit.js';
import { GRANT_UNTIL_RE } from '../config/governance.js';
import { runningDaemon } from '../daemon/lock.js';
import { governanceForAudit, loadState } from '../views/inspect.js';
import { auditRows, renderAudit } from '../views/audit.js';
import type { Layout } from '../../workspaces/layout.js';
import { commit } from './config.js';
import { checkSender, writeToOutbox } from './outgoing.js';
import { EXIT, Problem, UsageError, findRoot, parse, print, printJson } from './common.js';

interface Command {
  usage: string;
  run: (argv: string[]) => Promise<number>;
}

/** Write an operator message into workspaces/operator/outbox/ (a dotfile, then a rename); returns its path. */
function drop(layout: Layout, fm: Record<string, unknown>, label: string, from = OPERATOR): string {
  return writeToOutbox(layout, from, `---\n${YAML.stringify(fm, { lineWidth: 0 })}---\n`, label);
}

/** With a daemon running, wait (up to 10 s) until `done` says what happened; else say it is queued. */
async function outcome(
  layout: Layout,
  done: () => Promise<string | null>,
  where = '`mailroom audit` will show it',
): Promise<string> {
  if (runningDaemon(layout) === null) return 'no daemon is running: it is decided at the next `mailroom start`';
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const said = await done();
    if (said) return said;
    await new Promise((r) => setTimeout(r, 100));
  }
  return `the daemon has not taken it yet (10 s); ${where}`;
}

async function heldOrFail(layout: Layout, id: string) {
  const h = (await loadState(layout)).governance.held[id];
  if (!h)
    throw new Problem(
      `no message held for approval has the id ${JSON.stringify(id)}; give its whole 12-character id, as \`mailroom audit\` lists them`,
    );
  if (h.status !== 'held') throw new Problem(`${id} was already ${h.status} by ${h.decided_by} at ${h.decided}`);
  return h;
}

function decision(verb: 'approve' | 'reject'): Command {
  const usage =
    verb === 'approve'
      ? `mailroom approve <held id> [--note text] [--from <agent>] [--root <dir>]\n\nApprove a held message (an approval kind, or one a circuit breaker held): it is delivered,\nstamped approved_by: operator and approval: <this decision's id>.\n\n--from <agent>: decide as that agent (a person playing it), under its grant (may_approve),\nchecked by the daemon as if the agent had sent the decision itself.`
      : `mailroom reject <held id> --reason text [--from <agent>] [--root <dir>]\n\nReject a held message: nothing is delivered, and its sender gets a bounce with the reason.\n\n--from <agent>: decide as that agent (a person playing it), under its grant (may_approve).`;
  return {
    usage,
    async run(argv) {
      const { values, positionals } = parse(
        argv,
        { root: { type: 'string' }, note: { type: 'string' }, reason: { type: 'string' }, from: { type: 'string' } },
        usage,
        true,
      );
      if (values.help) return (print(usage), EXIT.ok);
      const id = positionals[0];
      const from = (values.from as string | undefined) ?? OPERATOR;
      if (!id || positionals.length > 1) throw new UsageError(`${verb} takes one held id\n\n${usage}`);
      if (verb === 'reject' && !values.reason)
        throw new UsageError(`reject needs --reason: the sender is told why\n\n${usage}`);
      const layout = findRoot(values.root as string | undefined);
      if (from !== OPERATOR) checkSender(from, loadConfig(layout.config));
      const tried = (await heldOrFail(layout, id)).attempts.length;
      const fm: Record<string, unknown> = { kind: 'approval', approves: id, decision: verb };
      if (values.reason) fm.reason = values.reason;
      if (values.note) fm.note = values.note;
      print(drop(layout, fm, `${verb} ${id}`, from));
      const said = await outcome(layout, async () => {
        const h = (await loadState(layout)).governance.held[id];
        if (h && h.status !== 'held') return `${id} ${h.status} by ${h.decided_by}`;
        const refused = h?.attempts.slice(tried).find((a) => a.by === from);
        return refused ? `not decided: ${refused.reason} (${refused.rule}); it stays held` : null;
      });
      print(said);
      return said.startsWith('not decided') ? EXIT.problem : EXIT.ok;
    },
  };
}

function pauseCommand(verb: 'pause' | 'resume'): Command {
  const usage =
    verb === 'pause'
      ? `mailroom pause <agent> [--root <dir>]\n\nPause an agent: its outbox is left as it is (nothing is lost) and its handler runs wait,\nuntil \`mailroom resume <agent>\`.`
      : `mailroom resume <agent> [--root <dir>]\n\nEnd an agent's pause (by hand or by a circuit breaker: its rate windows start again), and let\nits runs go on today even past a daily budget.`;
  return {
    usage,
    async run(argv) {
      const { values, positionals } = parse(argv, { root: { type: 'string' } }, usage, true);
      if (values.help) return (print(usage), EXIT.ok);
      const agent = positionals[0];
      if (!agent || positionals.length > 1) throw new UsageError(`${verb} takes one agent\n\n${usage}`);
      const layout = findRoot(values.root as string | undefined);
      const config = loadConfig(layout.config);
      if (!Object.hasOwn(config.agents, agent))
        throw new Problem(`${agent} is not an agent; agents: ${Object.keys(config.agents).join(', ')}`);
      const before = (await loadState(layout)).governance;
      const was = { paused: before.paused[agent]?.since, resumed: before.resumed[agent] };
      if (verb === 'pause' && was.paused !== undefined) {
        print(`${agent} is already paused (since ${was.paused}); \`mailroom resume ${agent}\` ends it`);
        return EXIT.ok;
      }
      print(drop(layout, { to: agent, kind: verb, subject: `${verb} ${agent}` }, `${verb} ${agent}`));
      print(
        await outcome(
          layout,
          async () => {
            const g = (await loadState(layout)).governance;
            if (verb === 'pause')
              return g.paused[agent] && g.paused[agent].since !== was.paused ? `${agent} paused` : null;
            return g.resumed[agent] !== undefined && g.resumed[agent] !== was.resumed ? `${agent} resumed` : null;
          },
          `\`mailroom status\` will show it`,
        ),
      );
      return EXIT.ok;
    },
  };
}

function grantCommand(verb: 'grant' | 'revoke'): Command {
  const usage =
    verb === 'grant'
      ? `mailroom grant <agent> <kind> [--max-amount N] [--currency C] [--until YYYY-MM-DD] [--root <dir>]\n\nLet an agent approve held messages of an approval kind, up to an amount (in --currency: a\nmessage in another currency, or none, is over the limit) and until a day (inclusive, UTC).\nA versioned config change (agents.<agent>.may_approve.<kind>).`
      : `mailroom revoke <agent> <kind> [--root <dir>]\n\nTake an agent's grant to approve a kind away (a versioned config change). A decision it sends\nafterwards is refused with a bounce saying the grant was revoked.`;
  return {
    usage,
    async run(argv) {
      const { values, positionals } = parse(
        argv,
        {
          root: { type: 'string' },
          'max-amount': { type: 'string' },
          currency: { type: 'string' },
          until: { type: 'string' },
        },
        usage,
        true,
      );
      if (values.help) return (print(usage), EXIT.ok);
      const [agent, kind] = positionals;
      if (!agent || !kind || positionals.length > 2)
        throw new UsageError(`${verb} takes an agent and a kind\n\n${usage}`);
      const grant: Record<string, unknown> = {};
      if (values['max-amount'] !== undefined) {
        const n = Number(values['max-amount']);
        if (!Number.isFinite(n) || n < 0)
          throw new UsageError(`--max-amount must be a number from 0 up, got ${JSON.stringify(values['max-amount'])}`);
        grant.max_amount = n;
      }
      if (values.currency !== undefined) grant.currency = values.currency; // checked with the config
      if (values.until !== undefined) {
        if (!GRANT_UNTIL_RE.test(String(values.until)))
          throw new UsageError(`--until must be a date like 2026-12-31, got ${JSON.stringify(values.until)}`);
        grant.until = values.until;
      }
      const layout = findRoot(values.root as string | undefined);
      const config = loadConfig(layout.config);
      if (!Object.hasOwn(config.agents, agent))
        throw new Problem(`${agent} is not an agent; agents: ${Object.keys(config.agents).join(', ')}`);
      if (verb === 'revoke' && !config.agents[agent]!.governance.mayApprove[kind])
        throw new Problem(`${agent} has no grant for ${kind}; nothing to revoke`);
      const before = fs.readFileSync(layout.config, 'utf8');
      const value = verb === 'grant' ? JSON.stringify(grant) : 'null';
      return commit(
        layout,
        before,
        setValue(before, `agents.${agent}.may_approve.${kind}`, value),
        true,
        `${verb} ${agent} ${kind}`,
      );
    },
  };
}

const auditUsage = `mailroom audit [--agent a] [--kind k] [--json] [--root <dir>]

Every message held for approval, from the event log alone: its kind, amount, sender,
recipients, why it was held, the config version in force, the decision, who decided, under
which grant, when, and every decision refused on a rule (revoked, expired, over the limit).
--agent keeps those the agent sent, received, was asked about or decided.`;

const audit: Command = {
  usage: auditUsage,
  async run(argv) {
    const { values } = parse(
      argv,
      { root: { type: 'string' }, agent: { type: 'string' }, kind: { type: 'string' }, json: { type: 'boolean' } },
      auditUsage,
    );
    if (values.help) return (print(auditUsage), EXIT.ok);
    const layout = findRoot(values.root as string | undefined);
    const rows = auditRows(await governanceForAudit(layout, (await loadState(layout)).governance), {
      agent: values.agent as string | undefined,
      kind: values.kind as string | undefined,
    });
    if (values.json) printJson({ held: rows });
    else print(renderAudit(rows));
    return EXIT.ok;
  },
};

export const approve = decision('approve');
export const reject = decision('reject');
export const pause = pauseCommand('pause');
export const resume = pauseCommand('resume');
export const grant = grantCommand('grant');
export const revoke = grantCommand('revoke');
export { audit };
