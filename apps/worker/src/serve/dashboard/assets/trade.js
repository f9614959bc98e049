// The Trade view: the selection (country, HS prefix, month window) in the address, the search box, and the
// series, partner and item charts.

import { barChart, lineChart } from './charts.js'
import { lang, t } from './i18n.js'
import { $, el, getJson } from './page.js'
import { parseHash, viewHash } from './selection.js'

const trade = { country: '', hs: '', from: '', to: '', ready: false, defaults: { from: '', to: '' } }

/** A new selection goes into the address (a history entry: the back button returns to the previous one). */
function choose(change) {
  const next = viewHash('trade', {
    country: trade.country,
    hs: trade.hs,
    from: trade.from,
    to: trade.to,
    ...change,
  })
  if (location.hash === next) return loadTrade(parseHash(next).selection)
  location.hash = next // hashchange → route → loadTrade
}

async function initTrade() {
  if (trade.ready) return
  const meta = await getJson('/api/meta')
  const select = $('country')
  const fill = () => {
    select.replaceChildren(
      el('option', { value: '', text: t('trade.allCountries') }),
      ...meta.countries.map((c) =>
        el('option', { value: c.code, text: `${c.code} ${lang === 'ko' ? c.nameKo : c.nameEn}` }),
      ),
    )
    select.value = trade.country
  }
  fill()
  trade.fill = fill
  // Without a window in the address: the 12 months up to the latest mirrored month.
  // An empty mirror: the server's current month in Korea, not the browser's (UTC or any other zone).
  const to = meta.latest ?? meta.month
  const [y, m] = to.split('-').map(Number)
  const start = new Date(Date.UTC(y, m - 12, 1)).toISOString().slice(0, 7)
  trade.defaults = { from: meta.earliest && meta.earliest > start ? meta.earliest : start, to }
  select.addEventListener('change', () => choose({ country: select.value }))
  $('hs').addEventListener('change', () => choose({ hs: $('hs').value.replace(/\D/g, '').slice(0, 10) }))
  for (const id of ['from', 'to'])
    $(id).addEventListener('change', () => {
      if ($(id).value) choose({ [id]: $(id).value })
    })
  $('trade-form').addEventListener('submit', (e) => e.preventDefault())
  let timer
  $('search').addEventListener('input', () => {
    clearTimeout(timer)
    timer = setTimeout(runSearch, 200)
  })
  trade.ready = true
}

async function runSearch() {
  const q = $('search').value.trim()
  const list = $('search-results')
  if (!q) return list.replaceChildren()
  const data = await getJson(`/api/search?q=${encodeURIComponent(q)}`)
  if (q !== $('search').value.trim()) return
  const items = [
    ...data.hs.map((h) =>
      el(
        'li',
        {},
        el(
          'button',
          {
            type: 'button',
            class: 'hit hit-hs',
            'data-hs': h.code,
            onclick: () => choose({ hs: h.code }),
          },
          el('b', { text: h.code }),
          lang === 'ko' && h.nameKo ? h.nameKo : h.nameEn,
        ),
      ),
    ),
    ...data.countries.map((c) =>
      el(
        'li',
        {},
        el(
          'button',
          {
            type: 'button',
            class: 'hit hit-country',
            'data-country': c.code,
            onclick: () => choose({ country: c.code }),
          },
          el('b', { text: c.code }),
          lang === 'ko' ? c.nameKo : c.nameEn,
        ),
      ),
    ),
  ]
  list.replaceChildren(...(items.length ? items : [el('li', { class: 'hint', text: t('trade.noResults') })]))
}

function query(params) {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v)
  return q.toString()
}

/** Shows the selection (from the address; what it leaves out takes the defaults). */
export async function loadTrade(selection = parseHash(location.hash).selection) {
  await initTrade()
  trade.country = selection.country ?? ''
  trade.hs = selection.hs ?? ''
  trade.from = selection.from ?? trade.defaults.from
  trade.to = selection.to ?? trade.defaults.to
  if (trade.from > trade.to) trade.from = trade.to
  $('country').value = trade.country
  $('hs').value = trade.hs
  $('from').value = trade.from
  $('to').value = trade.to
  // The tab leads back to this selection.
  document.querySelector('.tabs a[data-view="trade"]').href = viewHash('trade', selection)
  const { country, hs, from, to } = trade
  const countryLabel = country
    ? `${country} ${$('country').selectedOptions[0]?.textContent.slice(3) ?? ''}`
    : t('trade.allCountries')
  $('selection').textContent = t('trade.selection', {
    country: countryLabel,
    hs: hs || t('trade.allHs'),
    from,
    to,
  })
  const seriesQ = query({ country, hs, from, to })
  const partnersQ = query({ hs, from, to, limit: 10 })
  // Under an HS prefix, the level below it (the server picks); else headings for one country, chapters for the
  // whole market (a small part of the rollup either way).
  const itemsQ = query({ country, hs, from, to, limit: 10, digits: hs ? '' : country ? 4 : 2 })
  $('csv-series').href = `/api/series?${seriesQ}&format=csv`
  $('csv-partners').href = `/api/top-partners?${partnersQ}&format=csv`
  $('csv-items').href = `/api/top-items?${itemsQ}&format=csv`
  const [s, p, i] = await Promise.all([
    getJson(`/api/series?${seriesQ}`),
    getJson(`/api/top-partners?${partnersQ}`),
    getJson(`/api/top-items?${itemsQ}`),
  ])
  if (trade.country !== country || trade.hs !== hs || trade.from !== from || trade.to !== to) return
  $('items-title').textContent = t(
    i.digits === 10 ? 'trade.codes' : i.digits === 4 ? 'trade.items' : 'trade.chapters',
    { hs },
  )
  lineChart(
    $('chart-series'),
    s.points.map((x) => x.period),
    [
      { key: 'export', label: t('trade.export'), values: s.points.map((x) => x.exportUsd) },
      { key: 'import', label: t('trade.import'), values: s.points.map((x) => x.importUsd) },
      { key: 'balance', label: t('trade.balance'), values: s.points.map((x) => x.balanceUsd) },
    ],
  )
  barChart(
    $('chart-partners'),
    p.items.map((x) => ({ key: x.country, label: lang === 'ko' ? x.nameKo : x.nameEn, value: x.tradeUsd })),
    t('trade.country'),
  )
  barChart(
    $('chart-items'),
    i.items.map((x) => ({
      key: x.hsCode,
      label: (lang === 'ko' ? x.nameKo : x.nameEn) || x.hsCode,
      value: x.tradeUsd,
    })),
    t('trade.hsLabel'),
  )
  $('chart-series').dataset.loaded = seriesQ
}

/** Relabels the country list after a change of language (before the view's first load: nothing to do). */
export function relabelTrade() {
  trade.fill?.()
}
