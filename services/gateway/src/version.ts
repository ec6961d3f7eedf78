import { readFileSync } from 'node:fs'

let version: string | undefined

/** The version of the takashi workspace (root package.json), read once on first use. */
export function takashiVersion(): string {
  if (version === undefined) {
    const url = new URL('../../../package.json', import.meta.url)
    version = (JSON.parse(readFileSync(url, 'utf8')) as { version?: string }).version ?? '0.0.0'
  }
  return version
}
