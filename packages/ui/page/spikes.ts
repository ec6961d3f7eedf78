// The recent open-interest and volume spikes, newest first.
import type { OISpike } from '@takashi/schemas'
import { el } from './dom.ts'
import { formatNumber, formatTime } from './format.ts'

const MAX_ITEMS = 20

export interface Spikes {
  add(spike: OISpike): void
  reset(spikes: readonly OISpike[]): void
}

export function createSpikes(list: HTMLUListElement): Spikes {
  function item(spike: OISpike): HTMLLIElement {
    const li = el('li')
    li.dataset.exchange = spike.exchange
    const metric = spike.metric === 'open_interest' ? 'open interest' : 'volume'
    li.append(
      el('span', formatTime(spike.timestamp), 'time'),
      el('span', `${spike.exchange} ${spike.symbol} ${metric} ${spike.timeframe}`),
      el('span', `z ${spike.z_score.toFixed(1)} (> ${spike.threshold})`, 'num'),
      el('span', formatNumber(spike.value), 'num')
    )
    return li
  }
  const empty = () => list.replaceChildren(el('li', 'no spike yet', 'note'))
  return {
    add(spike) {
      list.querySelector('li.note')?.remove()
      list.prepend(item(spike))
      while (list.children.length > MAX_ITEMS) list.lastElementChild?.remove()
    },
    reset(spikes) {
      if (spikes.length === 0) return empty()
      list.replaceChildren(...spikes.slice(0, MAX_ITEMS).map(item))
    },
  }
}
