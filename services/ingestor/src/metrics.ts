import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { ExchangeId } from '@takashi/schemas'

export type IngestorMetrics = ReturnType<typeof createIngestorMetrics>

/** Kinds of frames the connection loop could not use (a closed label set). */
export const BAD_FRAME_KINDS = ['invalid', 'venue_error', 'parse_exception'] as const
export type BadFrameKind = (typeof BAD_FRAME_KINDS)[number]

/**
 * Every metric of an ingestor. `stream` on messages/lag is the record kind (a closed set);
 * on last_message_age it is the venue stream the connection carries.
 */
export function createIngestorMetrics(registry: Registry, exchange: ExchangeId) {
  const registers = [registry]
  // what last_message_age_seconds reads at scrape time; set by the heartbeat
  let lastMessageAt: () => Readonly<Record<string, number>> = () => ({})
  // what connections_open reads at scrape time; set by the ingestor
  let openConnections: () => number = () => 0
  return {
    exchange,
    setLastMessageSource(source: () => Readonly<Record<string, number>>): void {
      lastMessageAt = source
    },
    setOpenConnectionsSource(source: () => number): void {
      openConnections = source
    },
    symbolsServed: new Gauge({
      name: 'takashi_ingestor_symbols_served',
      help: 'Symbols this ingestor serves now (its universe, as written to Redis)',
      labelNames: ['exchange'] as const,
      registers,
    }),
    symbolsSkipped: new Gauge({
      name: 'takashi_ingestor_symbols_skipped',
      help: 'Symbols left out at the last instrument refresh, by reason (unlisted: asked for but not trading; unrepresentable: no canonical name)',
      labelNames: ['exchange', 'reason'] as const,
      registers,
    }),
    streamsDropped: new Gauge({
      name: 'takashi_ingestor_streams_unplaced',
      help: 'Venue streams wanted but not subscribed because the venue per-IP socket limit is reached',
      labelNames: ['exchange'] as const,
      registers,
    }),
    connectionsOpen: new Gauge({
      name: 'takashi_ingestor_connections_open',
      help: 'WebSocket connections to the exchange open now',
      labelNames: ['exchange'] as const,
      registers,
      collect() {
        this.set({ exchange }, openConnections())
      },
    }),
    controlFrames: new Counter({
      name: 'takashi_ingestor_subscribe_requests_total',
      help: 'Subscribe and unsubscribe requests sent, per connection',
      labelNames: ['exchange', 'connection'] as const,
      registers,
    }),
    messages: new Counter({
      name: 'takashi_ingestor_messages_total',
      help: 'Normalized records published, by record kind',
      labelNames: ['exchange', 'stream'] as const,
      registers,
    }),
    lag: new Histogram({
      name: 'takashi_ingestor_lag_seconds',
      help: 'Exchange event time to publish time (candles excluded: their timestamp is the open time)',
      labelNames: ['exchange', 'stream'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    lastMessageAge: new Gauge({
      name: 'takashi_ingestor_last_message_age_seconds',
      help: 'Seconds since the last data message of each venue stream',
      labelNames: ['exchange', 'stream'] as const,
      registers,
      collect() {
        this.reset()
        const now = Date.now()
        for (const [stream, at] of Object.entries(lastMessageAt())) {
          this.set({ exchange, stream }, Math.max(0, (now - at) / 1000))
        }
      },
    }),
    badFrames: new Counter({
      name: 'takashi_ingestor_invalid_frames_total',
      help: 'Frames dropped: unparseable, venue error messages, parser exceptions',
      labelNames: ['exchange', 'kind'] as const,
      registers,
    }),
    reconnects: new Counter({
      name: 'takashi_ingestor_reconnects_total',
      help: 'WebSocket connections lost and scheduled for reconnection',
      labelNames: ['exchange', 'connection'] as const,
      registers,
    }),
    connected: new Gauge({
      name: 'takashi_ingestor_connected',
      help: '1 while the WebSocket connection is open',
      labelNames: ['exchange', 'connection'] as const,
      registers,
    }),
    publishErrors: new Counter({
      name: 'takashi_ingestor_publish_errors_total',
      help: 'Records that could not be written to Redis',
      labelNames: ['exchange'] as const,
      registers,
    }),
    backboneDown: new Gauge({
      name: 'takashi_ingestor_backbone_down',
      help: '1 from a failed Redis write or a lost Redis connection until writes succeed again',
      labelNames: ['exchange'] as const,
      registers,
    }),
    eventBuffer: new Gauge({
      name: 'takashi_ingestor_event_buffer_events',
      help: 'Liquidations and large trades waiting in memory for Redis',
      labelNames: ['exchange'] as const,
      registers,
    }),
    eventsDropped: new Counter({
      name: 'takashi_ingestor_event_buffer_dropped_total',
      help: 'Liquidations and large trades given up while Redis was away (buffer full, too old)',
      labelNames: ['exchange', 'reason'] as const,
      registers,
    }),
    uncoveredSeries: new Gauge({
      name: 'takashi_ingestor_candle_series_uncovered',
      help: 'Candle series not marked contiguous, waiting for a REST backfill',
      labelNames: ['exchange'] as const,
      registers,
    }),
    restRequests: new Counter({
      name: 'takashi_ingestor_rest_requests_total',
      help: 'REST calls to the exchange, by HTTP status (error: no response)',
      labelNames: ['exchange', 'status'] as const,
      registers,
    }),
    restWeightUsed: new Gauge({
      name: 'takashi_ingestor_rest_weight_used',
      help: 'REST weight spent in the current minute by all processes of this exchange',
      labelNames: ['exchange'] as const,
      registers,
    }),
    restClientRefusals: new Counter({
      name: 'takashi_ingestor_rest_client_refusals_total',
      help: "Clients' requests refused because the clients' half of the REST budget was spent (answered 503 busy)",
      labelNames: ['exchange'] as const,
      registers,
    }),
    upstreamErrors: new Counter({
      name: 'takashi_ingestor_upstream_errors_total',
      help: 'Failed REST calls to the exchange, by HTTP status (error: no response)',
      labelNames: ['exchange', 'status'] as const,
      registers,
    }),
    pollRuns: new Counter({
      name: 'takashi_ingestor_poll_runs_total',
      help: 'REST poll runs by outcome',
      labelNames: ['exchange', 'poll', 'outcome'] as const,
      registers,
    }),
    backfills: new Counter({
      name: 'takashi_ingestor_backfills_total',
      help: 'Candle series backfilled by REST, by outcome',
      labelNames: ['exchange', 'outcome'] as const,
      registers,
    }),
    fetchJobs: new Counter({
      name: 'takashi_ingestor_fetch_jobs_total',
      help: 'Cache-miss fetch jobs by kind and outcome',
      labelNames: ['exchange', 'kind', 'outcome'] as const,
      registers,
    }),
  }
}
