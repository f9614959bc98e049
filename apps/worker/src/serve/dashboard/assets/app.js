// kcs-trade dashboard: plain ES modules, hand-drawn SVG charts, every request to this server only. This file holds
// the coverage, quota and revisions views and the router; the rest is in modules of its own (i18n, page helpers,
// charts, the completeness panel, the Trade view, the selection in the address, axis ticks).

import { barColumns } from './charts.js'
import { loadCompleteness } from './completeness.js'
import { lang, setLang, t } from './i18n.js'
import { $, dateTime, el, fmt, getJson, navigation, nextNavigation, showError } from './page.js'
import { parseHash } from './selection.js'
import { loadTrade, relabelTrade } from './trade.js'

function applyLabels() {
  document.documentElement.lang = lang
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n)
  for (const node of document.querySelectorAll('[data-i18n-placeholder]'))
    node.placeholder = t(node.dataset.i18nPlaceholder)
  $('lang').textContent = lang === 'ko' ? 'English' : '한국어'
  $('lang').setAttribute('data-lang', lang)
}

/* ------------------------------------------------------------------ views ------------------------------------------------------------------- */

const STATUSES = ['synced', 'stale', 'failed', 'never']

async function loadCoverage() {
  const data = await getJson('/api/coverage')
  $('coverage-legend').replaceChildren(
    ...STATUSES.map((s) => el('li', {}, el('span', { class: `swatch s-${s}` }), t(`status.${s}`))),
    el('li', {
      class: 'hint',
      text: t('coverage.staleNote', {
        from: data.freshnessWindow.from,
        to: data.freshnessWindow.to,
        h: data.staleAfterHours,
      }),
    }),
  )
  const grid = $('coverage-grid')
  const detail = $('coverage-detail')
  detail.textContent = ''
  if (data.cells.length === 0) {
    grid.replaceChildren(el('tr', {}, el('td', { text: t('coverage.empty') })))
    return
  }
  const byKey = new Map(data.cells.map((c) => [`${c.country}|${c.year}`, c]))
  const describe = (c, name) =>
    [
      `${name} ${c.year}: ${t(`status.${c.status}`)}`,
      `${t('coverage.lastFetch')}: ${dateTime(c.lastFetchedAt)}`,
      `${t('coverage.months')}: ${c.months} · ${t('coverage.rows')}: ${fmt().format(c.rows)} · ${t('coverage.slices')}: ${c.okSlices} / ${c.failedSlices}`,
      `${t('coverage.lastError')}: ${c.lastError ?? t('coverage.none')}`,
    ].join('\n')
  grid.replaceChildren(
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        el('th', { text: t('coverage.country') }),
        data.years.map((y) => el('th', { text: y })),
      ),
    ),
    el(
      'tbody',
      {},
      data.countries.map((c) => {
        const name = `${c.code} ${lang === 'ko' ? c.nameKo : c.nameEn}`
        return el(
          'tr',
          {},
          el('th', { text: name }),
          data.years.map((y) => {
            const cell = byKey.get(`${c.code}|${y}`)
            const text = describe(cell, name)
            // The cell's title is its whole description (completeness adds to it once loaded).
            const show = (e) => {
              detail.textContent = e.currentTarget.title
            }
            return el('td', {
              class: `cell s-${cell.status}`,
              title: text,
              tabindex: 0,
              'data-country': c.code,
              'data-year': y,
              'data-status': cell.status,
              text: cell.status === 'never' ? '' : cell.months,
              onclick: show,
              onkeydown: (e) => e.key === 'Enter' && show(),
            })
          }),
        )
      }),
    ),
  )
  await loadCompleteness(grid, byKey, describe)
}

let countdown
async function loadQuota() {
  const data = await getJson('/api/quota')
  const cards = []
  clearInterval(countdown)
  // Served without Redis: say so instead of empty cards, chart and queue.
  const noRedis = data.redis === false
  $('quota-no-redis').hidden = !noRedis
  $('quota-no-redis-note').textContent = noRedis ? (data.note ?? '') : ''
  for (const id of ['quota-cards', 'quota-chart', 'queue-title', 'queue-cards']) $(id).hidden = noRedis
  if (noRedis) {
    $('quota-cards').replaceChildren()
    $('chart-calls').replaceChildren()
    $('queue-cards').replaceChildren()
    return
  }
  if (data.quota) {
    const q = data.quota
    const pct = q.limit > 0 ? Math.min(100, (q.used / q.limit) * 100) : 0
    const resetCard = el('div', { class: 'n', id: 'reset-in' })
    const endAt = Date.now() + q.resetInSeconds * 1000
    const tick = () => {
      const s = Math.max(0, Math.round((endAt - Date.now()) / 1000))
      resetCard.textContent = `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`
    }
    tick()
    countdown = setInterval(tick, 1000)
    cards.push(
      el(
        'div',
        { class: 'card', id: 'quota-used', 'data-used': q.used, 'data-limit': q.limit },
        el('div', { class: 'n', text: fmt().format(q.used) }),
        el('div', { class: 'l', text: `${t('quota.used')} ${t('quota.of', { n: fmt().format(q.limit) })}` }),
        el('div', { class: 'bar' }, el('span', { style: `width:${pct}%` })),
      ),
      el(
        'div',
        { class: 'card' },
        el('div', { class: 'n', text: fmt().format(q.remaining) }),
        el('div', { class: 'l', text: t('quota.remaining') }),
      ),
      el('div', { class: 'card' }, resetCard, el('div', { class: 'l', text: t('quota.reset') })),
    )
  } else cards.push(el('div', { class: 'card' }, el('div', { class: 'l', text: t('quota.unknown') })))
  cards.push(
    el(
      'div',
      { class: 'card', id: 'calls-hour', 'data-calls': data.callsLastHour },
      el('div', { class: 'n', text: fmt().format(data.callsLastHour) }),
      el('div', { class: 'l', text: t('quota.lastHour') }),
    ),
  )
  $('quota-cards').replaceChildren(...cards)
  const minutes = data.callsPerMinute
  barColumns($('chart-calls'), minutes)
  $('queue-cards').replaceChildren(
    ...Object.entries(data.queue).map(([state, n]) =>
      el(
        'div',
        { class: 'card', 'data-state': state, 'data-count': n },
        el('div', { class: 'n', text: fmt().format(n) }),
        el('div', { class: 'l', text: t(`queue.${state}`) }),
      ),
    ),
  )
}

async function loadRevisions() {
  const data = await getJson('/api/revisions?limit=50')
  const table = $('revisions-table')
  if (data.items.length === 0)
    return table.replaceChildren(el('tr', {}, el('td', { text: t('revisions.empty') })))
  const delta = (n) =>
    el('span', { class: n > 0 ? 'up' : n < 0 ? 'down' : '', text: `${n > 0 ? '+' : ''}${fmt().format(n)}` })
  const pair = (r, k) =>
    `${r.before ? fmt().format(r.before[k]) : '—'} → ${r.after ? fmt().format(r.after[k]) : '—'}`
  table.replaceChildren(
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        ['when', 'kind', 'period', 'country', 'hs', 'exportUsd', 'delta', 'importUsd', 'delta'].map((k) =>
          el('th', { text: t(`revisions.${k}`) }),
        ),
      ),
    ),
    el(
      'tbody',
      {},
      data.items.map((r) =>
        el(
          'tr',
          { class: 'revision', 'data-id': r.id, 'data-kind': r.kind },
          el('td', { text: dateTime(r.at) }),
          el('td', { text: t(`kind.${r.kind}`) }),
          el('td', { text: r.period }),
          el('td', { text: r.country }),
          el('td', { text: r.hsCode }),
          el('td', { class: 'num', text: pair(r, 'exportUsd') }),
          el('td', { class: 'num' }, delta(r.change.exportUsd)),
          el('td', { class: 'num', text: pair(r, 'importUsd') }),
          el('td', { class: 'num' }, delta(r.change.importUsd)),
        ),
      ),
    ),
  )
}

/* ------------------------------------------------------------------ router ------------------------------------------------------------------ */

const VIEWS = { coverage: loadCoverage, quota: loadQuota, trade: loadTrade, revisions: loadRevisions }

async function route() {
  const current = nextNavigation()
  const { view } = parseHash(location.hash)
  const name = VIEWS[view] ? view : 'coverage'
  for (const v of Object.keys(VIEWS)) $(`view-${v}`).hidden = v !== name
  for (const a of document.querySelectorAll('.tabs a'))
    a.toggleAttribute('aria-current', a.dataset.view === name)
  for (const a of document.querySelectorAll('.tabs a'))
    if (a.dataset.view === name) a.setAttribute('aria-current', 'page')
  $('error').hidden = true
  document.body.dataset.view = name
  delete document.body.dataset.ready
  try {
    await VIEWS[name]()
  } catch (error) {
    if (current === navigation && $('error').hidden) showError(String(error?.message ?? error))
  }
  if (current === navigation) document.body.dataset.ready = name
}

$('lang').addEventListener('click', () => {
  setLang(lang === 'ko' ? 'en' : 'ko')
  applyLabels()
  relabelTrade()
  route()
})
window.addEventListener('hashchange', route)
applyLabels()
route()
