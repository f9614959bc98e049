// What every view of the dashboard shares: the element builder, number and date formats, and fetching JSON
// with the error banner (only the newest navigation may show an error).

import { lang, t } from './i18n.js'

export const $ = (id) => document.getElementById(id)
const SVG = 'http://www.w3.org/2000/svg'

export function el(tag, attrs = {}, ...children) {
  const node = tag.startsWith('svg:')
    ? document.createElementNS(SVG, tag.slice(4))
    : document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue
    if (k === 'text') node.textContent = String(v)
    else if (k === 'style')
      node.style.cssText = String(v) // CSSOM: allowed by the page's CSP, unlike a style attribute
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v)
    else node.setAttribute(k, String(v))
  }
  for (const c of children.flat())
    if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c))
  return node
}

export const fmt = () => new Intl.NumberFormat(lang === 'ko' ? 'ko-KR' : 'en-US')
export const compact = () =>
  new Intl.NumberFormat(lang === 'ko' ? 'ko-KR' : 'en-US', { notation: 'compact', maximumFractionDigits: 1 })
export const dateTime = (iso) =>
  iso
    ? new Intl.DateTimeFormat(lang === 'ko' ? 'ko-KR' : 'en-GB', {
        dateStyle: 'medium',
        timeStyle: 'short',
      }).format(new Date(iso))
    : '—'

// Each navigation gets a number; only the newest may mark the page ready or show an error, so a slow
// view left behind (coverage still loading when the user opens quota) cannot overwrite the one shown.
export let navigation = 0

/** Starts a navigation and returns its number; `navigation` is the newest one's. */
export function nextNavigation() {
  navigation += 1
  return navigation
}

export function showError(message) {
  const box = $('error')
  box.textContent = message
  box.hidden = false
}

export async function getJson(path) {
  // Asked for by this navigation: an answer that arrives after the user moved on shows no error.
  const asked = navigation
  const res = await fetch(path, { headers: { accept: 'application/json' } })
  const body = await res.json().catch(() => ({}))
  if (!res.ok) {
    const message = body.error ? `${body.error}${body.hint ? ` (${body.hint})` : ''}` : `HTTP ${res.status}`
    if (asked === navigation) showError(t('error.load', { path, message }))
    throw new Error(message)
  }
  return body
}
