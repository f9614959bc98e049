import {
  type KcsDatabase,
  type ReplaceSummary,
  recordSliceFailure,
  replaceCountryTotals,
  replaceNationalTotals,
  type TotalsFetchMeta,
} from '@kcs-trade/db'
import type { FetchSummary, ReplaceResult, SliceStore } from './deps.js'
import type { Slice } from './slices.js'

/** The db's window of a totals slice: `*` (every country) is no country. */
function totalsSlice(slice: Slice): { from: string; to: string; country?: string } {
  return slice.dataset === 'nationtrade' && slice.country !== '*'
    ? { from: slice.from, to: slice.to, country: slice.country }
    : { from: slice.from, to: slice.to }
}

function metaOf(meta: () => FetchSummary | null): () => TotalsFetchMeta {
  return () => {
    const m = meta()
    if (!m) throw new Error('the answer ended without its summary (hash, row count)')
    return {
      // Newtrade's totals row goes to the ledger; nationtrade has none.
      total: (m.total ?? null) as TotalsFetchMeta['total'],
      bodySha256: m.bodySha256,
      durationMs: m.durationMs,
      attempts: m.attempts,
      sumsMatch: m.sumsMatch ?? null,
      rowCount: m.rowCount,
    }
  }
}

/** What the engine keeps of a writer's summary. */
export function replaceResult(r: ReplaceSummary): ReplaceResult {
  return {
    added: r.added,
    changed: r.changed,
    withdrawn: r.withdrawn,
    unchanged: r.unchanged,
    firstFetch: r.firstFetch,
    rowCount: r.rowCount,
  }
}

/**
 * The db's writers of the totals datasets as a {@link SliceStore}: `nationtrade` slices into the country totals,
 * `newtrade` slices into the national totals, each with the same ledger and revisions as the detail.
 */
export function createTotalsStore(db: KcsDatabase, redact: readonly string[]): SliceStore {
  return {
    async replace(slice, rows, meta) {
      const window = totalsSlice(slice)
      const result =
        slice.dataset === 'newtrade'
          ? await replaceNationalTotals(db, window, rows as AsyncIterable<never>, metaOf(meta))
          : await replaceCountryTotals(db, window, rows as AsyncIterable<never>, metaOf(meta))
      return replaceResult(result)
    },
    async recordFailure(slice, info) {
      if (!slice.dataset) throw new RangeError('the totals store records totals slices only')
      await recordSliceFailure(db, totalsSlice(slice), { ...info, redact }, { dataset: slice.dataset })
    },
  }
}
