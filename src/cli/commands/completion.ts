/**
 * `completion`: print the shell completion script for bash, zsh or fish.
 */
import type { Command } from '../command.js'
import { UsageError } from '../errors.js'

const completion: Command = {
  name: 'completion',
  usage: '<shell>',
  summary: 'print shell completion for bash, zsh or fish',
  description: 'bash: source <(meshledger completion bash), or save it in /etc/bash_completion.d/meshledger.\nzsh:  source <(meshledger completion zsh), or save it as _meshledger in a folder of $fpath.\nfish: meshledger completion fish > ~/.config/fish/completions/meshledger.fish',
  data: false,
  async run (ctx) {
    const { SHELLS, completionScript } = await import('../completion.js')
    const shell = SHELLS.find((s) => s === ctx.args[0])
    if (shell === undefined) throw new UsageError(`<shell> is bash, zsh or fish, not ${JSON.stringify(ctx.args[0])}`)
    process.stdout.write(completionScript(shell, ctx.commands))
  }
}

/** The completion command. */
export const completionCommands: Command[] = [completion]
