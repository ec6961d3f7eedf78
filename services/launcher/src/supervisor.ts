import { spawn, type ChildProcess } from 'node:child_process'
import type { Readable } from 'node:stream'
import type { ProcessPlan } from './plan.ts'

export interface Supervisor {
  stop(): Promise<void>
  /** resolves with an exit code when the supervisor gives up (a child failing at start-up) */
  done: Promise<number>
}

/**
 * Runs each planned process as a child (TypeScript through tsx), restarting one that dies with a
 * capped backoff. A child that exits with an error within its first seconds is a configuration
 * problem: everything stops rather than restarting in a loop.
 */
export function supervise(
  plans: readonly ProcessPlan[],
  options: {
    root: string
    env: Record<string, string | undefined>
    log: (line: string) => void
    /** takes each child's stdout (e.g. to make its JSON logs readable); default: inherited */
    stdout?: (output: Readable) => void
  }
): Supervisor {
  const children = new Map<string, ChildProcess>()
  let stopping = false
  let finish: (code: number) => void = () => {}
  const done = new Promise<number>((resolve) => (finish = resolve))

  function start(plan: ProcessPlan, attempt: number): void {
    const startedAt = Date.now()
    const child = spawn(process.execPath, ['--import', 'tsx', plan.entry], {
      cwd: options.root,
      env: { ...options.env, ...plan.env },
      stdio: ['inherit', options.stdout ? 'pipe' : 'inherit', 'inherit'],
      // its own process group: Ctrl-C reaches the launcher only, which stops children in order
      detached: true,
    })
    children.set(plan.name, child)
    if (options.stdout && child.stdout) options.stdout(child.stdout)
    child.on('exit', (code, signal) => {
      children.delete(plan.name)
      if (stopping) return
      const early = Date.now() - startedAt < 5_000
      // a process killed by a signal was stopped by someone, not broken by its configuration
      if (early && code !== 0 && signal === null && attempt === 0) {
        options.log(`${plan.name} failed at start-up (exit ${code ?? signal}); stopping`)
        void stop().then(() => finish(1))
        return
      }
      const delay = Math.min(1_000 * 2 ** attempt, 30_000)
      options.log(`${plan.name} exited (${code ?? signal}); restarting in ${delay / 1000} s`)
      setTimeout(() => !stopping && start(plan, early ? attempt + 1 : 0), delay)
    })
  }

  async function stop(): Promise<void> {
    stopping = true
    const exits = [...children.values()].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve()
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
          child.once('exit', () => {
            clearTimeout(timer)
            resolve()
          })
          child.kill('SIGTERM')
        })
    )
    await Promise.all(exits)
  }

  // children live in their own process groups: never leave them behind if the launcher dies
  process.once('exit', () => {
    for (const child of children.values()) child.kill('SIGKILL')
  })
  for (const plan of plans) start(plan, 0)
  return { stop, done }
}
