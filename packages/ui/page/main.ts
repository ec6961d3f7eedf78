// The live market page at /ui: wires the filters (kept in the URL), the panels and the page's one
// `/ws` connection, whose state the status pill shows (reconnects and resumes included).
import { createClient, TakashiError, type ExchangeInfo, type StreamState } from '@takashi/client'
import { askForApiKey, storedApiKey } from './api-key.ts'
import { createCandleChart } from './chart.ts'
import { byId } from './dom.ts'
import { CHART_INTERVALS, EXCHANGES, readFilters, writeFilters, type Filters } from './filters.ts'
import { formatTime } from './format.ts'
import { renderHealth } from './health.ts'
import { createMarkets } from './markets.ts'
import { createSpikes } from './spikes.ts'
import { createTape } from './tape.ts'
import { startView, type Panels, type View } from './view.ts'

const HEALTH_POLL_MS = 5_000

const apiKey = storedApiKey()
const client = createClient(apiKey === undefined ? {} : { apiKey })
const stream = client.stream()
const notices = byId('notices')
const panels: Panels = {
  liquidations: createTape(byId<HTMLTableElement>('liquidations').tBodies[0]!),
  largeTrades: createTape(byId<HTMLTableElement>('large-trades').tBodies[0]!),
  markets: createMarkets(byId<HTMLTableElement>('markets').tBodies[0]!, byId('oi-total')),
  spikes: createSpikes(byId<HTMLUListElement>('spikes')),
  chart: createCandleChart(byId('chart'), byId('chart-legend')),
  notice(text) {
    notices.textContent = text
    notices.hidden = false
  },
}

// filter controls, filled from the lists the page knows
const symbolInput = byId<HTMLInputElement>('symbol')
const exchangeSelect = byId<HTMLSelectElement>('exchange')
const intervalSelect = byId<HTMLSelectElement>('interval')
for (const name of EXCHANGES) exchangeSelect.add(new Option(name, name))
for (const interval of CHART_INTERVALS) intervalSelect.add(new Option(interval, interval))

function showControls(filters: Filters): void {
  symbolInput.value = filters.symbol
  exchangeSelect.value = filters.exchange ?? ''
  intervalSelect.value = filters.interval
}

let exchanges: ExchangeInfo[] = []
let view: View | undefined

function show(filters: Filters): void {
  view?.stop()
  notices.hidden = true
  showControls(filters)
  document.title = `${filters.symbol} · takashi`
  view = startView(client, stream, exchanges, filters, panels)
}

function onControlChange(): void {
  const filters = readFilters(
    new URLSearchParams({
      symbol: symbolInput.value,
      exchange: exchangeSelect.value,
      interval: intervalSelect.value,
    }).toString()
  )
  const search = writeFilters(filters)
  // Enter in the symbol field fires both change and submit: one view per distinct choice
  if (search === writeFilters(readFilters(location.search)) && view !== undefined) return
  history.pushState(null, '', `${location.pathname}${search}`)
  show(filters)
}
byId('filters').addEventListener('submit', (event) => {
  event.preventDefault()
  onControlChange()
})
for (const control of [symbolInput, exchangeSelect, intervalSelect]) {
  control.addEventListener('change', onControlChange)
}
window.addEventListener('popstate', () => show(readFilters(location.search)))

// the connection's state, and what a reconnect did
const status = byId('status')
let opened = false
let reconnects = 0
let reconnectedAt = ''
function showStatus(state: StreamState): void {
  status.dataset.state = state === 'open' ? 'live' : state
  status.dataset.reconnects = String(reconnects)
  if (state === 'open') {
    status.textContent =
      reconnects === 0
        ? 'live'
        : `live · reconnected ${reconnectedAt}, ${view?.resumable() ?? 0} feeds resumed`
  } else if (state === 'reconnecting') {
    status.textContent = 'gateway lost · reconnecting…'
  } else if (state === 'closed') {
    status.textContent = 'disconnected: reload the page'
  } else {
    status.textContent = 'connecting…'
  }
  if (state !== 'open') renderHealth(byId<HTMLUListElement>('health'), null)
}
stream.onStatus(({ state, error }) => {
  if (state === 'open') {
    if (opened) {
      reconnects++
      reconnectedAt = formatTime(Date.now())
      // a view that could not load while the gateway was away starts again; otherwise only the
      // candles that closed meanwhile are fetched (the event tapes resume by id on their own)
      if (view?.failed()) show(readFilters(location.search))
      else view?.refresh()
      void pollHealth()
    }
    opened = true
  }
  if (error instanceof TakashiError && error.status === 401) askForApiKey(notices, error.message)
  else if (error) panels.notice(error.message)
  showStatus(state)
})

// exchange health; polled only while the gateway is reachable
async function pollHealth(): Promise<void> {
  const health = await client.health().catch(() => null)
  renderHealth(byId<HTMLUListElement>('health'), health)
}
setInterval(() => {
  if (status.dataset.state === 'live') void pollHealth()
}, HEALTH_POLL_MS)

async function start(): Promise<void> {
  try {
    exchanges = await client.exchanges()
  } catch (error) {
    if (error instanceof TakashiError && error.status === 401) {
      return askForApiKey(notices, error.message)
    }
    panels.notice(`could not read /exchanges: ${(error as Error).message}; reload to try again`)
    return
  }
  show(readFilters(location.search))
  await pollHealth()
}
void start()
