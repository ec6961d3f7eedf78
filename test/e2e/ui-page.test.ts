import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import { appendToFeed, compareIds, readFeedNewest } from '@takashi/bus'
import { createKeyStore } from '@takashi/gateway'
import type { Liquidation } from '@takashi/schemas'
import { oiSpike, redisTest as test, withoutId } from '@takashi/testing'
import {
  buildPage,
  colourOf,
  dataOf,
  distinct,
  launchChromium,
  openPage,
  startUiStack,
  tapeRows,
  UI_EXCHANGES,
} from './ui-stack.ts'

// The live page at /ui in headless Chromium, against simulated venues trading on their own.

let browser: Browser
beforeAll(async () => {
  buildPage()
  browser = await launchChromium()
}, 60_000)
afterAll(async () => {
  await browser?.close()
})

const FILL = { timeout: 40_000 }
const attribute = (page: Page, selector: string, name: string) =>
  page.locator(selector).getAttribute(name)

describe('the /ui page', () => {
  test('loads without console errors; tapes, tables, health and a live chart fill from every exchange', async ({
    redis,
    redisUrl,
    keys,
  }) => {
    const stack = await startUiStack({ redis, redisUrl, keys })
    const { page, errors } = await openPage(browser, `${stack.base}/ui`)
    await expect.poll(() => attribute(page, '#status', 'data-state')).toBe('live')

    // liquidations of several exchanges (Hyperliquid publishes none), large trades of several
    await expect
      .poll(async () => distinct(await tapeRows(page, 'liquidations'), 'exchange').length, FILL)
      .toBeGreaterThanOrEqual(2)
    await expect
      .poll(async () => distinct(await tapeRows(page, 'large-trades'), 'exchange').length, FILL)
      .toBeGreaterThanOrEqual(2)
    for (const tape of ['liquidations', 'large-trades']) {
      for (const row of await tapeRows(page, tape)) {
        // coloured by side: a short liquidated or a taker buy is buying pressure
        expect(row.className).toContain(['short', 'buy'].includes(row.side) ? 'bull' : 'bear')
        expect(row.symbol).toBe('BTCUSDT')
        expect(row.usd).toMatch(/^\$\d+(\.\d+)?[KMB]?$/)
      }
    }
    const bull = await colourOf(page, '#liquidations tr.bull, #large-trades tr.bull')
    expect(await colourOf(page, '#liquidations tr.bear, #large-trades tr.bear')).not.toBe(bull)

    // open interest and funding of every exchange side by side, and their total
    await expect
      .poll(() => dataOf(page, '#markets tbody tr[data-complete]', 'exchange'), FILL)
      .toEqual(UI_EXCHANGES)
    expect(await page.locator('#oi-total').textContent()).toMatch(/^\$\d+(\.\d+)?[KMB]$/)
    await expect
      .poll(() => dataOf(page, '#health li[data-exchange]', 'status'))
      .toEqual(UI_EXCHANGES.map(() => 'ok'))

    // a spike appended to the feed now appears live in the spikes list
    const spike = oiSpike({ exchange: 'okx', symbol: 'BTCUSDT', timeframe: '15m', z_score: 4.2 })
    await appendToFeed(redis, keys, 'oi-spikes', {
      eventId: `ui-test:${Date.now()}`,
      exchange: 'okx',
      symbol: 'BTCUSDT',
      body: JSON.stringify({ ...withoutId(spike), timestamp: Date.now() }),
    })
    await expect
      .poll(() => page.locator('#spikes li[data-exchange="okx"]').first().textContent())
      .toMatch(/okx BTCUSDT open interest 15m\s*z 4\.2 \(> 3\)/)

    // the chart draws the REST history, then live candle updates
    await expect.poll(() => page.locator('#chart canvas').count()).toBeGreaterThan(0)
    await expect.poll(() => attribute(page, '#chart', 'data-updates'), FILL).not.toBeNull()
    const before = Number(await attribute(page, '#chart', 'data-updates'))
    await expect
      .poll(async () => Number(await attribute(page, '#chart', 'data-updates')), FILL)
      .toBeGreaterThan(before + 1)
    expect(await page.locator('#chart-legend').textContent()).toMatch(/binance BTCUSDT 1m .* C /)

    expect(errors).toEqual([])
  }, 120_000)

  test('a filter narrows the tapes and the tables, and lives in the URL', async ({
    redis,
    redisUrl,
    keys,
  }) => {
    const stack = await startUiStack({ redis, redisUrl, keys })
    const { page, errors } = await openPage(browser, `${stack.base}/ui`)
    await expect
      .poll(async () => distinct(await tapeRows(page, 'large-trades'), 'exchange').length, FILL)
      .toBeGreaterThanOrEqual(2)

    await page.selectOption('#exchange', 'okx')
    expect(new URL(page.url()).searchParams.get('exchange')).toBe('okx')
    await page.fill('#symbol', 'ethusdt')
    await page.press('#symbol', 'Enter')
    expect(new URL(page.url()).search).toBe('?symbol=ETHUSDT&exchange=okx')
    for (const tape of ['liquidations', 'large-trades']) {
      await expect.poll(async () => (await tapeRows(page, tape)).length, FILL).toBeGreaterThan(0)
      const rows = await tapeRows(page, tape)
      expect(distinct(rows, 'exchange')).toEqual(['okx'])
      expect(distinct(rows, 'symbol')).toEqual(['ETHUSDT'])
    }
    await expect.poll(() => dataOf(page, '#markets tbody tr', 'exchange')).toEqual(['okx'])
    await expect
      .poll(() => page.locator('#chart-legend').textContent(), FILL)
      .toMatch(/^okx ETHUSDT 1m /)

    // a reload (or a shared link) opens the same view
    await page.reload()
    expect(await page.locator('#exchange').inputValue()).toBe('okx')
    expect(await page.locator('#symbol').inputValue()).toBe('ETHUSDT')
    await expect.poll(async () => (await tapeRows(page, 'large-trades')).length).toBeGreaterThan(0)
    expect(distinct(await tapeRows(page, 'large-trades'), 'exchange')).toEqual(['okx'])

    // Hyperliquid publishes no liquidations: the tape says so instead of staying empty
    await page.selectOption('#exchange', 'hyperliquid')
    await expect
      .poll(() => page.locator('#liquidations tbody').textContent())
      .toBe('hyperliquid publishes no liquidations')

    expect(errors).toEqual([])
  }, 120_000)

  test('survives a gateway restart: says so, and resumes the tapes with no gap and no duplicate', async ({
    redis,
    redisUrl,
    keys,
  }) => {
    const stack = await startUiStack({ redis, redisUrl, keys })
    const { page, errors } = await openPage(browser, `${stack.base}/ui`)
    await expect
      .poll(async () => (await tapeRows(page, 'liquidations')).length, FILL)
      .toBeGreaterThan(1)
    expect(errors).toEqual([])
    const shownBefore = (await tapeRows(page, 'liquidations'))[0]!.id

    await stack.stopGateway()
    await expect.poll(() => attribute(page, '#status', 'data-state')).toBe('reconnecting')
    expect(await page.locator('#status').textContent()).toMatch(/reconnecting/)
    // a BTCUSDT liquidation while the gateway is away: the page must get it on resume
    const missed = async () => {
      const entries = await readFeedNewest(redis, keys, 'liquidations', 200)
      return entries
        .map((entry) => JSON.parse(entry.body) as Liquidation)
        .find((r) => r.symbol === 'BTCUSDT' && compareIds(r.id, shownBefore) > 0)?.id
    }
    await expect.poll(missed, FILL).toBeDefined()
    const whileAway = (await missed())!

    await stack.startGateway()
    await expect.poll(() => attribute(page, '#status', 'data-state'), FILL).toBe('live')
    expect(await attribute(page, '#status', 'data-reconnects')).toBe('1')
    expect(await page.locator('#status').textContent()).toMatch(/reconnected .* feeds resumed/)

    // what the page shows is the feed itself, newest first: nothing missed, nothing twice
    for (const tape of ['liquidations', 'large-trades']) {
      await expect
        .poll(async () => {
          const shown = (await tapeRows(page, tape)).map((row) => row.id)
          const feed = (await (
            await fetch(`${stack.base}/${tape}?symbol=BTCUSDT&limit=${shown.length}`)
          ).json()) as { id: string }[]
          return { shown, feed: feed.map((record) => record.id) }
        }, FILL)
        .toSatisfy(
          ({ shown, feed }: { shown: string[]; feed: string[] }) =>
            shown.length > 0 && shown.join() === feed.join()
        )
    }
    expect((await tapeRows(page, 'liquidations')).map((row) => row.id)).toContain(whileAway)

    // a filter chosen while the gateway is away loads once it is back
    await stack.stopGateway()
    await expect.poll(() => attribute(page, '#status', 'data-state')).toBe('reconnecting')
    await page.selectOption('#exchange', 'bybit')
    await expect.poll(() => page.locator('#notices').isVisible()).toBe(true)
    await stack.startGateway()
    await expect.poll(() => attribute(page, '#status', 'data-reconnects'), FILL).toBe('2')
    await expect
      .poll(async () => distinct(await tapeRows(page, 'large-trades'), 'exchange'), FILL)
      .toEqual(['bybit'])

    // only the browser's own reports of the refused reconnects, nothing from the page
    const refused = /ERR_CONNECTION_REFUSED|WebSocket connection to .* failed/
    expect(errors.filter((error) => !refused.test(error))).toEqual([])
  }, 120_000)

  test('with API_KEYS=required, asks for a key, then shows the data with it', async ({
    redis,
    redisUrl,
    keys,
  }) => {
    const stack = await startUiStack({ redis, redisUrl, keys, apiKeys: 'required' })
    const { key } = await createKeyStore(redis, keys).create({ name: 'desk' })
    const { page, errors } = await openPage(browser, `${stack.base}/ui`)
    await expect.poll(() => page.locator('#api-key').count()).toBe(1)
    expect(await page.locator('#notices').textContent()).toMatch(/API key is required/)

    await page.fill('#api-key', key)
    await page.press('#api-key', 'Enter')
    await expect.poll(() => attribute(page, '#status', 'data-state')).toBe('live')
    await expect
      .poll(async () => (await tapeRows(page, 'large-trades')).length, FILL)
      .toBeGreaterThan(0)
    expect(await page.locator('#api-key').count()).toBe(0)
    // only the browser's report of the first, refused /exchanges
    expect(errors.filter((error) => !/status of 401/.test(error))).toEqual([])
    expect(errors).toHaveLength(1)
  }, 120_000)
})
