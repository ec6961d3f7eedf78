// Lays out the runtime tree of the image: compiled JS (already in `out` from
// `tsc -p deploy/tsconfig.build.json`) beside package.json files whose exports name that JS, plus
// what `pnpm install --prod --frozen-lockfile` needs. Usage: `tsx deploy/stage-runtime.ts <out>`.
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The workspace projects the image ships; the launcher, simulator and test helpers stay out. */
export const SHIPPED_PROJECTS = [
  'packages/schemas',
  'packages/config',
  'packages/observability',
  'packages/bus',
  'packages/exchanges',
  'services/ingestor',
  'services/aggregator',
  'services/gateway',
  'packages/ui',
] as const

/** Built files the image ships as they are: the /ui page (bundled by `pnpm install`). */
export const SHIPPED_ASSETS = [{ dir: 'packages/ui/dist', needs: 'index.html' }] as const

/** Root files the production install reads (the lockfile keeps versions exact). */
export const ROOT_FILES = ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', '.npmrc']

type Exports = string | { [condition: string]: Exports }

/** `./src/index.ts` → `./src/index.js`, through nested conditions. */
export function toCompiledExports(exports: Exports): Exports {
  if (typeof exports === 'string') return exports.replace(/\.ts$/, '.js')
  return Object.fromEntries(
    Object.entries(exports).map(([key, value]) => [key, toCompiledExports(value)])
  )
}

/** Writes the package.json and root files of the runtime tree into `out`. */
export function stageRuntime(root: string, out: string): void {
  for (const file of ROOT_FILES) copyFileSync(join(root, file), join(out, file))
  for (const project of SHIPPED_PROJECTS) {
    const pkg = JSON.parse(readFileSync(join(root, project, 'package.json'), 'utf8')) as {
      exports?: Exports
      scripts?: unknown
    }
    if (pkg.exports !== undefined) pkg.exports = toCompiledExports(pkg.exports)
    // build scripts need dev dependencies; the production install must not run them
    delete pkg.scripts
    const main = join(out, project, 'src', 'index.js')
    const entry = join(out, project, 'src', 'main.js')
    if (!existsSync(main) && !existsSync(entry)) {
      throw new Error(`${project} has no compiled JS in ${out}; run tsc first`)
    }
    mkdirSync(join(out, project), { recursive: true })
    writeFileSync(join(out, project, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`)
  }
  stageAssets(root, out)
}

/** Copies SHIPPED_ASSETS into `out`; throws when one was not built. */
export function stageAssets(root: string, out: string): void {
  for (const { dir, needs } of SHIPPED_ASSETS) {
    if (!existsSync(join(root, dir, needs))) {
      throw new Error(`${dir}/${needs} is missing; run pnpm install (it builds ${dir}) first`)
    }
    cpSync(join(root, dir), join(out, dir), { recursive: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2]
  if (!out) {
    process.stderr.write('usage: tsx deploy/stage-runtime.ts <out dir>\n')
    process.exit(2)
  }
  stageRuntime(resolve(dirname(fileURLToPath(import.meta.url)), '..'), resolve(out))
}
