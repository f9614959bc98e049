/** The Trade view's selection: a country code, an HS prefix, and a month window (`YYYY-MM`). */
export interface TradeSelection {
  country?: string
  hs?: string
  from?: string
  to?: string
}
/** The view named by a location hash and the selection in it: unknown or malformed values are left out. */
export declare function parseHash(hash: string | null | undefined): {
  view: string
  selection: TradeSelection
}
/** The hash of a view with a selection (empty values left out), e.g. `#trade?country=US&hs=0202`. */
export declare function viewHash(view: string, selection?: TradeSelection): string
