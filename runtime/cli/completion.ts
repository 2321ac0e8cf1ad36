import { PRIORITIES } from '../../bus/priority.js';
import { EXIT, UsageError, parse, print } from './common.js';

export const usage = `mailroom completion bash|zsh

Print a completion script for the shell: commands, their subcommands and options,
directories after --root, and the priorities after --priority.

  bash:  source <(mailroom completion bash)          # in ~/.bashrc
  zsh:   source <(mailroom completion zsh)           # in ~/.zshrc, after compinit
         or: mailroom completion zsh > "\${fpath[1]}/_mailroom"`;

/** Every command, its words (subcommands) and its options. The CLI test checks this table against \`mailroom --help\`. */
export const WORDS: Readonly<Record<string, { sub?: string[]; options: string[] }>> = {
  init: { options: ['--agents'] },
  start: { options: ['--root', '--log-format'] },
  send: {
    options: [
      '--root',
      '--from',
      '--to',
      '--subject',
      '--priority',
      '--kind',
      '--body',
      '--task',
      '--status',
      '--due',
      '--reply-to',
      '--amount',
      '--currency',
      '--parent',
      '--budget-usd',
      '--blocked-by',
    ],
  },
  status: { options: ['--root', '--json'] },
  board: { options: ['--root', '--json', '--all'] },
  doctor: { options: ['--root', '--json'] },
  show: { options: ['--root', '--json'] },
  log: { options: ['--root', '--json', '--tail', '--type'] },
  why: { options: ['--root', '--json'] },
  compact: { options: ['--root'] },
  config: {
    sub: ['history', 'show', 'diff', 'set', 'apply', 'rollback', 'schema'],
    options: ['--root', '--json', '--yes', '--replace'],
  },
  secret: { sub: ['set', 'list', 'rm'], options: ['--root', '--json'] },
  compose: { options: ['--root', '--from', '--to', '--subject', '--priority', '--kind', '--draft'] },
  try: { options: ['--root', '--file', '--from', '--subject', '--keep', '--json'] },
  serve: { options: ['--root', '--port', '--host', '--token', '--token-secret'] },
  service: { sub: ['install', 'status'], options: ['--root', '--user', '--system', '--dir'] },
  completion: { sub: ['bash', 'zsh'], options: [] },
  approve: { options: ['--root', '--note', '--from'] },
  reject: { options: ['--root', '--reason', '--from'] },
  grant: { options: ['--root', '--max-amount', '--currency', '--until'] },
  revoke: { options: ['--root'] },
  audit: { options: ['--root', '--agent', '--kind', '--json'] },
  brief: { options: ['--root'] },
  pause: { options: ['--root'] },
  resume: { options: ['--root'] },
  help: { options: [] },
};

const DIR_OPTIONS = ['--root', '--dir'];

function caseArms(indent: string, line: (name: string, words: string) => string): string {
  return Object.entries(WORDS)
    .map(([name, w]) => `${indent}${line(name, [...(w.sub ?? []), ...w.options, '--help'].join(' '))}`)
    .join('\n');
}

export function bashScript(): string {
  return `# mailroom completion for bash: source <(mailroom completion bash)
_mailroom() {
  local cur prev words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev=""
  if [ "\${COMP_CWORD}" -gt 0 ]; then prev="\${COMP_WORDS[COMP_CWORD-1]}"; fi
  COMPREPLY=()
  case "$prev" in
    ${DIR_OPTIONS.join('|')}) COMPREPLY=($(compgen -d -- "$cur")); return 0 ;;
    --priority) COMPREPLY=($(compgen -W "${PRIORITIES.join(' ')}" -- "$cur")); return 0 ;;
  esac
  if [ "\${COMP_CWORD}" -eq 1 ]; then
    COMPREPLY=($(compgen -W "${Object.keys(WORDS).join(' ')} --help --version" -- "$cur"))
    return 0
  fi
  case "\${COMP_WORDS[1]}" in
${caseArms('    ', (name, words) => `${name}) words="${words}" ;;`)}
    *) words="" ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
  return 0
}
complete -o default -F _mailroom mailroom
`;
}

export function zshScript(): string {
  return `#compdef mailroom
# mailroom completion for zsh: source <(mailroom completion zsh) after compinit,
# or save as _mailroom in a directory of $fpath.
_mailroom() {
  local -a words_for
  if (( CURRENT == 2 )); then
    compadd -- ${Object.keys(WORDS).join(' ')} --help --version
    return
  fi
  case "\${words[CURRENT-1]}" in
    ${DIR_OPTIONS.join('|')}) _files -/; return ;;
    --priority) compadd -- ${PRIORITIES.join(' ')}; return ;;
  esac
  case "\${words[2]}" in
${caseArms('    ', (name, words) => `${name}) words_for=(${words}) ;;`)}
    *) words_for=() ;;
  esac
  compadd -- "\${words_for[@]}"
}
if [[ "\${zsh_eval_context[-1]}" == loadautofunc ]]; then
  _mailroom "$@"
else
  compdef _mailroom mailroom
fi
`;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {}, usage, true);
  if (values.help) return (print(usage), EXIT.ok);
  const [shell, ...extra] = positionals;
  if (extra.length || (shell !== 'bash' && shell !== 'zsh'))
    throw new UsageError(`completion takes bash or zsh\n\n${usage}`);
  process.stdout.write(shell === 'bash' ? bashScript() : zshScript());
  return EXIT.ok;
}
