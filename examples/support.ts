/**
 * What the examples share: a private DHT testnet on loopback, devices (ledgers in temp folders)
 * with names for printing, in-memory links between devices, and waiting for the mesh to settle.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import createTestnet from 'hyperdht/testnet.js'
import { Ledger, type KeyInput, type Role } from '../src/index.js'

/** A named device of an example. */
export interface Device {
  name: string
  ledger: Ledger
}

/** A link between two devices' ledgers, replicating in memory until it is cut. */
export interface Link {
  cut (): void
}

/** Give up waiting after this long (ms): an example must end by itself, even when it fails. */
const WAIT_MS = 15_000

/**
 * A small world for an example: a DHT testnet bound to 127.0.0.1, and the devices started on it.
 * `close()` closes every device, the testnet and the temp folders.
 */
export class World {
  private readonly testnet: Awaited<ReturnType<typeof createTestnet>>
  private readonly devices: Device[] = []
  private readonly dirs: string[] = []

  private constructor (testnet: Awaited<ReturnType<typeof createTestnet>>) {
    this.testnet = testnet
  }

  /** Start a 3-node testnet on loopback. */
  static async create (): Promise<World> {
    return new World(await createTestnet(3))
  }

  /** Create a world, tell `story` in it, and close it whatever happens. */
  static async run (story: (world: World) => Promise<void>): Promise<void> {
    const world = await World.create()
    try {
      await story(world)
    } finally {
      await world.close()
    }
  }

  /**
   * Start a device. Without `key` it creates a ledger; with `swarm: false` it stays off the DHT
   * and only replicates over {@link link}s.
   */
  async device (name: string, { key, encryptionKey, swarm }: { key?: string, encryptionKey?: string | null, swarm?: false } = {}): Promise<Ledger> {
    const dir = await mkdtemp(path.join(tmpdir(), `meshledger-example-${name}-`))
    this.dirs.push(dir)
    const ledger = new Ledger({
      storage: dir, key: key ?? null, encryptionKey, bootstrap: this.testnet.bootstrap, dhtHost: '127.0.0.1', ...(swarm === false ? { swarm } : {})
    })
    await ledger.ready()
    this.devices.push({ name, ledger })
    return ledger
  }

  /** The name of the device with this key (or the account name itself, for shared accounts). */
  name (key: string | null | undefined): string {
    if (key === null || key === undefined) return '(minted)'
    return this.devices.find((d) => d.ledger.deviceKey === key)?.name ?? key
  }

  /** Close every device, then the testnet, then remove the folders. */
  async close (): Promise<void> {
    for (const d of this.devices.reverse()) await d.ledger.close()
    await this.testnet.destroy()
    await Promise.all(this.dirs.map((d) => rm(d, { recursive: true, force: true })))
  }
}

/** Replicate `a` and `b` over an in-memory pipe (as a cable or a radio link would). */
export function link (a: Ledger, b: Ledger): Link {
  const s1 = a.replicate(true)
  const s2 = b.replicate(false)
  s1.on('error', () => {})
  s2.on('error', () => {})
  s1.pipe(s2).pipe(s1)
  return {
    cut () {
      for (const s of [s1, s2]) (s as unknown as { destroy(): void }).destroy()
    }
  }
}

/** Poll `check` every 25 ms until it holds; throws after 15 s saying what never happened. */
export async function waitFor (what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/** Wait until every ledger holds the same view (equal length and hash). */
export async function synced (...ledgers: Ledger[]): Promise<void> {
  await waitFor('the devices to converge', async () => {
    const lengths = new Set(ledgers.map((l) => l.length))
    if (lengths.size !== 1) return false
    const hashes = new Set(await Promise.all(ledgers.map((l) => l.hash())))
    return hashes.size === 1
  })
}

/** `indexer` adds `device` as a member, then waits until `device` knows it may write. */
export async function admit (indexer: Ledger, device: Ledger, role: Role = 'writer'): Promise<void> {
  await indexer.addMember(device.deviceKey as KeyInput, { role })
  await waitFor('a new member to become writable', () => device.writable)
}
