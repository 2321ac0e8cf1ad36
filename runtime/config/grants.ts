/**
 * What a handler may be granted as environment variables, through `env:` (values in the
 * config) or `secrets:` (stored values). Refused: names mailroom sets itself, names that look
 * like secrets in `env:` (they belong in `mailroom secret set`), and names that make a program
 * run other code before or around it (the loader, the shell, an interpreter), which would turn
 * a harmless-looking grant into code running in every process of the handler.
 */
import { SECRET_NAME_RE } from '../../workspaces/secrets.js';

export { SECRET_NAME_RE };

export const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Set by the runtime itself; a grant may not override them. */
export const RESERVED_ENV: readonly string[] = [
  'PATH',
  'HOME',
  'TMPDIR',
  'MAILROOM_MESSAGE',
  'MAILROOM_AGENT',
  'MAILROOM_ROOT',
  'MAILROOM_MODEL',
];

/** An `env:` grant whose name says it is a secret belongs in `mailroom secret set` instead (matched on the name in capitals). */
export const SECRET_LIKE = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL)/;

/** Variables that run code before or around a program: a name, or a prefix ending in `_`, and what it does. */
export const RUNS_CODE: readonly { readonly name: string; readonly prefix?: true; readonly effect: string }[] = [
  { name: 'LD_', prefix: true, effect: 'the dynamic loader loads libraries from it into every program' },
  { name: 'DYLD_', prefix: true, effect: 'the macOS loader loads libraries from it into every program' },
  { name: 'GLIBC_TUNABLES', effect: 'the C library of every program reads it' },
  { name: 'GCONV_PATH', effect: 'the C library loads iconv modules from it' },
  { name: 'BASH_ENV', effect: 'bash runs that file before any script' },
  { name: 'ENV', effect: 'sh runs that file when it starts' },
  { name: 'BASH_FUNC_', prefix: true, effect: 'bash imports shell functions from it' },
  { name: 'SHELLOPTS', effect: 'bash turns on the shell options it lists' },
  { name: 'BASHOPTS', effect: 'bash turns on the shell options it lists' },
  { name: 'IFS', effect: 'the shell splits every command line with it' },
  { name: 'PS4', effect: 'the shell expands it, running commands, when tracing' },
  { name: 'PROMPT_COMMAND', effect: 'bash runs it' },
  { name: 'NODE_OPTIONS', effect: 'node loads what its --require and --import name into every node process' },
  { name: 'NODE_PATH', effect: 'node loads modules from it' },
  { name: 'PYTHONSTARTUP', effect: 'python runs that file' },
  { name: 'PYTHONPATH', effect: 'python imports modules from it first' },
  { name: 'PYTHONHOME', effect: 'python loads its standard library from it' },
  { name: 'PYTHONUSERBASE', effect: 'python runs the .pth files found under it' },
  { name: 'PERL5OPT', effect: 'perl loads the modules its -M names into every perl' },
  { name: 'PERL5LIB', effect: 'perl loads modules from it first' },
  { name: 'PERLLIB', effect: 'perl loads modules from it first' },
  { name: 'PERL5DB', effect: 'perl runs it as its debugger' },
  { name: 'RUBYOPT', effect: 'ruby loads the files its -r names into every ruby' },
  { name: 'RUBYLIB', effect: 'ruby loads files from it first' },
  { name: 'JAVA_TOOL_OPTIONS', effect: 'the JVM loads the agents its -javaagent names into every java' },
  { name: '_JAVA_OPTIONS', effect: 'the JVM takes options from it' },
  { name: 'JDK_JAVA_OPTIONS', effect: 'the java launcher takes options from it' },
];

/** How `name` runs code, or undefined when it does not. */
export function runsCode(name: string): string | undefined {
  return RUNS_CODE.find((r) => (r.prefix ? name.startsWith(r.name) : name === r.name))?.effect;
}

/** Why `name` cannot be granted to a handler (as env: or secrets:), or undefined when it can. */
export function grantProblem(name: string): string | undefined {
  if (RESERVED_ENV.includes(name)) return `${name} is set by mailroom itself; it cannot be granted`;
  const effect = runsCode(name);
  if (effect === undefined) return undefined;
  return (
    `${name} runs code before or around a program (${effect}), so mailroom never grants it; ` +
    `if the handler really needs it, set it in its command, where it is plain to see (command: "${name}=... ./run.sh")`
  );
}
