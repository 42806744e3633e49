/**
 * The real daemon binary as the fault suite drives it: the tests' spawner (test/helpers/daemon.ts),
 * offline and without the LAN listener.
 */
import { launchDaemon, type DaemonProcess } from '../test/helpers/daemon.js'

export { StartFailed, type DaemonProcess } from '../test/helpers/daemon.js'

/** Start `meshledger daemon --data <data> --port 0 --offline --no-lan` plus `args`. */
export async function startDaemon (data: string, args: string[] = []): Promise<DaemonProcess> {
  return launchDaemon(data, ['--offline', '--no-lan', ...args])
}
