#!/usr/bin/env node
/**
 * The `meshledger` command. Only wires the process to the CLI: argv in, exit code out.
 * `--version` is answered before the command table is even loaded.
 */
import { printVersion } from '../src/cli/constants.js'

const argv = process.argv.slice(2)
if (argv[0] === '--version' || argv[0] === '-V') {
  process.exitCode = printVersion(argv.includes('--json'))
} else {
  const { main } = await import('../src/cli/main.js')
  main(argv).then((code) => { process.exitCode = code }, (err: unknown) => {
    process.stderr.write(`meshledger: ${String((err as Error)?.stack ?? err)}\n`)
    process.exitCode = 1
  })
}
