import type { IncomingMessage } from 'node:http'
import { BlockList, isIP } from 'node:net'
import { z } from 'zod'

// Named ranges as express names them, so existing TRUSTED_PROXIES values keep their meaning.
const NAMED_RANGES: Record<string, [string, number, 'ipv4' | 'ipv6'][]> = {
  loopback: [
    ['127.0.0.0', 8, 'ipv4'],
    ['::1', 128, 'ipv6'],
  ],
  linklocal: [
    ['169.254.0.0', 16, 'ipv4'],
    ['fe80::', 10, 'ipv6'],
  ],
  uniquelocal: [
    ['10.0.0.0', 8, 'ipv4'],
    ['172.16.0.0', 12, 'ipv4'],
    ['192.168.0.0', 16, 'ipv4'],
    ['fc00::', 7, 'ipv6'],
  ],
}

/** `TRUSTED_PROXIES`: addresses, CIDR ranges or range names (comma list); `none` trusts nobody. */
export const trustedProxies = z
  .string()
  .trim()
  .refine(
    (text) =>
      text === 'none' ||
      text.split(',').every((item) => {
        const [address = '', bits, ...rest] = item.trim().split('/')
        if (address in NAMED_RANGES) return bits === undefined
        const family = isIP(address)
        const maxBits = family === 4 ? 32 : 128
        return (
          family !== 0 &&
          rest.length === 0 &&
          (bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= maxBits))
        )
      }),
    `expected 'none' or a comma list of IP addresses, CIDR ranges or ${Object.keys(NAMED_RANGES).join(', ')}`
  )
  .transform((text) => (text === 'none' ? (false as const) : text))

/** `::ffff:10.0.0.1` → `10.0.0.1`, so one client is one address whatever the socket family. */
export function plainAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  return mapped?.[1] ?? address
}

/** The BlockList of a parsed `TRUSTED_PROXIES` value (false: nobody). */
export function trustedList(value: string | false): BlockList {
  const list = new BlockList()
  if (value === false) return list
  for (const item of value.split(',')) {
    const [address = '', bits] = item.trim().split('/')
    const named = NAMED_RANGES[address]
    if (named) {
      for (const [net, prefix, family] of named) list.addSubnet(net, prefix, family)
      continue
    }
    const family = isIP(address) === 4 ? 'ipv4' : 'ipv6'
    if (bits === undefined) list.addAddress(address, family)
    else list.addSubnet(address, Number(bits), family)
  }
  return list
}

function isTrusted(list: BlockList, address: string): boolean {
  const family = isIP(address)
  if (family === 0) return false
  return list.check(address, family === 4 ? 'ipv4' : 'ipv6')
}

/**
 * The client's IP address. The peer of the socket, unless that peer is a trusted proxy: then the
 * last `X-Forwarded-For` hop, the address the proxy itself saw. Earlier hops are whatever the
 * client wrote and are never believed, so a client cannot choose its identity.
 */
export function createClientAddress(
  trusted: string | false
): (req: Pick<IncomingMessage, 'headers' | 'socket'>) => string {
  const list = trustedList(trusted)
  // peers are few (clients, or the balancer's addresses): decide once per address
  const decided = new Map<string, boolean>()
  const trustedPeer = (peer: string) => {
    let trust = decided.get(peer)
    if (trust === undefined) {
      if (decided.size > 10_000) decided.clear()
      decided.set(peer, (trust = isTrusted(list, peer)))
    }
    return trust
  }
  // a connection's peer does not change: it is read and judged once per socket
  const peers = new WeakMap<object, { peer: string; trusted: boolean }>()
  return (req) => {
    let known = peers.get(req.socket)
    if (known === undefined) {
      const peer = plainAddress(req.socket.remoteAddress ?? '')
      known = { peer, trusted: trustedPeer(peer) }
      // a socket not yet connected (tests' stand-ins) has no peer to remember
      if (peer !== '') peers.set(req.socket, known)
    }
    const { peer } = known
    if (!known.trusted) return peer || 'unknown'
    const header = req.headers['x-forwarded-for']
    const text = Array.isArray(header) ? header.join(',') : header
    const nearest = plainAddress(text?.split(',').pop()?.trim() ?? '')
    return isIP(nearest) !== 0 ? nearest : peer
  }
}

/** The identity of an address for limits: IPv4 as is, IPv6 by its /64 (one subscriber's net). */
export function addressIdentity(address: string): string {
  if (isIP(address) !== 6) return `ip:${address}`
  const groups = expandIpv6(address)
  return `ip:${groups.slice(0, 4).join(':')}::/64`
}

function expandIpv6(address: string): string[] {
  const [head = '', tail] = address.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail === undefined || tail === '' ? [] : tail.split(':')
  const missing = 8 - left.length - right.length
  const groups = [...left, ...Array<string>(Math.max(0, missing)).fill('0'), ...right]
  return groups.map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''))
}
