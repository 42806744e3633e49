/**
 * A lean keep-alive HTTP/1.1 load client: one socket per client, one request in flight per
 * socket, responses framed by content-length. Node's http client costs about as much CPU per
 * request as the server it measures; on a 2-core machine that would measure the client.
 */
import { connect, type Socket } from 'node:net'

/** One keep-alive connection that sends the same request again and again. */
export class LeanClient {
  private readonly socket: Socket
  private readonly request: Buffer
  private buffer: Buffer = Buffer.alloc(0)
  private waiting: ((status: number) => void) | null = null

  constructor (url: string, method: string, path: string, headers: Record<string, string>, body: string) {
    const { hostname, port } = new URL(url)
    this.socket = connect(Number(port), hostname)
    this.socket.setNoDelay(true)
    const head = [`${method} ${path} HTTP/1.1`, `host: ${hostname}:${port}`, 'connection: keep-alive', `content-length: ${Buffer.byteLength(body)}`,
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join('\r\n')
    this.request = Buffer.from(`${head}\r\n\r\n${body}`)
    this.socket.on('data', (d: Buffer) => this.ondata(d))
  }

  /** Send the request; resolves with the response status. */
  send (): Promise<number> {
    return new Promise((resolve) => {
      this.waiting = resolve
      this.socket.write(this.request)
    })
  }

  /** Close the connection. */
  close (): void {
    this.socket.destroy()
  }

  private ondata (d: Buffer): void {
    this.buffer = this.buffer.length === 0 ? d : Buffer.concat([this.buffer, d])
    const end = this.buffer.indexOf('\r\n\r\n')
    if (end === -1) return
    const head = this.buffer.subarray(0, end).toString('latin1')
    const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0)
    if (this.buffer.length < end + 4 + length) return
    this.buffer = this.buffer.subarray(end + 4 + length)
    const waiting = this.waiting
    this.waiting = null
    waiting?.(Number(head.slice(9, 12)))
  }
}
