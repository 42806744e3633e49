/**
 * `verify`: the whole-ledger audit (`POST /v1/verify`). One line per writer log and a verdict;
 * each problem also goes to stderr as `meshledger verify: CODE: text`, and the exit code is 6
 * when anything was found.
 */
import type { VerifyReport } from '../../audit/report.js'
import { route, type Command } from '../command.js'
import { EXIT } from '../constants.js'
import { iso, print, printJson, printTable } from '../output.js'
import { Progress } from '../progress.js'

const verify: Command = {
  name: 'verify',
  usage: '',
  summary: 're-check every writer log and the view; exit 6 on damage',
  description: 'Re-checks each writer log this device holds against its writer\'s signature and Merkle tree,\nrebuilds the view from the logs in a temp folder and compares it with the live one, and\ncounts each writer\'s entries and rejections. A log found damaged is no longer served to peers.\nExit 6 names what is wrong (LOG_TRUNCATED, LOG_DAMAGED, LOG_UNREADABLE, VIEW_MISMATCH,\nVIEW_UNREADABLE, REBUILD_STALLED, INDEX_MISMATCH).',
  async run (ctx) {
    const client = await ctx.client()
    const progress = new Progress('verifying', 'blocks')
    let waiting = { stop () {} }
    if (progress.on) {
      const { writers, view } = await client.request<{ writers: Array<{ length: number }>, view: { length: number } }>('GET', route('status'))
      const blocks = writers.reduce((n, w) => n + w.length, 0)
      waiting = progress.waiting(`verifying ${plural(writers.length, 'log')} (${blocks} blocks) and the view (${view.length} blocks)`)
    }
    let r: VerifyReport
    try {
      r = await client.request<VerifyReport>('POST', route('verify'))
    } finally {
      waiting.stop()
    }
    if (ctx.json) {
      printJson(r)
    } else {
      printTable(
        ['LOG', 'ROLE', 'BLOCKS', 'ENTRIES', 'REJECTED', 'FIRST', 'LAST', 'CHECK'],
        r.writers.map((w) => [
          w.key,
          w.role === null ? '-' : w.removed ? `${w.role} (removed)` : w.role,
          `${w.stored}/${w.length}`,
          w.entries,
          w.rejected === 0 ? 0 : `${w.rejected} ${JSON.stringify(w.rejections)}`,
          w.first === null ? '-' : iso(w.first),
          w.last === null ? '-' : iso(w.last),
          w.problem?.code ?? 'ok'
        ]),
        'no writer logs'
      )
      const view = r.rebuiltHash === null ? 'not rebuilt' : r.rebuiltHash === r.viewHash ? 'rebuilt, equal' : 'rebuilt, DIFFERENT'
      print('', `view ${r.viewHash} (${r.viewLength} blocks): ${view}`)
      print(r.ok ? `verified: ${plural(r.writers.length, 'log')} and the view are sound (${r.took} ms)` : `FAILED: ${plural(r.problems.length, 'problem')} (${r.took} ms)`)
    }
    for (const p of r.problems) process.stderr.write(`meshledger verify: ${p.message}\n`)
    return r.ok ? EXIT.ok : EXIT.damaged
  }
}

function plural (n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/** The audit command. */
export const verifyCommands: Command[] = [verify]
