import { readFileSync } from 'node:fs'

export interface Instruction {
  keyword: string
  args: string
  line: number
}

/** deploy/Dockerfile as instructions (continuation lines joined, comments dropped). */
export function readDockerfile(): Instruction[] {
  const text = readFileSync(new URL('../../deploy/Dockerfile', import.meta.url), 'utf8')
  const instructions: Instruction[] = []
  let pending = ''
  let start = 0
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim()
    if (pending === '' && (line === '' || line.startsWith('#'))) return
    if (pending === '') start = index + 1
    pending += (pending ? ' ' : '') + line.replace(/\\$/, '').trim()
    if (line.endsWith('\\')) return
    const [keyword = '', ...rest] = pending.split(/\s+/)
    instructions.push({ keyword: keyword.toUpperCase(), args: rest.join(' '), line: start })
    pending = ''
  })
  return instructions
}

/** The exec-form command of the HEALTHCHECK instruction. */
export function healthcheckCommand(instructions: Instruction[]): string[] {
  const check = instructions.find((i) => i.keyword === 'HEALTHCHECK')
  const json = check?.args.slice(check.args.indexOf('CMD ') + 4)
  if (!json) throw new Error('no HEALTHCHECK CMD')
  return JSON.parse(json) as string[]
}
