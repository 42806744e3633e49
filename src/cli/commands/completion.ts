/**
 * `completion`: print the shell completion script for bash, zsh or fish.
 */
import type { Command } from '../command.js'
import { choice } from '../args.js'

const completion: Command = {
  name: 'completion',
  usage: '<shell>',
  summary: 'print shell completion for bash, zsh or fish',
  description: 'bash: source <(meshledger completion bash), or save it in /etc/bash_completion.d/meshledger.\nzsh:  source <(meshledger completion zsh), or save it as _meshledger in a folder of $fpath.\nfish: meshledger completion fish > ~/.config/fish/completions/meshledger.fish',
  data: false,
  async run (ctx) {
    const { SHELLS, completionScript } = await import('../completion.js')
    process.stdout.write(completionScript(choice(ctx.args[0], SHELLS, '<shell>'), ctx.commands))
  }
}

/** The completion command. */
export const completionCommands: Command[] = [completion]
