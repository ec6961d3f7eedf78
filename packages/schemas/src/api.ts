import { z } from 'zod'
import { ExchangeId, FundingRate, Interval, Ohlc, OpenInterest } from './records.ts'

/** Body of every error answer (spec §4). */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'bad_request' }),
      message: z.string().meta({ example: 'limit: must be an integer from 1 to 1000' }),
    }),
  })
  .meta({ id: 'Error' })
export type ErrorBody = z.infer<typeof ErrorBody>

export const Capabilities = z.object({
  ohlc: z.boolean(),
  open_interest: z.boolean(),
  funding_rate: z.boolean(),
  liquidations: z.boolean(),
  large_trades: z.boolean(),
  trades: z.boolean(),
})
export type Capabilities = z.infer<typeof Capabilities>

export const FeedStatus = z.enum(['ok', 'degraded', 'down'])

export const RootInfo = z
  .object({
    name: z.string(),
    version: z.string(),
    exchanges: z.array(ExchangeId),
    docs: z.string(),
  })
  .meta({ id: 'RootInfo' })

export const Health = z
  .object({
    status: FeedStatus,
    redis: z.enum(['ok', 'down']),
    exchanges: z.record(
      z.string(),
      z.object({ status: FeedStatus, last_message_age_ms: z.number().int().nullable() })
    ),
  })
  .meta({ id: 'Health' })
export type Health = z.infer<typeof Health>

export const ExchangeInfo = z
  .object({
    name: ExchangeId,
    status: FeedStatus,
    capabilities: Capabilities,
    symbols: z
      .number()
      .int()
      .nonnegative()
      .meta({ description: 'how many symbols the exchange serves now' }),
  })
  .meta({ id: 'ExchangeInfo' })

export const MultiOhlc = z
  .object({
    symbol: z.string(),
    interval: Interval,
    exchanges: z.record(z.string(), z.array(Ohlc)),
    errors: z.record(z.string(), z.string()),
  })
  .meta({ id: 'MultiOhlc' })

export const MultiOpenInterest = z
  .object({
    symbol: z.string(),
    total_open_interest_usd: z.number().nullable(),
    exchanges: z.record(z.string(), OpenInterest),
    errors: z.record(z.string(), z.string()),
  })
  .meta({ id: 'MultiOpenInterest' })

export const MultiFundingRate = z
  .object({
    symbol: z.string(),
    exchanges: z.record(z.string(), FundingRate),
    errors: z.record(z.string(), z.string()),
  })
  .meta({ id: 'MultiFundingRate' })
