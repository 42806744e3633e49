#!/usr/bin/env node
/**
 * The `meshledger` command. Only wires the process to the CLI: argv in, exit code out.
 */
import { main } from '../src/cli/main.js'

main(process.argv.slice(2)).then((code) => { process.exitCode = code }, (err: unknown) => {
  process.stderr.write(`meshledger: ${String((err as Error)?.stack ?? err)}\n`)
  process.exitCode = 1
})
