// Exchange health as /health reports it: status and the age of each exchange's newest message.
import type { Health } from '@takashi/schemas'
import { el } from './dom.ts'
import { formatAge } from './format.ts'

export function renderHealth(list: HTMLUListElement, health: Health | null): void {
  if (health === null) {
    list.replaceChildren(el('li', 'gateway unreachable', 'down'))
    return
  }
  const items = Object.entries(health.exchanges).map(
    ([exchange, { status, last_message_age_ms }]) => {
      const li = el('li', '', status)
      li.dataset.exchange = exchange
      li.dataset.status = status
      li.append(
        el('span', exchange),
        el('span', status, 'badge'),
        el('span', `last message ${formatAge(last_message_age_ms)}`, 'time')
      )
      return li
    }
  )
  const redis = el('li', '', health.redis === 'ok' ? 'ok' : 'down')
  redis.append(el('span', 'redis'), el('span', health.redis, 'badge'))
  list.replaceChildren(...items, redis)
}
