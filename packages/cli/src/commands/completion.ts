/** `palisadectl completion bash|zsh`: scripts generated from the command tree itself. */
import type { Command } from 'commander';
import { Argument } from 'commander';
import type { CliContext } from '../context.js';
import { RESOURCE_WORDS } from './resources.js';

interface CommandSpec {
  name: string;
  summary: string;
  flags: string[];
  /** Words for the first positional argument. */
  words: string[];
}

const FIRST_WORDS: Record<string, string[]> = {
  get: RESOURCE_WORDS,
  describe: ['policy', 'policies', 'pol', 'clusterpolicy', 'clusterpolicies', 'cnp'],
  completion: ['bash', 'zsh'],
};

function flagsOf(cmd: Command): string[] {
  return cmd.options.flatMap((o) => [o.short, o.long].filter((f): f is string => f !== undefined));
}

export function completionSpec(program: Command): { commands: CommandSpec[]; globalFlags: string[] } {
  return {
    globalFlags: [...flagsOf(program), '--help'],
    commands: program.commands.map((c) => ({
      name: c.name(),
      summary: c.summary() || c.description().split('\n')[0] || '',
      flags: [...flagsOf(c), '--help'],
      words: FIRST_WORDS[c.name()] ?? [],
    })),
  };
}

export function bashCompletion(spec: ReturnType<typeof completionSpec>): string {
  const cases = spec.commands
    .map((c) => `    ${c.name}) words="${c.words.join(' ')}"; flags="${c.flags.join(' ')}" ;;`)
    .join('\n');
  return `# bash completion for palisadectl. Load with:  source <(palisadectl completion bash)
_palisadectl() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" cmd="" i words="" flags="${spec.globalFlags.join(' ')}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) cmd="\${COMP_WORDS[i]}"; break ;; esac
  done
  if [[ -z "$cmd" ]]; then
    COMPREPLY=($(compgen -W "${spec.commands.map((c) => c.name).join(' ')} $flags" -- "$cur"))
    return
  fi
  case "$cmd" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$flags ${spec.globalFlags.join(' ')}" -- "$cur"))
  elif [[ $((COMP_CWORD - i)) -eq 1 ]]; then
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
  fi
}
complete -o default -F _palisadectl palisadectl
`;
}

const zq = (s: string): string => s.replace(/'/g, "'\\''").replace(/:/g, '\\:');

export function zshCompletion(spec: ReturnType<typeof completionSpec>): string {
  const cases = spec.commands
    .map(
      (c) =>
        `    ${c.name})\n      if [[ $CURRENT -eq 3 && $words[CURRENT] != -* ]]; then compadd -- ${c.words.join(' ')}\n      else compadd -- ${[...c.flags, ...spec.globalFlags].join(' ')}; fi ;;`,
    )
    .join('\n');
  return `#compdef palisadectl
# zsh completion for palisadectl. Load with:  source <(palisadectl completion zsh)
# or save as _palisadectl in a directory on $fpath.
_palisadectl() {
  local -a commands
  commands=(
${spec.commands.map((c) => `    '${zq(c.name)}:${zq(c.summary)}'`).join('\n')}
  )
  if (( CURRENT == 2 )); then
    _describe -t commands 'palisadectl command' commands
    return
  fi
  case $words[2] in
${cases}
  esac
}
if [[ "$funcstack[1]" == "_palisadectl" ]]; then _palisadectl "$@"; else compdef _palisadectl palisadectl; fi
`;
}

export function registerCompletion(program: Command, ctx: CliContext): void {
  program
    .command('completion')
    .summary('print a shell completion script')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh']))
    .addHelpText(
      'after',
      `
Examples:
  source <(palisadectl completion bash)                  # this shell only
  palisadectl completion bash > /etc/bash_completion.d/palisadectl
  palisadectl completion zsh > "\${fpath[1]}/_palisadectl"`,
    )
    .action((shell: 'bash' | 'zsh') => {
      const spec = completionSpec(program);
      ctx.out.out(shell === 'bash' ? bashCompletion(spec) : zshCompletion(spec));
    });
}
