import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Registry } from 'prom-client'
import { chromium, type Browser, type Page } from 'playwright-core'
import type { Keys, Redis } from '@takashi/bus'
import { adapters, urlsFrom, type ExchangeAdapter } from '@takashi/exchanges'
import { createGateway } from '@takashi/gateway'
import { createIngestor } from '@takashi/ingestor'
import type { ExchangeId } from '@takashi/schemas'
import { startSimulation } from '@takashi/simulator/simulation'
import { uiDir } from '@takashi/ui'
import { cleanups, silent, startAggregator } from './helpers.ts'

// The stack the /ui browser tests drive: the simulated venues (the fake venues of
// @takashi/fakes, trading on their own), an ingestor per exchange, the aggregator and a gateway
// that can be stopped and started again on its port.

export const UI_EXCHANGES: ExchangeId[] = ['binance', 'bybit', 'okx', 'hyperliquid']
export const UI_SYMBOLS = ['BTCUSDT', 'ETHUSDT']

/** Debian's Chromium; CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

/** Headless Chromium, or an error that says how to get it (.ci/run installs it). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `the /ui browser tests need Chromium at ${CHROMIUM}: install Debian's chromium package ` +
        '(apt-get install chromium; .ci/run does) or set CHROMIUM_PATH'
    )
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true })
}

/** Builds the page from its current sources (install builds it too; tests must see edits). */
export function buildPage(): void {
  const script = join(uiDir, '../src/build.ts')
  const result = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`the page did not build:\n${result.stderr}`)
}

export async function startUiStack(options: {
  redis: Redis
  redisUrl: string
  keys: Keys
  apiKeys?: 'off' | 'required'
}) {
  const { redis, redisUrl, keys } = options
  const simulation = await startSimulation({
    exchanges: UI_EXCHANGES,
    symbols: UI_SYMBOLS,
    intervals: ['1m'],
  })
  cleanups.push(() => simulation.stop())
  const served: ExchangeAdapter[] = []
  for (const id of UI_EXCHANGES) {
    const adapter: ExchangeAdapter | undefined = adapters[id]
    if (adapter === undefined) throw new Error(`no ${id} adapter`)
    served.push(adapter)
    const ingestor = createIngestor({
      adapter,
      urls: urlsFrom(adapter.urlEnv, simulation.urls),
      symbols: UI_SYMBOLS,
      intervals: ['1m'],
      redis,
      redisUrl,
      keys,
      log: silent('ingestor'),
      registry: new Registry(),
    })
    await ingestor.start()
    cleanups.push(() => ingestor.stop())
  }
  await startAggregator(redisUrl, keys)

  const newGateway = () =>
    createGateway({
      redisUrl,
      keys,
      exchanges: served,
      symbols: UI_SYMBOLS,
      intervals: ['1m'],
      log: silent('gateway'),
      registry: new Registry(),
      fetchTimeoutMs: 5_000,
      apiKeys: options.apiKeys ?? 'off',
      keyRefreshMs: 200,
    })
  let gateway: ReturnType<typeof newGateway> | null = newGateway()
  const port = await gateway.listen(0)
  cleanups.push(() => gateway?.stop())
  const base = `http://127.0.0.1:${port}`
  return {
    base,
    /** stops the gateway (WebSockets closed with 1001, as on SIGTERM) */
    async stopGateway() {
      await gateway?.stop()
      gateway = null
    },
    /** a new gateway on the same port, as a restarted process would be */
    async startGateway() {
      gateway = newGateway()
      await gateway.listen(port)
    },
  }
}

/** A page of its own browser context (closed after the test) and the errors it logged. */
export async function openPage(browser: Browser, url: string) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } })
  cleanups.push(() => context.close())
  const page = await context.newPage()
  const errors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text())
  })
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`))
  await page.goto(url)
  return { page, errors }
}

export interface TapeRow {
  id: string
  exchange: string
  symbol: string
  side: string
  className: string
  usd: string
}

/** What the tests read of the page's elements (the Node side of the tests has no DOM types). */
interface PageElement {
  dataset: Record<string, string | undefined>
  className: string
  textContent: string | null
  querySelector(selector: string): PageElement | null
}

/** The rows of a tape (`liquidations`, `large-trades`) as the page shows them, top first. */
export function tapeRows(page: Page, tape: string): Promise<TapeRow[]> {
  return page.locator(`#${tape} tbody tr[data-id]`).evaluateAll((rows: PageElement[]) =>
    rows.map((row) => {
      const { id = '', exchange = '', symbol = '', side = '' } = row.dataset
      const usd = row.querySelector('td.usd')?.textContent ?? ''
      return { id, exchange, symbol, side, className: row.className, usd }
    })
  )
}

/** One data attribute of every element `selector` matches. */
export function dataOf(page: Page, selector: string, name: string): Promise<(string | null)[]> {
  return page
    .locator(selector)
    .evaluateAll(
      (items: PageElement[], key: string) => items.map((item) => item.dataset[key] ?? null),
      name
    )
}

/** The text colour the page gives the first element `selector` matches. */
export function colourOf(page: Page, selector: string): Promise<string> {
  return page
    .locator(selector)
    .first()
    .evaluate(
      (element: PageElement) =>
        (
          globalThis as unknown as { getComputedStyle(e: PageElement): { color: string } }
        ).getComputedStyle(element).color
    )
}

/** The set of distinct values of one field of `rows`. */
export const distinct = (rows: TapeRow[], field: keyof TapeRow) =>
  [...new Set(rows.map((row) => row[field]))].sort()
