// `pnpm keys create|list|revoke`: manages the API keys of spec §6 in the Redis of REDIS_URL
// (or REDIS_SENTINELS). Prints JSON on stdout; errors go to stderr with a non-zero exit.
import { parseArgs } from 'node:util'
import { createKeys, createRedis } from '@takashi/bus'
import { createKeyStore } from './access/api-keys.ts'
import { keysEnv } from './keys-env.ts'

const USAGE = `usage: pnpm keys <command> [options]

commands:
  create --name NAME [--rpm N] [--ws-connections N]
                     make a key; prints {id, key, ...} once (the key is stored hashed)
  list               print every key (without the key itself)
  revoke ID          refuse the key on every gateway replica within 5 s

options:
  --name NAME            who the key is for (1 to 100 characters)
  --rpm N                its REST requests per minute (default: RATE_LIMIT_PER_MINUTE)
  --ws-connections N     its open WebSockets (default: WS_MAX_CONNECTIONS_PER_CLIENT)
  -h, --help             this text

Redis: REDIS_URL, or REDIS_SENTINELS and REDIS_SENTINEL_NAME, as for the services.
`

class UsageError extends Error {}

function positive(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  if (!/^\d+$/.test(text) || Number(text) < 1) {
    throw new UsageError(`--${name}: expected a whole number of at least 1, got '${text}'`)
  }
  return Number(text)
}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      rpm: { type: 'string' },
      'ws-connections': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  const [command, ...rest] = positionals
  return { values, command, rest }
}

async function run(argv: string[]): Promise<number> {
  let parsed
  try {
    parsed = parse(argv)
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  const { values, command, rest } = parsed
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(USAGE)
    return command === undefined && !values.help ? 2 : 0
  }
  if (!['create', 'list', 'revoke'].includes(command)) {
    throw new UsageError(`unknown command '${command}'; expected create, list or revoke`)
  }
  const options = {
    name: values.name,
    rpm: positive('rpm', values.rpm),
    wsConnections: positive('ws-connections', values['ws-connections']),
  }
  if (command === 'create') {
    const name = options.name?.trim() ?? ''
    if (name.length === 0 || name.length > 100) {
      throw new UsageError('--name: required, 1 to 100 characters')
    }
    if (rest.length > 0) throw new UsageError(`create takes no arguments, got '${rest.join(' ')}'`)
  }
  if (command === 'revoke' && rest.length !== 1) {
    throw new UsageError('revoke: expected exactly one key id (see pnpm keys list)')
  }
  const env = keysEnv()
  const redis = createRedis(env.REDIS_URL)
  redis.on('error', () => {}) // the command's own failure is reported below
  const store = createKeyStore(redis, createKeys())
  try {
    if (command === 'create') {
      const created = await store.create({ ...options, name: options.name?.trim() ?? '' })
      process.stdout.write(`${JSON.stringify(created)}\n`)
    } else if (command === 'list') {
      process.stdout.write(`${JSON.stringify(await store.list())}\n`)
    } else {
      const id = rest[0] ?? ''
      const revoked = await store.revoke(id)
      if (revoked === null) {
        process.stderr.write(`no key with id '${id}' (see pnpm keys list)\n`)
        return 1
      }
      process.stdout.write(`${JSON.stringify(revoked)}\n`)
    }
    return 0
  } finally {
    redis.disconnect()
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) process.stderr.write(`${err.message}\n\n${USAGE}`)
    else process.stderr.write(`pnpm keys failed: ${(err as Error).message}\n`)
    process.exit(err instanceof UsageError ? 2 : 1)
  }
)
