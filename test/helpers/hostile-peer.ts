/**
 * A hostile member for property tests: stock Autobase + Corestore (no meshledger code on its
 * write path), added to the ledger by key like any device, writing raw blocks. Its own apply only
 * follows the creator's membership ops, enough for Autobase to let it write; it remembers the
 * blocks others wrote so it can replay them. The block generators are seeded (test/helpers/random.ts).
 */
import Autobase from 'autobase'
import Corestore from 'corestore'
import id from 'hypercore-id-encoding'

/**
 * Nesting depth of the deep-value attack: deep enough that JSON.stringify throws on a peer with a
 * small `--stack-size` and not on another. The byte-level depth limit refuses it on every peer.
 */
export const DEEP_NESTING = 4100

/** The hostile member: its writer key, and raw appends that never throw. */
export interface HostilePeer {
  base: Autobase<unknown>
  key: Buffer
  /** Values others wrote, as this peer's apply saw them (for replays). */
  seen: Buffer[]
  /** Append raw blocks; resolves with how many the log took (0 once the device is removed). */
  write (blocks: Buffer[]): Promise<number>
  close (): Promise<void>
}

/** Open a hostile member of ledger `key` in `storage`; add `peer.key` as a member, then await `peer.base.waitForWritable()`. */
export async function openHostile (storage: string, key: Buffer, encryptionKey: Buffer | null): Promise<HostilePeer> {
  const store = new Corestore(storage)
  const seen: Buffer[] = []
  const base: Autobase<unknown> = new Autobase(store, key, {
    valueEncoding: 'binary',
    encryptionKey,
    ackInterval: 1 << 30,
    open: (views) => views.get('view'),
    apply: async (nodes, _view, host) => {
      for (const node of nodes) {
        if (node.value === null || node.from.key.equals(base.local.key)) continue
        if (seen.length < 256) seen.push(node.value)
        if (!node.from.key.equals(key)) continue
        try {
          const block = JSON.parse(node.value.toString()) as { o: Array<{ t: string, d: { key: string, role?: string } }> }
          for (const op of block.o) {
            if (op.t === 'member.add') await host.addWriter(id.decode(op.d.key), { indexer: op.d.role === 'indexer' })
            if (op.t === 'member.remove' && host.removeable(id.decode(op.d.key))) await host.removeWriter(id.decode(op.d.key))
          }
        } catch {}
      }
    }
  })
  await base.ready()
  return {
    base,
    key: base.local.key,
    seen,
    async write (blocks) {
      const results = await Promise.allSettled(blocks.map(async (b) => await base.append(b)))
      return results.filter((r) => r.status === 'fulfilled').length
    },
    async close () {
      await base.close().catch(() => {})
      await store.close().catch(() => {})
    }
  }
}

type Gen = (random: () => number, peer: HostilePeer, victims: string[]) => Buffer[]

const op = (t: string, d: unknown, p = 5): string => `{"p":${p},"o":[{"t":${JSON.stringify(t)},"s":1,"d":${JSON.stringify(d)}}]}`
const pickOf = <T>(random: () => number, xs: T[]): T => xs[Math.floor(random() * xs.length)]
const hex = (random: () => number, n: number): string => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('')

/** The attacks, by name: each returns the raw blocks to append. */
export const ATTACKS: Record<string, Gen> = {
  malformed: (r) => [pickOf(r, ['{', '{"p":1,"o":[', 'null', '[]', '{"p":1,"o":[]}', '{"p":"1","o":[{}]}', '\u0000\xff\xfe']), hex(r, 40)].map((s) => Buffer.from(s, 'latin1')),
  wide: (r) => [Buffer.from(op('note', Object.fromEntries(Array.from({ length: 2000 + Math.floor(r() * 4000) }, (_, i) => [`k${i}`, i])), 1))],
  deep: () => [Buffer.from(`{"p":1,"o":[{"t":"note","s":1,"d":${'['.repeat(DEEP_NESTING)}${']'.repeat(DEEP_NESTING)}}]}`)],
  numbers: (r) => [pickOf(r, ['1e400', '-1e400', '123456789012345678901234567890', '-0', '5e-324', '1.7976931348623157e309'])].map((n) =>
    Buffer.from(`{"p":2,"o":[{"t":"transfer","s":1,"d":{"to":"x","amount":${n}}},{"t":"note","s":${n},"d":${n}}]}`)),
  surrogates: () => [Buffer.from('{"p":1,"o":[{"t":"note","s":1,"d":"\\ud800 lone \\udfff"}]}'), Buffer.from([0x7b, 0x22, 0x70, 0x22, 0x3a, 0x31, 0xed, 0xa0, 0x80, 0x7d])],
  proto: (r, peer) => [
    `{"__proto__":{"p":1,"o":[{"t":"note","s":1,"d":1}]}}`,
    `{"p":1,"o":[{"t":"note","s":1,"d":{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}}]}`,
    op('member.add', { key: id.encode(peer.key), role: 'indexer', __proto__: null }),
    `{"p":1,"o":[{"t":"member.add","s":1,"d":{"__proto__":{"role":"indexer"},"key":"${id.encode(peer.key)}"}}]}`
  ].slice(0, 1 + Math.floor(r() * 4)).map((s) => Buffer.from(s)),
  future: (r) => [Buffer.from(op('note', 1, pickOf(r, [6, 99, 2 ** 53 - 1]))), Buffer.from(op('ledger.protocol', { version: 99 }, 4))],
  forged: (r, peer, victims) => [
    op('member.add', { key: id.encode(peer.key), role: 'indexer' }, 1),
    op('member.remove', { key: pickOf(r, victims) }, 1),
    op('member.quarantine', { key: pickOf(r, victims), reason: 'forged' }, 2),
    op('ledger.policy', { quorum: { quarantine: 'single' } }, 5),
    op('invite.create', { id: hex(r, 64), publicKey: hex(r, 64), role: 'indexer', expires: 2 ** 52, uses: 1000 }, 2),
    op('invite.use', { id: hex(r, 64), key: id.encode(peer.key), swarmKey: hex(r, 64), proof: hex(r, 128) }, 2),
    op('mint', { to: id.encode(peer.key), amount: 1e15 }, 2)
  ].filter(() => r() < 0.6).map((s) => Buffer.from(s)),
  replay: (r, peer) => peer.seen.length === 0 ? [] : Array.from({ length: 1 + Math.floor(r() * 4) }, () => pickOf(r, peer.seen)),
  burst: (r) => Array.from({ length: BURST }, (_, i) => Buffer.from(r() < 0.5 ? `x${i}` : `{"p":1,"o":[{"t":"n","s":${i},"d":0}]}`))
}

/** Tiny blocks per burst (HOSTILE_BURST; 1000 by default). */
export const BURST = Number(process.env.HOSTILE_BURST ?? 1000)
