import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

export type AggregatorMetrics = ReturnType<typeof createAggregatorMetrics>

export function createAggregatorMetrics(registry: Registry) {
  const registers = [registry]
  return {
    eventsIn: new Counter({
      name: 'takashi_aggregator_events_in_total',
      help: 'Ingested trades and liquidations read from the ingest streams',
      labelNames: ['kind'] as const,
      registers,
    }),
    eventsOut: new Counter({
      name: 'takashi_aggregator_events_out_total',
      help: 'Events appended to a public feed',
      labelNames: ['feed'] as const,
      registers,
    }),
    duplicates: new Counter({
      name: 'takashi_aggregator_duplicates_dropped_total',
      help: 'Events already in their feed (re-delivered or ingested twice), dropped',
      labelNames: ['feed'] as const,
      registers,
    }),
    belowFloor: new Counter({
      name: 'takashi_aggregator_below_floor_total',
      help: 'Events under the feed floor, not appended',
      labelNames: ['kind'] as const,
      registers,
    }),
    invalid: new Counter({
      name: 'takashi_aggregator_invalid_events_total',
      help: 'Ingest stream entries that could not be read, acknowledged and dropped',
      labelNames: ['kind'] as const,
      registers,
    }),
    detectorRuns: new Counter({
      name: 'takashi_aggregator_detector_runs_total',
      help: 'Spike evaluations of one series (exchange, symbol, timeframe, metric)',
      labelNames: ['timeframe', 'metric'] as const,
      registers,
    }),
    spikes: new Counter({
      name: 'takashi_aggregator_spikes_total',
      help: 'OI/volume spikes appended to the oi-spikes feed',
      labelNames: ['timeframe', 'metric'] as const,
      registers,
    }),
    evaluationSeconds: new Histogram({
      name: 'takashi_aggregator_spike_evaluation_seconds',
      help: 'One scheduled evaluation of every OI/volume series',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    judgedSymbols: new Gauge({
      name: 'takashi_aggregator_spike_symbols',
      help: 'Symbols whose OI/volume series the spike monitor judges, per exchange',
      labelNames: ['exchange'] as const,
      registers,
    }),
    jobFailures: new Counter({
      name: 'takashi_aggregator_job_failures_total',
      help: 'BullMQ jobs of the aggregator that failed',
      labelNames: ['queue'] as const,
      registers,
    }),
    consumerUp: new Gauge({
      name: 'takashi_aggregator_consumer_up',
      help: '1 while the feed consumer reads the ingest streams, 0 while its reads fail',
      registers,
    }),
    consumerLag: new Gauge({
      name: 'takashi_aggregator_consumer_lag_entries',
      help: 'Ingest stream entries not yet delivered to the consumer group',
      labelNames: ['kind'] as const,
      registers,
    }),
  }
}
