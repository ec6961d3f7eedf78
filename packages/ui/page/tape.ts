// A tape of events (liquidations or large trades), newest on top, coloured by side.
import type { LargeTrade, Liquidation } from '@takashi/schemas'
import { el } from './dom.ts'
import { formatNumber, formatTime, formatUsd } from './format.ts'

export type TapeRecord = Liquidation | LargeTrade

const MAX_ROWS = 60

/** Sides that read as buying pressure: a short liquidated (bought back), a taker buy. */
const BULLISH = new Set(['short', 'buy'])

export interface Tape {
  /** adds records that arrived live, newest last */
  add(record: TapeRecord): void
  /** replaces the rows with `records`, newest first (as the REST feeds answer) */
  reset(records: readonly TapeRecord[]): void
  /** a line in place of the rows (no feed for this exchange, an error) */
  note(text: string): void
}

export function createTape(body: HTMLTableSectionElement): Tape {
  function row(record: TapeRecord): HTMLTableRowElement {
    const tr = el('tr', '', BULLISH.has(record.side) ? 'bull' : 'bear')
    tr.dataset.id = record.id
    tr.dataset.exchange = record.exchange
    tr.dataset.symbol = record.symbol
    tr.dataset.side = record.side
    tr.append(
      el('td', formatTime(record.timestamp), 'time'),
      el('td', record.exchange),
      el('td', record.symbol),
      el('td', record.side, 'side'),
      el('td', formatNumber(record.price), 'num'),
      el('td', formatNumber(record.quantity), 'num'),
      el('td', formatUsd(record.value_usd), 'num usd')
    )
    return tr
  }

  function trim(): void {
    while (body.rows.length > MAX_ROWS) body.lastElementChild?.remove()
  }

  return {
    add(record) {
      body.querySelector('tr.note')?.remove()
      const tr = row(record)
      tr.classList.add('fresh')
      body.prepend(tr)
      trim()
    },
    reset(records) {
      body.replaceChildren(...records.slice(0, MAX_ROWS).map(row))
      if (records.length === 0) this.note('waiting for events…')
    },
    note(text) {
      const td = el('td', text)
      td.colSpan = 7
      const tr = el('tr', '', 'note')
      tr.append(td)
      body.replaceChildren(tr)
    },
  }
}
