export { createAggregator, type Aggregator, type AggregatorOptions } from './aggregator.ts'
// the parts, for tests that run one without the whole process
export { createFeedConsumer, type FeedConsumerOptions } from './feed-consumer.ts'
export { createAggregatorMetrics, type AggregatorMetrics } from './metrics.ts'
export { createOiMonitor, type OiMonitorDeps } from './oi-monitor.ts'
