import type { ExchangeId } from '@takashi/schemas'
import type { ExchangeAdapter } from './adapter.ts'
import { binance } from './binance/index.ts'
import { bybit } from './bybit/index.ts'
import { hyperliquid } from './hyperliquid/index.ts'
import { okx } from './okx/index.ts'

const registered = { binance, bybit, okx, hyperliquid } satisfies Partial<
  Record<ExchangeId, ExchangeAdapter>
>

/**
 * Every exchange adapter; adding an exchange is a folder and a line here. Each keeps its own
 * type, so its URL settings are checked wherever it is picked by name.
 */
export const adapters: Partial<typeof registered> = registered
