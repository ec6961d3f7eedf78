// Open interest and funding per exchange side by side, with the total open interest in USD.
import type { FundingRate, OpenInterest } from '@takashi/schemas'
import { el } from './dom.ts'
import { formatNumber, formatRate, formatTime, formatUsd } from './format.ts'

interface Row {
  oi?: OpenInterest
  funding?: FundingRate
}

export interface Markets {
  openInterest(record: OpenInterest): void
  funding(record: FundingRate): void
  reset(exchanges: readonly string[]): void
}

export function createMarkets(body: HTMLTableSectionElement, total: HTMLElement): Markets {
  const rows = new Map<string, Row>()

  function render(): void {
    const trs = [...rows].map(([exchange, { oi, funding }]) => {
      const tr = el('tr')
      tr.dataset.exchange = exchange
      // every figure known (read by the browser tests)
      if (oi?.open_interest_usd != null && funding !== undefined) tr.dataset.complete = ''
      const rate = funding?.funding_rate ?? null
      tr.append(
        el('td', exchange),
        el('td', formatNumber(oi?.open_interest), 'num'),
        el('td', formatUsd(oi?.open_interest_usd), 'num'),
        el('td', formatRate(rate), `num ${rate === null ? '' : rate >= 0 ? 'bull' : 'bear'}`),
        el('td', funding ? `${funding.interval_hours} h` : '–', 'num'),
        el('td', funding?.next_funding_time ? formatTime(funding.next_funding_time) : '–', 'num'),
        el('td', formatNumber(funding?.mark_price), 'num')
      )
      return tr
    })
    body.replaceChildren(...trs)
    const values = [...rows.values()].map((row) => row.oi?.open_interest_usd)
    const known = values.filter((value): value is number => typeof value === 'number')
    total.textContent = known.length === 0 ? '–' : formatUsd(known.reduce((a, b) => a + b, 0))
  }

  return {
    openInterest(record) {
      rows.set(record.exchange, { ...rows.get(record.exchange), oi: record })
      render()
    },
    funding(record) {
      rows.set(record.exchange, { ...rows.get(record.exchange), funding: record })
      render()
    },
    reset(exchanges) {
      rows.clear()
      for (const exchange of exchanges) rows.set(exchange, {})
      render()
    },
  }
}
