// The dashboard's view and Trade selection live in the address (`#trade?country=US&hs=0202&from=2025-01&to=2025-12`),
// so a bookmark opens the same chart and the back button returns to the previous selection. A module of its own so
// that it can be unit-tested.

const CHECKS = {
  country: /^[A-Z][A-Z0-9]$/,
  hs: /^\d{1,10}$/,
  from: /^(19|20)\d{2}-(0[1-9]|1[0-2])$/,
  to: /^(19|20)\d{2}-(0[1-9]|1[0-2])$/,
}

/** The view named by a location hash and the selection in it: unknown or malformed values are left out. */
export function parseHash(hash) {
  const text = String(hash ?? '').replace(/^#/, '')
  const q = text.indexOf('?')
  const view = q < 0 ? text : text.slice(0, q)
  const params = new URLSearchParams(q < 0 ? '' : text.slice(q + 1))
  const selection = {}
  for (const [name, re] of Object.entries(CHECKS)) {
    const raw = params.get(name)
    const value = name === 'country' ? raw?.toUpperCase() : raw
    if (value && re.test(value)) selection[name] = value
  }
  if (selection.from && selection.to && selection.from > selection.to) {
    delete selection.from
    delete selection.to
  }
  return { view, selection }
}

/** The hash of a view with a selection (empty values left out), e.g. `#trade?country=US&hs=0202`. */
export function viewHash(view, selection = {}) {
  const params = new URLSearchParams()
  for (const name of Object.keys(CHECKS)) if (selection[name]) params.set(name, selection[name])
  const query = params.toString()
  return `#${view}${query ? `?${query}` : ''}`
}
