import { z } from 'zod'

export type EnvShape = Record<string, z.ZodType>
export type Env = Record<string, string | undefined>

export type EnvResult<S extends EnvShape> =
  { ok: true; value: z.infer<z.ZodObject<S>> } | { ok: false; problems: string[] }

/** Validates an environment against a shape; every bad variable yields one line naming it. */
export function parseEnv<S extends EnvShape>(shape: S, env: Env): EnvResult<S> {
  // Empty strings mean "unset", as in most shells' `VAR= cmd`.
  const input = Object.fromEntries(
    Object.keys(shape).map((key) => [key, env[key] === '' ? undefined : env[key]])
  )
  const result = z.object(shape).safeParse(input)
  if (result.success) return { ok: true, value: result.data }
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '(environment)')
    const got = input[name]
    return `${name}: ${issue.message}${got === undefined ? ' (not set)' : `, got ${JSON.stringify(got)}`}`
  })
  return { ok: false, problems: [...new Set(problems)] }
}

/** parseEnv, or print each problem to stderr and exit 1. */
export function loadEnv<S extends EnvShape>(
  shape: S,
  env: Env,
  options: {
    /** problems that involve several variables at once, read from the raw environment */
    check?: (env: Env) => string[]
    exit?: (code: number) => never
  } = {}
): z.infer<z.ZodObject<S>> {
  const result = parseEnv(shape, env)
  const problems = [...(result.ok ? [] : result.problems), ...(options.check?.(env) ?? [])]
  if (result.ok && problems.length === 0) return result.value
  process.stderr.write(`invalid environment:\n${problems.map((line) => `  ${line}\n`).join('')}`)
  return (options.exit ?? ((code) => process.exit(code)))(1)
}
