import type { ExchangeId } from '@takashi/schemas'
import type { ExchangeAdapter } from './adapter.ts'
import { binance } from './binance/index.ts'
import { bybit } from './bybit/index.ts'
import { hyperliquid } from './hyperliquid/index.ts'
import { okx } from './okx/index.ts'

/** Every exchange adapter; adding an exchange is a folder and a line here. */
export const adapters: Partial<Record<ExchangeId, ExchangeAdapter>> = {
  binance,
  bybit,
  okx,
  hyperliquid,
}
