export { createGateway, type Gateway, type GatewayOptions } from './gateway.ts'
// the TRUSTED_PROXIES parser, for checks of deployment files
export { trustedProxies } from './access/client-address.ts'
