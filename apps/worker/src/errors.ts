/** A mistake in what the user asked for (flags, config): printed with its hint, exit code 2, nothing written. */
export class UsageError extends Error {
  override name = 'UsageError'
  readonly hint: string | undefined
  constructor(message: string, hint?: string) {
    super(message)
    this.hint = hint
  }
}

/** Configuration from the environment is missing or invalid. */
export class ConfigError extends UsageError {
  override name = 'ConfigError'
  readonly problems: string[]
  constructor(problems: string[]) {
    super(
      `Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      'Set the variables named above in the environment (see apps/worker/README.md#configuration).',
    )
    this.problems = problems
  }
}

/** Walk an error's `cause` chain. */
export function* causes(error: unknown): Generator<unknown> {
  let current: unknown = error
  const seen = new Set<unknown>()
  while (current !== undefined && current !== null && !seen.has(current)) {
    seen.add(current)
    yield current
    current = (current as { cause?: unknown }).cause
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * Shortens what an error repeats of the user's input: a run of more than 200 non-space characters
 * (a 1 MB argument) keeps its first 60, and the whole text at most 4000 characters.
 */
export function clip(text: string): string {
  const short = text.replace(/\S{201,}/g, (run) => `${run.slice(0, 60)}…(${run.length} characters)`)
  return short.length > 4000 ? `${short.slice(0, 4000)}…` : short
}
