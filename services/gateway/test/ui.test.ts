import { describe, expect } from 'vitest'
import { redisTest as test } from '@takashi/testing'
import { uiBuilt } from '@takashi/ui'
import { perTest } from './helpers.ts'

const { gateway: startGateway } = perTest()

// The page itself is tested in a browser (test/e2e/ui-page.test.ts); here, how it is served.
describe('GET /ui', () => {
  test('serves the built page and its bundle from this origin only, without a key', async ({
    redisUrl,
    keys,
  }) => {
    expect(uiBuilt(), 'pnpm install builds packages/ui').toBe(true)
    const gateway = await startGateway({ redisUrl, keys }, { apiKeys: 'required' })
    const page = await fetch(`${gateway.url}/ui`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    expect(page.headers.get('cache-control')).toBe('no-cache')
    const csp = page.headers.get('content-security-policy') ?? ''
    // its own files and its own gateway (fetch, WebSocket): no CDN, works offline
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("script-src 'self'")
    // plain-HTTP deployments stay reachable: nothing is upgraded to https:// or wss://
    expect(csp).not.toContain('upgrade-insecure-requests')
    expect(page.headers.get('x-frame-options')).toBe('SAMEORIGIN')
    const html = await page.text()
    expect(html).toContain('<script type="module" src="/ui/app.js">')
    expect(html).not.toMatch(/https?:\/\//)

    const bundle = await fetch(`${gateway.url}/ui/app.js`)
    expect(bundle.status).toBe(200)
    expect(bundle.headers.get('content-type')).toMatch(/^(text|application)\/javascript/)
    expect(bundle.headers.get('etag')).not.toBeNull()
    // lightweight-charts is bundled in
    expect(await bundle.text()).toContain('tv-lightweight-charts')
    expect((await fetch(`${gateway.url}/ui/style.css`)).headers.get('content-type')).toMatch(
      /^text\/css/
    )

    // the data still needs a key: the page shows the API's refusal
    expect((await fetch(`${gateway.url}/exchanges`)).status).toBe(401)
  })
})
