import type { Registry } from 'prom-client'

/**
 * A metric read from a process's registry: the sum of the samples whose labels include every
 * one of `labels` (all samples when none are given), or 0 when there are none.
 */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {}
): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name)
  return (metric?.values ?? [])
    .filter((sample) =>
      Object.entries(labels).every(([key, value]) => String(sample.labels[key]) === value)
    )
    .reduce((sum, sample) => sum + sample.value, 0)
}
