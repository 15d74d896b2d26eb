// A TCP proxy a test can cut: an outage of PostgreSQL or Redis for one client, while everything else
// (the test itself, other clients) keeps talking to the real server.
import type { Socket, TCPSocketListener } from 'bun'

export interface TcpProxy {
  /** `127.0.0.1:<port>`: point the client here instead of at the server. */
  readonly host: string
  readonly port: number
  /** Drops every open connection and refuses new ones (nothing listens on the port) until `restore`. */
  cut(): void
  restore(): void
  close(): void
}

interface Pipe {
  upstream?: Socket<Pipe>
  client?: Socket<Pipe>
  /** bytes from the client before the server connection was up */
  early: Uint8Array[]
  /** bytes a socket did not take yet, per socket (written on `drain`) */
  pending: Map<Socket<Pipe>, Uint8Array[]>
}

/** Writes all of `chunk`, keeping what the socket does not take now for its `drain`. */
function send(to: Socket<Pipe> | undefined, chunk: Uint8Array, pipe: Pipe) {
  if (!to) return
  const queued = pipe.pending.get(to)
  if (queued?.length) {
    queued.push(new Uint8Array(chunk))
    return
  }
  const written = to.write(chunk)
  if (written < chunk.byteLength) pipe.pending.set(to, [chunk.slice(written)])
}

function drain(socket: Socket<Pipe>) {
  const queued = socket.data?.pending.get(socket)
  while (queued?.length) {
    const chunk = queued[0]!
    const written = socket.write(chunk)
    if (written < chunk.byteLength) {
      queued[0] = chunk.slice(written)
      return
    }
    queued.shift()
  }
}

export function tcpProxy(target: { host: string; port: number }): TcpProxy {
  const open = new Set<Socket<Pipe>>()
  const listen = (port: number): TCPSocketListener<Pipe> =>
    Bun.listen<Pipe>({
      hostname: '127.0.0.1',
      port,
      socket: {
        open(client) {
          client.data = { client, early: [], pending: new Map() }
          open.add(client)
          Bun.connect<Pipe>({
            hostname: target.host,
            port: target.port,
            data: client.data,
            socket: {
              open(upstream) {
                upstream.data.upstream = upstream
                open.add(upstream)
                for (const chunk of upstream.data.early.splice(0)) send(upstream, chunk, upstream.data)
              },
              data(upstream, chunk) {
                send(upstream.data.client, chunk, upstream.data)
              },
              drain,
              close(upstream) {
                open.delete(upstream)
                upstream.data.client?.end()
              },
              error(upstream) {
                upstream.data.client?.end()
              },
            },
          }).catch(() => client.end())
        },
        data(client, chunk) {
          if (client.data.upstream) send(client.data.upstream, chunk, client.data)
          else client.data.early.push(new Uint8Array(chunk))
        },
        drain,
        close(client) {
          open.delete(client)
          client.data?.upstream?.end()
        },
        error(client) {
          client.data?.upstream?.end()
        },
      },
    })
  let listener: TCPSocketListener<Pipe> | undefined = listen(0)
  const port = listener.port
  const dropAll = () => {
    for (const s of [...open]) s.terminate()
    open.clear()
  }
  return {
    host: '127.0.0.1',
    port,
    cut() {
      // Like a server that went away: connecting is refused, not accepted and hung.
      listener?.stop(true)
      listener = undefined
      dropAll()
    },
    restore() {
      listener ??= listen(port)
    },
    close() {
      listener?.stop(true)
      listener = undefined
      dropAll()
    },
  }
}
