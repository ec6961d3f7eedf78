import { SendTimedClient } from '../venue-server.ts'
import { hyperliquidTopic, isHyperliquidInterval } from './events.ts'

/** Hyperliquid's per-IP subscription limit. */
export const MAX_SUBSCRIPTIONS = 1000

// Error texts below are ours: Hyperliquid's `{"channel":"error","data":"<text>"}` frame shape,
// with wording that was not captured from the venue.

/** The topic of a subscription object, or an error text when Hyperliquid would refuse it. */
export function topicOf(subscription: unknown): { topic: string } | { error: string } {
  if (typeof subscription !== 'object' || subscription === null) {
    return { error: 'Invalid subscription: expected an object' }
  }
  const { type, coin, interval } = subscription as Record<string, unknown>
  const shown = JSON.stringify(subscription)
  const needsCoin =
    type === 'trades' ||
    type === 'activeAssetCtx' ||
    type === 'l2Book' ||
    type === 'bbo' ||
    type === 'candle'
  if (needsCoin && (typeof coin !== 'string' || coin === '')) {
    return { error: `Invalid subscription ${shown}` }
  }
  switch (type) {
    case 'trades':
    case 'activeAssetCtx':
    case 'l2Book':
    case 'bbo':
      return { topic: hyperliquidTopic[type](coin as string) }
    case 'candle':
      if (typeof interval !== 'string' || !isHyperliquidInterval(interval)) {
        return { error: `Invalid subscription ${shown}` }
      }
      return { topic: hyperliquidTopic.candle(coin as string, interval) }
    case 'allMids':
      return { topic: hyperliquidTopic.allMids() }
    default:
      return { error: `Invalid subscription ${shown}` }
  }
}

/** The data channel of a topic; a spot coin's context comes on `activeSpotAssetCtx`. */
export function channelOf(topic: string): string {
  const [type = '', coin = ''] = topic.split(':')
  if (type === 'activeAssetCtx' && (coin.startsWith('@') || coin.includes('/'))) {
    return 'activeSpotAssetCtx'
  }
  return type
}

/** One client connection: its subscriptions and when the server last sent it anything. */
export class FakeHyperliquidClient extends SendTimedClient {
  readonly topics: string[] = []
  /** when each subscribe / unsubscribe request came (ms) */
  readonly requestTimes: number[] = []

  deliver(topic: string, data: unknown, now: number): void {
    if (this.topics.includes(topic)) this.send({ channel: channelOf(topic), data }, now)
  }

  /**
   * Answers one client text frame as Hyperliquid does: ping → pong (unless `answerPing` is
   * false), subscribe / unsubscribe → a `subscriptionResponse` echoing the subscription.
   * Returns true when the frame was a ping.
   */
  handleText(
    text: string,
    now: number,
    answerPing: boolean,
    /** subscriptions of every socket from this IP: the cap is per IP */
    ipSubscriptions = this.topics.length
  ): boolean {
    let request: unknown
    try {
      request = JSON.parse(text)
    } catch {
      this.send(
        {
          channel: 'error',
          data: `Error parsing JSON into valid websocket request: ${text.slice(0, 100)}`,
        },
        now
      )
      return false
    }
    const { method, subscription } = (request ?? {}) as { method?: unknown; subscription?: unknown }
    if (method === 'ping') {
      if (answerPing) this.send({ channel: 'pong' }, now)
      return true
    }
    if (method !== 'subscribe' && method !== 'unsubscribe') {
      this.send({ channel: 'error', data: `Invalid request: ${text.slice(0, 100)}` }, now)
      return false
    }
    this.requestTimes.push(now)
    const resolved = topicOf(subscription)
    if ('error' in resolved) {
      this.send({ channel: 'error', data: resolved.error }, now)
      return false
    }
    const at = this.topics.indexOf(resolved.topic)
    if (method === 'subscribe') {
      if (at >= 0) {
        this.send(
          { channel: 'error', data: `Already subscribed: ${JSON.stringify(subscription)}` },
          now
        )
        return false
      }
      if (ipSubscriptions >= MAX_SUBSCRIPTIONS) {
        this.send(
          {
            channel: 'error',
            data: `Cannot track more than ${MAX_SUBSCRIPTIONS} total subscriptions`,
          },
          now
        )
        return false
      }
      this.topics.push(resolved.topic)
    } else {
      if (at < 0) {
        this.send(
          { channel: 'error', data: `Already unsubscribed: ${JSON.stringify(subscription)}` },
          now
        )
        return false
      }
      this.topics.splice(at, 1)
    }
    this.send({ channel: 'subscriptionResponse', data: { method, subscription } }, now)
    return false
  }
}
