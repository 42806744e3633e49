/**
 * Receipts: `proof` asks the ledger for one entry's receipt; `verify-receipt` checks one with no
 * ledger, no storage and no network at all.
 */
import { readFile, writeFile } from 'node:fs/promises'
import type { Receipt, VerifiedReceipt } from '../../proofs/receipt.js'
import { route, type Command } from '../command.js'
import { readStdin } from '../args.js'
import { CliError, UsageError } from '../errors.js'
import { iso, print, printFields, printJson } from '../output.js'

const proof: Command = {
  name: 'proof',
  usage: '<id>',
  summary: 'write a receipt for an entry: a JSON proof anyone can check offline',
  description: 'The receipt holds the entry, its writer\'s seal, the Merkle proof of its block in the writer\'s\nsigned log and, once confirmed, the proof of its place in the view signed by the indexers.\nIt never holds the ledger\'s encryption key. Check it with `meshledger verify-receipt`.',
  options: {
    output: { type: 'string', short: 'o', value: 'FILE', help: 'write the receipt to FILE (default: stdout)' },
    block: { type: 'boolean', help: 'also carry the encrypted block, for holders of the encryption key' }
  },
  async run (ctx) {
    const client = await ctx.client()
    const query = ctx.flags.block === true ? { block: 'true' } : {}
    const receipt = await client.request<Receipt>('GET', route('entries', ctx.args[0], 'proof'), { query })
    const text = JSON.stringify(receipt, null, 2) + '\n'
    const file = ctx.flags.output as string | undefined
    if (file === undefined) {
      process.stdout.write(text)
      return
    }
    await writeFile(file, text)
    if (ctx.json) printJson({ file, bytes: Buffer.byteLength(text), confirmed: receipt.view !== null })
    else print(`wrote ${file} (${Buffer.byteLength(text)} bytes, ${receipt.view !== null ? 'confirmed' : 'not yet confirmed'})`)
  }
}

const verify: Command = {
  name: 'verify-receipt',
  usage: '<file|->',
  summary: 'check a receipt offline: who wrote what, and whether the indexers confirmed it',
  description: 'Needs no data folder, daemon or network; - reads the receipt from stdin. Exits 0 when the\nreceipt holds, 4 with the reason when it does not (an altered byte, a wrong key, another ledger).',
  data: false,
  options: {
    ledger: { type: 'string', value: 'KEY', help: 'require the receipt to be of this ledger' },
    'encryption-key': { type: 'string', value: 'KEY', help: 'also decrypt the block (receipts made with --block)' }
  },
  async run (ctx) {
    let text: string
    if (ctx.args[0] === '-') {
      text = await readStdin()
      if (text.trim() === '') throw new UsageError('no receipt on stdin')
    } else {
      try {
        text = await readFile(ctx.args[0], 'utf8')
      } catch (err) {
        throw new CliError('NOT_FOUND', `cannot read ${ctx.args[0]}: ${(err as Error).message}`)
      }
    }
    const { verifyReceipt } = await import('../../proofs/verify-receipt.js')
    const result = await verifyReceipt(text, {
      ledger: ctx.flags.ledger as string | undefined,
      encryptionKey: ctx.flags['encryption-key'] as string | undefined
    })
    if (ctx.json) printJson(result)
    else printFields(describe(result))
  }
}

function describe (r: VerifiedReceipt): Array<[string, string]> {
  return [
    ['valid', 'yes'],
    ['ledger', r.ledger],
    ['entry', r.id],
    ['writer', `${r.writer} (${r.sealed ? 'sealed by the writer' : 'block decrypted and checked'})`],
    ['type', r.type],
    ['time', iso(r.timestamp)],
    ['data', JSON.stringify(r.data)],
    ['log', `block ${r.seq} of ${r.logLength} signed by the writer`],
    ['confirmed', r.view === null ? 'no (no quorum proof in the receipt)' : `yes: view index ${r.view.index} of ${r.view.length}, quorum ${r.view.quorum} of ${r.view.signers.length} indexers`],
    ['rules', `${r.rules.version} rule changes before it${r.rules.last === null ? '' : `, the last ${r.rules.last}`}`],
    ['issuer', r.issuer]
  ]
}

/** `proof`, `verify-receipt`. */
export const receiptCommands: Command[] = [proof, verify]
