import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { SHIPPED_PROJECTS, stageAssets } from '../../deploy/stage-runtime.ts'

const root = fileURLToPath(new URL('../../', import.meta.url))

describe('the image ships the /ui page', () => {
  test('the page built at install is copied into the runtime tree beside the compiled gateway', () => {
    expect(SHIPPED_PROJECTS).toContain('packages/ui')
    const out = mkdtempSync(join(tmpdir(), 'takashi-ui-'))
    try {
      stageAssets(root, out)
      for (const file of ['index.html', 'app.js', 'style.css']) {
        expect(existsSync(join(out, 'packages/ui/dist', file)), file).toBe(true)
      }
      expect(readFileSync(join(out, 'packages/ui/dist/index.html'), 'utf8')).toContain('/ui/app.js')
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  })

  test('an unbuilt page stops the image build with the command that builds it', () => {
    const empty = mkdtempSync(join(tmpdir(), 'takashi-ui-src-'))
    const out = mkdtempSync(join(tmpdir(), 'takashi-ui-'))
    try {
      expect(() => stageAssets(empty, out)).toThrow(
        'packages/ui/dist/index.html is missing; run pnpm install'
      )
    } finally {
      rmSync(empty, { recursive: true, force: true })
      rmSync(out, { recursive: true, force: true })
    }
  })
})
