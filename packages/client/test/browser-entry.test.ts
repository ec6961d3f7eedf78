import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'

// Browsers and bundlers resolve the `browser` entry. What it loads at run time must be its own
// modules only: no `node:` built-in, no `ws`, no zod (records are types), so a bundle of it
// runs in a page as it is.

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  exports: { '.': { browser: string; node: string } }
}

/** Every module specifier `file` imports at run time (type-only imports are erased). */
function runtimeImports(file: URL): string[] {
  const source = readFileSync(file, 'utf8')
  const statements = source.match(/^(?:import|export)\s[^;]*?\sfrom\s+'[^']+'/gms) ?? []
  return statements
    .filter((statement) => !/^(?:import|export)\s+type\s/.test(statement))
    .map((statement) => /'([^']+)'$/.exec(statement)![1]!)
}

test('the browser entry loads only its own modules', () => {
  const seen = new Set<string>()
  const outside: string[] = []
  const visit = (file: URL) => {
    if (seen.has(file.href)) return
    seen.add(file.href)
    for (const specifier of runtimeImports(file)) {
      if (specifier.startsWith('./')) visit(new URL(specifier, file))
      else outside.push(`${file.pathname.split('/').pop()}: ${specifier}`)
    }
  }
  visit(new URL(`../${pkg.exports['.'].browser}`, import.meta.url))
  expect(outside).toEqual([])
  expect([...seen].map((href) => href.split('/').pop()).sort()).toEqual(
    ['backoff.ts', 'errors.ts', 'index.ts', 'paths.ts', 'rest.ts', 'stream.ts', 'types.ts'].sort()
  )
  // the Node entry is where ws comes in
  expect(runtimeImports(new URL(`../${pkg.exports['.'].node}`, import.meta.url))).toContain('ws')
})
