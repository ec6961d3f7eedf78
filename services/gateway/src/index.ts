export { createGateway, type Gateway, type GatewayOptions } from './gateway.ts'
// the TRUSTED_PROXIES parser, for checks of deployment files
export { trustedProxies } from './access/client-address.ts'
// API keys in a Redis (what `pnpm keys` runs), for tests that need a key
export { createKeyStore } from './access/api-keys.ts'
