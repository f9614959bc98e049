import type { BodySummary } from './body.js'
import type { ResponseMeta, RowStream, StreamSummary } from './client-types.js'

/** What one call's attempt loop returns once the body is complete. */
export interface RunResult<TTotals> {
  summary: BodySummary<TTotals>
  meta: ResponseMeta
}

/** The {@link RowStream} the client hands out: iterable once, `summary` set once the rows are consumed. */
export class RowStreamImpl<TRow, TTotals> implements RowStream<TRow, TTotals> {
  summary: StreamSummary<TTotals> | null = null
  #used = false
  readonly #source: () => AsyncGenerator<TRow[], RunResult<TTotals>>

  constructor(source: () => AsyncGenerator<TRow[], RunResult<TTotals>>) {
    this.#source = source
  }

  #take(): AsyncGenerator<TRow[], RunResult<TTotals>> {
    if (this.#used)
      throw new TypeError('A row stream can be iterated only once; call the client again for a new one.')
    this.#used = true
    return this.#source()
  }

  async *batches(): AsyncGenerator<TRow[], void> {
    const gen = this.#take()
    let done = false
    try {
      for (;;) {
        const r = await gen.next()
        if (r.done) {
          done = true
          this.summary = { total: r.value.summary.total, meta: r.value.meta }
          return
        }
        yield r.value
      }
    } finally {
      if (!done) await gen.return(undefined as never)
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<TRow, void> {
    for await (const batch of this.batches()) {
      for (const row of batch) yield row
    }
  }
}
