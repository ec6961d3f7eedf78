import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The built page (`index.html` and its bundled assets), written by `src/build.ts` at install. */
export const uiDir = fileURLToPath(new URL('../dist/', import.meta.url))

/** True when the page has been built (`pnpm install` builds it; `pnpm --filter @takashi/ui build` too). */
export const uiBuilt = (): boolean => existsSync(new URL('../dist/index.html', import.meta.url))
