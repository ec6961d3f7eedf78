import type { IncomingMessage } from 'node:http'
import type { RequestHandler } from 'express'
import { z } from 'zod'
import { ApiError, backboneDown, rateLimited } from '../errors.ts'
import { addressIdentity } from './client-address.ts'
import type { KeyCache } from './key-cache.ts'
import { rateHeaders, type SharedCounter, type Take } from './shared-counter.ts'

export const apiKeysMode = z.enum(['off', 'optional', 'required'])
export type ApiKeysMode = z.infer<typeof apiKeysMode>

export interface AccessLimits {
  /** REST requests per client and minute; 0 turns the REST limit off */
  restPerMinute: number
  /** open WebSockets per client across replicas */
  wsConnections: number
}

/** Who is asking, and the limits that apply to them. */
export interface Client {
  /** `key:<id>` or `ip:<address>` (IPv6 by /64) */
  id: string
  keyId: string | null
  restPerMinute: number
  wsConnections: number
}

/** A request that has to ask the exchange costs this many requests in all (spec §6). */
export const EXCHANGE_BOUND_COST = 10

/** Paths orchestrators and Prometheus call: no key, no limit. */
export const OPEN_PATHS = new Set(['/health', '/livez', '/readyz', '/metrics'])

interface RequestScope {
  client: Client
  chargedUpstream: boolean
}

/**
 * Client identity and limits for REST and WebSockets: the API key when one is sent (and keys
 * are on), else the IP address; each REST request takes from the client's allowance shared by
 * every replica, and the first cache miss of a request takes the rest of its exchange-bound cost.
 */
export function createAccess(deps: {
  mode: ApiKeysMode
  keyCache: KeyCache | null
  clientAddress: (req: Pick<IncomingMessage, 'headers' | 'socket'>) => string
  counter: SharedCounter
  limits: AccessLimits
  onRateLimited?: () => void
}) {
  const { mode, keyCache, limits, counter } = deps
  // the client of each admitted request, for its upstream charge; a WeakMap rather than an
  // AsyncLocalStorage, whose async hooks would tax every request the gateway answers
  const scopes = new WeakMap<IncomingMessage, RequestScope>()

  // a client's address comes back with each of its requests: its identity is made once
  const byAddresses = new Map<string, Client>()
  function byAddress(req: Pick<IncomingMessage, 'headers' | 'socket'>): Client {
    const address = deps.clientAddress(req)
    let client = byAddresses.get(address)
    if (client === undefined) {
      if (byAddresses.size > 10_000) byAddresses.clear()
      client = Object.freeze({
        id: addressIdentity(address),
        keyId: null,
        restPerMinute: limits.restPerMinute,
        wsConnections: limits.wsConnections,
      })
      byAddresses.set(address, client)
    }
    return client
  }

  function fromKey(record: Awaited<ReturnType<KeyCache['resolve']>>): Client {
    if (record === null) throw new ApiError(401, 'unauthorized', 'unknown or revoked API key')
    return {
      id: `key:${record.id}`,
      keyId: record.id,
      restPerMinute: record.rpm ?? limits.restPerMinute,
      wsConnections: record.ws_connections ?? limits.wsConnections,
    }
  }

  /** The client of a request; throws 401 for a missing (when required) or unknown key. */
  function identify(
    req: Pick<IncomingMessage, 'headers' | 'socket'>,
    queryKey?: string | null
  ): Client | Promise<Client> {
    if (mode === 'off' || keyCache === null) return byAddress(req)
    const header = req.headers['x-api-key']
    const key = (Array.isArray(header) ? header[0] : header) ?? queryKey ?? undefined
    if (key === undefined || key === '') {
      if (mode === 'required') {
        throw new ApiError(401, 'unauthorized', 'an API key is required (X-API-Key header)')
      }
      return byAddress(req)
    }
    const record = keyCache.resolve(key)
    if (!(record instanceof Promise)) return fromKey(record)
    return record.then(fromKey, (err: unknown) => {
      throw backboneDown(err)
    })
  }

  function refusal(take: Take, what: string): ApiError {
    deps.onRateLimited?.()
    return rateLimited(`more than ${take.limit} ${what} a minute`, take.resetMs)
  }

  /** One request from the client's REST allowance. */
  const take = (client: Client): Take | Promise<Take> =>
    counter.take(client.id, 1, client.restPerMinute)

  // a request whose allowance was already taken (by the fast path) is not counted again
  const taken = new WeakMap<IncomingMessage, Take>()

  /** express: identifies the client, takes one request, answers 401/429 or goes on. */
  const middleware: RequestHandler = (req, res, next) => {
    if (OPEN_PATHS.has(req.path) || req.method === 'OPTIONS') return next()
    const admit = (client: Client) => {
      scopes.set(req, { client, chargedUpstream: false })
      if (client.restPerMinute <= 0) return next()
      const settle = (take: Take) => {
        res.set(rateHeaders(take))
        if (!take.allowed) return next(refusal(take, 'requests'))
        next()
      }
      const result = taken.get(req) ?? take(client)
      if (result instanceof Promise) result.then(settle, next)
      else settle(result)
    }
    try {
      const client = identify(req)
      if (client instanceof Promise) client.then(admit, next)
      else admit(client)
    } catch (err) {
      next(err)
    }
  }

  /**
   * What runs before `req` asks an exchange: takes the rest of the request's cost once (a /multi
   * request may ask several), or throws 429.
   */
  function upstreamCharge(req: IncomingMessage): () => Promise<void> {
    return async () => {
      const current = scopes.get(req)
      if (!current || current.chargedUpstream || current.client.restPerMinute <= 0) return
      current.chargedUpstream = true
      const { client } = current
      const take = await counter.take(client.id, EXCHANGE_BOUND_COST - 1, client.restPerMinute)
      if (!take.allowed) throw refusal(take, 'requests (one that asks the exchange counts 10)')
    }
  }

  return {
    identify,
    take,
    /** Records that `req`'s request was already taken from its client's allowance. */
    markTaken: (req: IncomingMessage, result: Take) => taken.set(req, result),
    middleware,
    upstreamCharge,
  }
}

export type Access = ReturnType<typeof createAccess>
