// Bundles the page (page/main.ts with lightweight-charts and the client) into dist/ with esbuild:
// one script, one stylesheet and index.html, no CDN, so the page works offline. Runs at
// `pnpm install` (postinstall) and as `pnpm --filter @takashi/ui build`.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = fileURLToPath(new URL('../', import.meta.url))

/** Builds the page into `outdir` (default dist/); resolves once the files are written. */
export async function buildPage(outdir = `${root}dist`): Promise<void> {
  rmSync(outdir, { recursive: true, force: true })
  mkdirSync(outdir, { recursive: true })
  await build({
    entryPoints: { app: `${root}page/main.ts`, style: `${root}page/style.css` },
    outdir,
    bundle: true,
    minify: true,
    sourcemap: 'linked',
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    legalComments: 'linked',
    logLevel: 'warning',
  })
  copyFileSync(`${root}page/index.html`, `${outdir}/index.html`)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildPage()
