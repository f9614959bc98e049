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

/** An error's message (any thrown value as text). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * What to report of a failure: the outer error's message and the hint of the deepest error in its `cause` chain that
 * has one. A wrapper (the db's "Reading the rows of slice … failed", whose hint is "Fetch the slice again") says where
 * it failed; its cause (the client's "gateway error 30 … not approved for this dataset") knows what to do about it.
 * `message` ends with ` Hint: <hint>` when there is a hint, as the client's and the db's messages do.
 */
export function failureText(error: unknown): { message: string; hint: string | undefined } {
  const withHint = (e: unknown) => {
    const hint = (e as { hint?: unknown } | null)?.hint
    return typeof hint === 'string' && hint !== '' ? hint : undefined
  }
  let hint: string | undefined
  for (const e of causes(error)) hint = withHint(e) ?? hint
  // The client's and the db's errors keep their message without the hint in `detail`.
  const detail = (error as { detail?: unknown } | null)?.detail
  const message = typeof detail === 'string' ? detail : errorMessage(error)
  return { message: hint ? `${message} Hint: ${hint}` : message, hint }
}

/**
 * Shortens what an error repeats of the user's input: a run of more than 200 non-space characters
 * (a 1 MB argument) keeps its first 60, and the whole text at most 4000 characters.
 */
export function clip(text: string): string {
  const short = text.replace(/\S{201,}/g, (run) => `${run.slice(0, 60)}…(${run.length} characters)`)
  return short.length > 4000 ? `${short.slice(0, 4000)}…` : short
}

/** Bidirectional-text controls and line separators: invisible, yet they reorder or break what a terminal shows. */
const INVISIBLE = /[\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/

const NAMED: Record<string, string> = { '\u001b': '\\e', '\r': '\\r', '\n': '\\n', '\t': '\\t', '\\': '\\\\' }

/**
 * User input made safe to print on a terminal: control characters (C0, DEL, C1), so escape sequences, carriage
 * returns and line feeds, and invisible bidirectional controls are shown as visible escapes (`\e`, `\r`, `\n`, `\t`,
 * `\x7f`, `\u009b`, `\u202e`) and a backslash as `\\`, so that an echoed value can neither colour the terminal,
 * move the cursor, nor fake a line of output. With `keepNewlines` (for whole messages built from several lines) a
 * line feed stays, and so does a backslash.
 */
export function printable(text: string, options: { keepNewlines?: boolean } = {}): string {
  let out = ''
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0
    if (options.keepNewlines && (ch === '\n' || ch === '\\')) out += ch
    else if (NAMED[ch] !== undefined) out += NAMED[ch]
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`
    else if ((cp >= 0x80 && cp <= 0x9f) || INVISIBLE.test(ch)) out += `\\u${cp.toString(16).padStart(4, '0')}`
    else out += ch
  }
  return out
}

/** User input in double quotes for a message: {@link printable}, with `"` escaped (like `JSON.stringify`, plus DEL and C1). */
export function quoted(text: string): string {
  return `"${printable(text).replaceAll('"', '\\"')}"`
}
