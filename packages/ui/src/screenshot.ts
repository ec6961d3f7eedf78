// Takes the README's picture of the page from a running stack (`pnpm demo`) in headless
// Chromium, once the tapes and the chart have filled. Usage:
//   pnpm --filter @takashi/ui screenshot [page URL] [out.png] [chromium]
// (defaults: http://localhost:8080/ui, docs/ui.png, Debian's /usr/bin/chromium)
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const url = process.argv[2] ?? 'http://localhost:8080/ui'
const out = process.argv[3] ?? fileURLToPath(new URL('../../../docs/ui.png', import.meta.url))
const executablePath = process.argv[4] ?? '/usr/bin/chromium'

const browser = await chromium.launch({ executablePath, headless: true })
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
  await page.goto(url)
  // full tapes and a chart that has moved, as a visitor sees it after a minute
  await page.waitForSelector('#liquidations tbody tr[data-id]:nth-child(12)', { timeout: 120_000 })
  await page.waitForSelector('#large-trades tbody tr[data-id]:nth-child(12)', { timeout: 120_000 })
  await page.waitForSelector('#markets tbody tr[data-complete]', { timeout: 60_000 })
  await page.waitForSelector('#chart[data-updates]:not([data-updates="0"])', { timeout: 60_000 })
  await page.screenshot({ path: out })
  process.stdout.write(`wrote ${out}\n`)
} finally {
  await browser.close()
}
