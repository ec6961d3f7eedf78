// How numbers, times and event ids read on the page. Pure: tested in packages/ui/test.

const compact = new Intl.NumberFormat('en-US', {
  notation: 'compact',
  maximumFractionDigits: 2,
})

/** `$1.25M`, `$830.4K`; a dash when unknown. */
export function formatUsd(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–'
  return `$${compact.format(value)}`
}

/** A size or price with as many decimals as it needs, up to 6 significant ones for small values. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–'
  const abs = Math.abs(value)
  const digits = abs >= 1000 ? 2 : abs >= 1 ? 4 : 6
  return value.toLocaleString('en-US', { maximumFractionDigits: digits })
}

/** A funding rate (a fraction per period) as a percentage: 0.0001 → `0.0100%`. */
export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '–'
  return `${(rate * 100).toFixed(4)}%`
}

/** Wall-clock time of a millisecond timestamp, `14:03:27`, in the viewer's zone. */
export function formatTime(ms: number): string {
  return new Date(ms).toLocaleTimeString('en-GB', { hour12: false })
}

/** `just now`, `12 s ago`, `3 min ago`: an age the API reports in ms; null is `never`. */
export function formatAge(ms: number | null): string {
  if (ms === null) return 'never'
  if (ms < 1_000) return 'just now'
  if (ms < 60_000) return `${Math.round(ms / 1_000)} s ago`
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min ago`
  return `${Math.round(ms / 3_600_000)} h ago`
}
