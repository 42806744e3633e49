/**
 * What the daemon prints on a terminal after its first start on a new ledger: the two keys,
 * labelled (on the first device they are one string, and why), and what to do next. Logs for a
 * machine (JSON lines) carry the same keys as fields of the `ready` event instead.
 */

/** What the welcome is about. */
export interface Welcome {
  ledger: string
  device: string
  api: string
  data: string
  /** The data folder commands use when not told: `--data` is left out of the hints then. */
  defaultData: string
}

/** The lines printed after the `ready` line of a daemon that has just created its ledger. */
export function welcomeLines ({ ledger, device, api, data, defaultData }: Welcome): string[] {
  const at = data === defaultData ? '' : ` --data ${data}`
  const same = ledger === device
  return [
    '',
    `A new ledger, in ${data}`,
    `  ledger key  ${ledger}`,
    '              names the ledger: the same on every device that joins it',
    `  device key  ${device}`,
    '              this device\'s identity on the ledger (its writer key): every device has its own',
    ...(same ? ['  They are the same here: the first device\'s log is the one the ledger is named after (Autobase\'s', '  bootstrap core). The next device gets a device key of its own.'] : []),
    `  API         ${api} (bearer token in ${data}/api-token)`,
    '',
    'Next, in another terminal:',
    ...columns([
      [`meshledger invite --qr${at}`, 'invite a device (it runs meshledger join <code>)'],
      [`meshledger dashboard${at}`, 'open the dashboard (a one-time login link)'],
      [`meshledger append note '{"text":"hello"}'${at}`, 'append an entry']
    ]),
    ...(at === '' ? ['  (from the project\'s folder: npx meshledger ...)'] : []),
    ''
  ]
}

/** `  command   what it does`, the commands padded to one column. */
function columns (rows: Array<[string, string]>): string[] {
  const width = Math.max(...rows.map(([command]) => command.length)) + 3
  return rows.map(([command, what]) => `  ${command.padEnd(width)}${what}`)
}
