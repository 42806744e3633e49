/**
 * A fleet of writers that wrote single entries offline, as the fleet tests merge it: each writer
 * is admitted by the gateway, writes `each` entries alone, and closes; its folder is kept.
 */
import type test from 'brittle'
import Corestore from 'corestore'
import { pipeReplicas } from '../../src/audit/pipe.js'
import type { Ledger } from '../../src/index.js'
import { create, tmp, until } from './index.js'

type T = test.Test

/** The writers' device keys and folders. */
export interface OfflineFleet {
  keys: string[]
  dirs: string[]
}

/** Admit `writers` devices on the gateway's ledger; each writes `each` readings offline, then closes. */
export async function offlineFleet (t: T, gateway: Ledger, writers: number, each: number): Promise<OfflineFleet> {
  const fleet: OfflineFleet = { keys: [], dirs: [] }
  for (let i = 0; i < writers; i++) {
    const storage = await tmp(t)
    const w = await create(t, { storage, key: gateway.key, encryptionKey: gateway.encryptionKey })
    await gateway.addMember(w.deviceKey, { role: 'writer' })
    const unpipe = pipeReplicas(gateway, w)
    await until([w], () => w.writable)
    unpipe()
    for (let n = 0; n < each; n++) await w.append({ type: 'reading', data: { n } })
    fleet.keys.push(w.deviceKey)
    fleet.dirs.push(storage)
    await w.close()
  }
  return fleet
}

/**
 * Serve the fleet's folders to the gateway (plain Corestores: the writers only serve their logs,
 * so the gateway is the only device applying) and resolve once every writer's last entry is in
 * its view.
 */
export async function mergeFleet (t: T, gateway: Ledger, fleet: OfflineFleet, each: number): Promise<void> {
  // Autobase's timers are unref'd, and in-memory pipes hold no handle: a daemon's process stays
  // alive anyway, this one must be kept alive while the merge waits on a timer.
  const alive = setInterval(() => {}, 1000)
  t.teardown(() => clearInterval(alive))
  const stores = fleet.dirs.map((d) => new Corestore(d))
  t.teardown(async () => { for (const s of stores) await s.close() })
  const unpipes = stores.map((s) => pipeReplicas(gateway, s))
  t.teardown(() => { for (const u of unpipes) u() })
  await until([gateway], async () => {
    for (const key of fleet.keys) if ((await gateway.get(`${key}.${each - 1}.0`)) === null) return false
    return true
  })
}

/**
 * A gateway that merged a fleet of `writers` offline writers (`each` readings apiece) and signed
 * all of it: the history a fresh device fast-forwards over.
 */
export async function signedFleet (t: T, writers: number, each: number): Promise<{ gateway: Ledger, fleet: OfflineFleet }> {
  const gateway = await create(t)
  const fleet = await offlineFleet(t, gateway, writers, each)
  await mergeFleet(t, gateway, fleet, each)
  await until([gateway], () => gateway.stats.view.signedLength === gateway.stats.view.length)
  return { gateway, fleet }
}
