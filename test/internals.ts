/**
 * Reaching past the public API to act like a faulty or malicious device: write raw blocks into a
 * device's own log, skipping local validation.
 */
import type Hypercore from 'hypercore'
import type { Ledger } from '../src/index.js'
import { encodeBlock } from '../src/ops.js'

interface RawBase {
  local: Hypercore
  append (value: Buffer): Promise<number>
  heads (): Array<{ key: Buffer, length: number }>
  length: number
  localWriter: { isRemoved: boolean } | null
}

function rawBase (ledger: Ledger): RawBase {
  return (ledger as unknown as { base: RawBase }).base
}

/** Append raw bytes as one block of `ledger`'s log; resolves with the block index. */
export async function appendRaw (ledger: Ledger, block: Buffer): Promise<number> {
  return (await rawBase(ledger).append(block)) - 1
}

/** Append ops as one block, unchecked. */
export async function appendOps (ledger: Ledger, ops: Array<{ t: string, s?: number, d?: unknown }>): Promise<number> {
  return appendRaw(ledger, encodeBlock(ops.map((o) => ({ t: o.t, s: o.s ?? 1, d: o.d ?? null }))).bytes)
}

/** Write into the log of a device that was removed, as a misbehaving device would. */
export async function forceAppendAfterRemoval (ledger: Ledger, ops: Array<{ t: string, d?: unknown }>): Promise<number> {
  const base = rawBase(ledger)
  const writer = base.localWriter
  if (writer === null) throw new Error('no local writer to force')
  writer.isRemoved = false
  try {
    return await appendOps(ledger, ops)
  } finally {
    writer.isRemoved = true
  }
}

/** The causal heads and system length: equal on two peers when they hold the same history. */
export function history (ledger: Ledger): string {
  const base = rawBase(ledger)
  const heads = base.heads().map((h) => `${h.key.toString('hex')}:${h.length}`).sort()
  return `${base.length}|${heads.join(',')}`
}

/** A device's own log (its Autobase local writer core). */
export function localCore (ledger: Ledger): Hypercore {
  return rawBase(ledger).local
}
