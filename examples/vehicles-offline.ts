/**
 * Vehicles offline: three vehicles of one fleet meet at the depot and sync, drive apart (no
 * network at all: each link is cut), keep writing alone, meet again, and agree on one ledger.
 * Each prints what it knows at every step.
 *
 *   npm run example:vehicles-offline
 */
import type { Ledger } from '../src/index.js'
import { World, admit, link, synced, type Link } from './support.js'

await World.run(async (world) => {
  // The vehicles never use the DHT: they replicate only over links made when they meet.
  const v1 = await world.device('truck-1', { swarm: false })
  const v2 = await world.device('truck-2', { key: v1.key, encryptionKey: v1.encryptionKey, swarm: false })
  const v3 = await world.device('truck-3', { key: v1.key, encryptionKey: v1.encryptionKey, swarm: false })
  const fleet = [v1, v2, v3]
  const name = (l: Ledger): string => `truck-${fleet.indexOf(l) + 1}`
  const report = async (when: string): Promise<void> => {
    console.log(`\n-- ${when}`)
    for (const v of fleet) {
      const notes: string[] = []
      for await (const e of v.query({ type: 'log' })) notes.push(`${world.name(e.writer)}: ${String((e.data as { text: string }).text)} (${e.status})`)
      console.log(`${name(v)} knows ${notes.length} log entries, view hash ${(await v.hash()).slice(0, 12)}`)
      for (const n of notes) console.log(`   ${n}`)
    }
  }

  // At the depot: all three meet (truck-2 and truck-3 each link to truck-1).
  let links: Link[] = [link(v1, v2), link(v1, v3)]
  await admit(v1, v2, 'indexer')
  await admit(v1, v3, 'indexer')
  await v1.append({ type: 'log', data: { text: 'depot: fleet checked out' } })
  await synced(...fleet)
  await report('at the depot, everyone connected')

  // On the road: every link is cut; each truck writes alone.
  for (const l of links) l.cut()
  await v1.append({ type: 'log', data: { text: 'delivered to site A' } })
  await v2.append({ type: 'log', data: { text: 'refuelled at km 212' } })
  await v3.append({ type: 'log', data: { text: 'flat tyre fixed' } })
  await v3.append({ type: 'log', data: { text: 'delivered to site C' } })
  await report('apart: each truck only knows its own news (status applied: not final yet)')

  // Two of them meet at a rest stop.
  links = [link(v2, v3)]
  await synced(v2, v3)
  await report('truck-2 and truck-3 meet at a rest stop')

  // Back at the depot: everyone meets again and the ledgers agree.
  links.push(link(v1, v2), link(v1, v3))
  await synced(...fleet)
  for (const v of fleet) for await (const e of v.query({ type: 'log' })) await v.confirmed(e.id, { timeout: 15_000 })
  await report('back at the depot: one ledger, every entry confirmed')
  const hashes = await Promise.all(fleet.map((v) => v.hash()))
  console.log(`\nall three agree: ${hashes.every((h) => h === hashes[0]) ? 'yes' : 'NO'}`)
  for (const l of links) l.cut()
})
