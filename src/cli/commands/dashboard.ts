/**
 * `dashboard`: print a one-time login link to the running daemon's dashboard. The link's code
 * works once, for a minute; the browser trades it for a session cookie, so the API token never
 * reaches the browser.
 */
import type { Command } from '../command.js'
import { CliError } from '../errors.js'
import { print, printJson } from '../output.js'

const dashboard: Command = {
  name: 'dashboard',
  usage: '',
  summary: 'print a one-time login link to the daemon\'s dashboard',
  description: `Asks the running daemon for a login code and prints the link to open in a browser on this
machine. The link works once, within a minute, and signs the browser in for 12 hours
(an HttpOnly cookie). From another machine, tunnel the port first:
ssh -L 4737:127.0.0.1:4737 pi@device, then open the link with the daemon's port.`,
  async run (ctx) {
    const client = await ctx.client()
    if (client.via !== 'daemon') throw new CliError('DAEMON_UNREACHABLE', `no daemon serves ${ctx.data} (start meshledger daemon first)`)
    const { path, expires } = await client.request<{ path: string, expires: number }>('POST', '/v1/dashboard/login')
    const url = client.url + path
    if (ctx.json) printJson({ url, expires })
    else print(url, 'open it within a minute; it works once')
  }
}

/** The dashboard command. */
export const dashboardCommands: Command[] = [dashboard]
