/**
 * An adapter's URL settings, each naming the environment variable it is read from (spec §2),
 * e.g. `{ ws: 'BINANCE_WS_URL', rest: 'BINANCE_REST_URL' }`. Every adapter has a REST base.
 */
export type UrlEnv = { readonly rest: string } & { readonly [setting: string]: string }

/** The values of an adapter's URL settings, e.g. `{ ws: 'wss://…', rest: 'https://…' }`. */
export type UrlsOf<E extends UrlEnv> = { readonly [K in keyof E]: string }

/**
 * An adapter's URL settings read from URL variables by the names the adapter declares; for a
 * known adapter, a variable missing from `values` is a type error.
 */
export function urlsFrom<E extends UrlEnv>(
  urlEnv: E,
  values: Readonly<Record<E[keyof E], string>>
): UrlsOf<E> {
  const urls: Record<string, string> = {}
  for (const [setting, name] of Object.entries(urlEnv)) {
    const value = (values as Readonly<Record<string, string | undefined>>)[name]
    // reachable only through an adapter typed loosely (the registry's common type)
    if (value === undefined) throw new Error(`${name} is not set`)
    urls[setting] = value
  }
  return urls as UrlsOf<E>
}
