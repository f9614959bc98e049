// kcs-trade dashboard: plain ES module, hand-drawn SVG charts, every request to this server only.

import { parseHash, viewHash } from './selection.js'
import { niceTicks } from './ticks.js'

const I18N = {
  en: {
    title: 'Dashboard',
    'nav.coverage': 'Coverage',
    'nav.quota': 'Quota and rate',
    'nav.trade': 'Trade',
    'nav.revisions': 'Revisions',
    'coverage.title': 'Coverage',
    'coverage.hint':
      'Country × year, by the status of its slices. Hover or tap a cell for the last fetch and the last error.',
    'status.synced': 'synced',
    'status.stale': 'stale',
    'status.failed': 'failed',
    'status.never': 'never',
    'coverage.staleNote':
      'stale: a year inside the freshness window ({from}–{to}) not fetched in the last {h} hours',
    'coverage.country': 'Country',
    'coverage.empty': 'Nothing mirrored yet: run a sync.',
    'coverage.lastFetch': 'last fetch',
    'coverage.lastError': 'last error',
    'coverage.rows': 'rows',
    'coverage.months': 'months',
    'coverage.slices': 'slices ok / failed',
    'coverage.none': 'none',
    'completeness.title': 'Completeness against the published totals',
    'completeness.hint':
      'Each month of each country compared with the totals KCS publishes apart from the detail (nationtrade, Newtrade), as kcs-trade verify stored them. The mark on a year is its worst month.',
    'completeness.noTotals':
      'No published totals in the mirror yet: run kcs-trade verify (it fetches them, one call per year) and reload.',
    'completeness.counts': 'country-months',
    'completeness.all': 'Every judged month equals the published totals.',
    'completeness.differ': '{n} country-months differ (up to 200 listed)',
    'completeness.month': 'month',
    'completeness.verdict': 'verdict',
    'completeness.pubExp': 'published exports $',
    'completeness.mirExp': 'mirror exports $',
    'completeness.pubImp': 'published imports $',
    'completeness.mirImp': 'mirror imports $',
    'completeness.why': 'why',
    'completeness.fix': 'kcs-trade verify --fix re-fetches the months that are short, over or stale.',
    'verdict.complete': 'complete',
    'verdict.short': 'short',
    'verdict.over': 'over',
    'verdict.stale': 'revised since',
    'verdict.pending': 'detail pending',
    'verdict.partial': 'partial (HS slices)',
    'quota.title': 'Quota and rate',
    'quota.perMinute': 'Calls per minute, last hour',
    'quota.queue': 'Queue',
    'quota.used': 'calls today (KST)',
    'quota.of': 'of {n}',
    'quota.remaining': 'left today',
    'quota.reset': 'until the reset (00:00 KST)',
    'quota.lastHour': 'calls in the last hour',
    'quota.unknown': 'quota unknown (KCS_SERVICE_KEY not set)',
    'quota.noRedis': 'Redis not reachable: no queue or quota data',
    'quota.noRedisHint':
      'Calls, quota and the queue are counted in Redis. Coverage, Trade and Revisions read the database and work without it. Start Redis, then restart kcs-trade serve.',
    'queue.waiting': 'waiting',
    'queue.active': 'active',
    'queue.delayed': 'delayed',
    'queue.prioritized': 'prioritized',
    'queue.completed': 'completed',
    'queue.failed': 'failed',
    'queue.paused': 'paused',
    'trade.title': 'Trade',
    'trade.search': 'Search HS codes and countries (Korean or English, or a code)',
    'trade.searchPlaceholder': 'beef, 소고기, 0201, Japan…',
    'trade.country': 'Country',
    'trade.allCountries': 'All countries',
    'trade.hs': 'HS prefix',
    'trade.from': 'From',
    'trade.to': 'To',
    'trade.series': 'Monthly export, import and balance (USD)',
    'trade.partners': 'Top partners (export + import, USD)',
    'trade.items': 'Top items by HS heading (export + import, USD)',
    'trade.chapters': 'Top items by HS chapter (export + import, USD)',
    'trade.codes': 'Top HS codes under {hs} (export + import, USD)',
    'trade.noResults': 'no match',
    'trade.selection': '{country} · HS {hs} · {from} – {to}',
    'trade.allHs': 'all',
    'trade.export': 'Export',
    'trade.import': 'Import',
    'trade.balance': 'Balance',
    'trade.month': 'Month',
    'trade.data': 'Data',
    'trade.empty': 'No rows for this selection.',
    'trade.value': 'USD',
    'trade.hsLabel': 'HS',
    'revisions.title': 'Revisions',
    'revisions.hint': 'The latest changes the freshness job found, newest first.',
    'revisions.when': 'Found',
    'revisions.kind': 'Change',
    'revisions.period': 'Month',
    'revisions.country': 'Country',
    'revisions.hs': 'HS code',
    'revisions.exportUsd': 'Export USD',
    'revisions.importUsd': 'Import USD',
    'revisions.delta': 'Δ',
    'revisions.empty': 'No revisions in the last 90 days.',
    'kind.added': 'added',
    'kind.changed': 'changed',
    'kind.withdrawn': 'withdrawn',
    'error.load': 'Could not load {path}: {message}',
  },
  ko: {
    title: '대시보드',
    'nav.coverage': '수집 현황',
    'nav.quota': '할당량·호출',
    'nav.trade': '무역',
    'nav.revisions': '수정 내역',
    'coverage.title': '수집 현황',
    'coverage.hint':
      '국가 × 연도별 슬라이스 상태입니다. 칸에 마우스를 올리거나 누르면 마지막 수집 시각과 마지막 오류가 보입니다.',
    'status.synced': '최신',
    'status.stale': '오래됨',
    'status.failed': '실패',
    'status.never': '없음',
    'coverage.staleNote': '오래됨: 갱신 범위({from}–{to})에 드는 연도인데 최근 {h}시간 동안 수집되지 않음',
    'coverage.country': '국가',
    'coverage.empty': '아직 수집된 자료가 없습니다. 동기화를 실행하세요.',
    'coverage.lastFetch': '마지막 수집',
    'coverage.lastError': '마지막 오류',
    'coverage.rows': '행',
    'coverage.months': '개월',
    'coverage.slices': '슬라이스 성공 / 실패',
    'coverage.none': '없음',
    'completeness.title': '공표 합계 대조 (완전성)',
    'completeness.hint':
      '국가·월마다 세부 자료의 합을 관세청이 따로 공표하는 합계(국가별 수출입실적, 수출입총괄)와 비교합니다. kcs-trade verify가 저장한 합계를 씁니다. 연도 칸의 표시는 그 해에서 가장 나쁜 달입니다.',
    'completeness.noTotals':
      '저장된 공표 합계가 아직 없습니다. kcs-trade verify를 실행한 뒤(연도마다 1회 호출) 다시 불러오세요.',
    'completeness.counts': '국가·월',
    'completeness.all': '비교한 모든 달이 공표 합계와 같습니다.',
    'completeness.differ': '공표 합계와 다른 국가·월 {n}개 (최대 200개 표시)',
    'completeness.month': '월',
    'completeness.verdict': '판정',
    'completeness.pubExp': '공표 수출액($)',
    'completeness.mirExp': '미러 수출액($)',
    'completeness.pubImp': '공표 수입액($)',
    'completeness.mirImp': '미러 수입액($)',
    'completeness.why': '사유',
    'completeness.fix': 'kcs-trade verify --fix 로 누락·초과·수정된 달을 다시 수집합니다.',
    'verdict.complete': '일치',
    'verdict.short': '누락',
    'verdict.over': '초과',
    'verdict.stale': '공표 후 수정됨',
    'verdict.pending': '세부 미공표',
    'verdict.partial': '일부(HS 슬라이스)',
    'quota.title': '할당량·호출',
    'quota.perMinute': '분당 호출 수 (최근 1시간)',
    'quota.queue': '작업 대기열',
    'quota.used': '오늘 호출 수 (한국 시간)',
    'quota.of': '/ {n}',
    'quota.remaining': '오늘 남은 호출',
    'quota.reset': '초기화까지 (한국 시간 0시)',
    'quota.lastHour': '최근 1시간 호출',
    'quota.unknown': '할당량을 알 수 없음 (KCS_SERVICE_KEY 없음)',
    'quota.noRedis': 'Redis에 연결할 수 없음: 대기열·할당량 자료 없음',
    'quota.noRedisHint':
      '호출 수, 할당량, 작업 대기열은 Redis에 기록됩니다. 수집 현황, 무역, 수정 내역은 데이터베이스에서 읽으므로 Redis 없이도 볼 수 있습니다. Redis를 시작한 뒤 kcs-trade serve를 다시 실행하세요.',
    'queue.waiting': '대기',
    'queue.active': '실행 중',
    'queue.delayed': '지연',
    'queue.prioritized': '우선',
    'queue.completed': '완료',
    'queue.failed': '실패',
    'queue.paused': '일시 정지',
    'trade.title': '무역',
    'trade.search': 'HS 코드·국가 검색 (한국어, 영어 또는 코드)',
    'trade.searchPlaceholder': '소고기, beef, 0201, 일본…',
    'trade.country': '국가',
    'trade.allCountries': '전체 국가',
    'trade.hs': 'HS 코드 앞자리',
    'trade.from': '시작',
    'trade.to': '끝',
    'trade.series': '월별 수출·수입·무역수지 (미국 달러)',
    'trade.partners': '주요 교역국 (수출+수입, 달러)',
    'trade.items': '주요 품목, HS 4단위 (수출+수입, 달러)',
    'trade.chapters': '주요 품목, HS 2단위 (수출+수입, 달러)',
    'trade.codes': 'HS {hs} 아래 주요 품목 코드 (수출+수입, 달러)',
    'trade.noResults': '결과 없음',
    'trade.selection': '{country} · HS {hs} · {from} – {to}',
    'trade.allHs': '전체',
    'trade.export': '수출',
    'trade.import': '수입',
    'trade.balance': '무역수지',
    'trade.month': '월',
    'trade.data': '자료',
    'trade.empty': '선택한 조건에 자료가 없습니다.',
    'trade.value': '달러',
    'trade.hsLabel': 'HS',
    'revisions.title': '수정 내역',
    'revisions.hint': '갱신 작업이 찾은 최근 변경 사항 (최신순).',
    'revisions.when': '발견 시각',
    'revisions.kind': '변경',
    'revisions.period': '월',
    'revisions.country': '국가',
    'revisions.hs': 'HS 코드',
    'revisions.exportUsd': '수출 달러',
    'revisions.importUsd': '수입 달러',
    'revisions.delta': '증감',
    'revisions.empty': '최근 90일 동안 수정 내역이 없습니다.',
    'kind.added': '추가',
    'kind.changed': '변경',
    'kind.withdrawn': '삭제',
    'error.load': '{path}을(를) 불러오지 못했습니다: {message}',
  },
}

const LANG_KEY = 'kcs-trade.lang'
let lang = localStorage.getItem(LANG_KEY) || (navigator.language?.startsWith('ko') ? 'ko' : 'en')
if (!I18N[lang]) lang = 'en'

function t(key, vars = {}) {
  const text = I18N[lang][key] ?? I18N.en[key] ?? key
  return text.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''))
}

const $ = (id) => document.getElementById(id)
const SVG = 'http://www.w3.org/2000/svg'

function el(tag, attrs = {}, ...children) {
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

const fmt = () => new Intl.NumberFormat(lang === 'ko' ? 'ko-KR' : 'en-US')
const compact = () =>
  new Intl.NumberFormat(lang === 'ko' ? 'ko-KR' : 'en-US', { notation: 'compact', maximumFractionDigits: 1 })
const dateTime = (iso) =>
  iso
    ? new Intl.DateTimeFormat(lang === 'ko' ? 'ko-KR' : 'en-GB', {
        dateStyle: 'medium',
        timeStyle: 'short',
      }).format(new Date(iso))
    : '—'

// Each navigation gets a number; only the newest may mark the page ready or show an error, so a slow
// view left behind (coverage still loading when the user opens quota) cannot overwrite the one shown.
let navigation = 0

function showError(message) {
  const box = $('error')
  box.textContent = message
  box.hidden = false
}

async function getJson(path) {
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

function applyLabels() {
  document.documentElement.lang = lang
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n)
  for (const node of document.querySelectorAll('[data-i18n-placeholder]'))
    node.placeholder = t(node.dataset.i18nPlaceholder)
  $('lang').textContent = lang === 'ko' ? 'English' : '한국어'
  $('lang').setAttribute('data-lang', lang)
}

/* ------------------------------------------------------------------ charts ------------------------------------------------------------------ */

/** Cuts a label to about `px` pixels at 12px (Hangul and other wide characters count double). */
function fit(text, px) {
  let used = 0
  for (let i = 0; i < text.length; i++) {
    used += /[\u1100-\u11ff\u2e80-\uffdc]/.test(text[i]) ? 12 : 6.8
    if (used > px) return `${text.slice(0, Math.max(1, i - 1))}…`
  }
  return text
}

function dataTable(columns, rows) {
  return el(
    'details',
    {},
    el('summary', { text: t('trade.data') }),
    el(
      'table',
      {},
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          columns.map((c) => el('th', { text: c })),
        ),
      ),
      el(
        'tbody',
        {},
        rows.map((r) =>
          el(
            'tr',
            {},
            r.map((v, i) => el('td', { text: i === 0 ? v : fmt().format(v), 'data-value': v })),
          ),
        ),
      ),
    ),
  )
}

/** Lines of several series over months. `series`: [{key, label, values}] */
function lineChart(box, periods, series) {
  box.replaceChildren()
  if (periods.length === 0) return box.append(el('p', { class: 'empty', text: t('trade.empty') }))
  // Drawn at the box's own width, so text keeps its size on a phone.
  const W = Math.max(300, box.clientWidth || 760),
    H = W < 500 ? 240 : 300,
    L = 56,
    R = 12,
    T = 12,
    B = 34
  const all = series.flatMap((s) => s.values)
  // Round ticks (5B, 10B, 15B…), the axis from the first to the last.
  const ticks = niceTicks(Math.min(0, ...all), Math.max(0, ...all))
  const low = ticks[0]
  const top = ticks[ticks.length - 1]
  const x = (i) => L + (periods.length === 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (periods.length - 1))
  const y = (v) => T + ((top - v) * (H - T - B)) / (top - low || 1)
  const svg = el('svg:svg', {
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    'aria-label': series.map((s) => s.label).join(', '),
  })
  for (const v of ticks) {
    svg.append(el('svg:line', { class: 'axis', x1: L, x2: W - R, y1: y(v), y2: y(v) }))
    svg.append(
      el('svg:text', {
        class: 'tick y-tick',
        x: L - 6,
        y: y(v) + 4,
        'text-anchor': 'end',
        'data-value': v,
        text: compact().format(v),
      }),
    )
  }
  const step = Math.max(1, Math.ceil(periods.length / Math.max(2, Math.floor((W - L) / 90))))
  periods.forEach((p, i) => {
    if (i % step === 0 || i === periods.length - 1)
      svg.append(
        el('svg:text', {
          class: 'tick',
          x: x(i),
          y: H - 12,
          'text-anchor': i === periods.length - 1 && periods.length > 1 ? 'end' : 'middle',
          text: p,
        }),
      )
  })
  for (const s of series) {
    svg.append(
      el('svg:polyline', {
        class: `l-${s.key}`,
        points: s.values.map((v, i) => `${x(i)},${y(v)}`).join(' '),
      }),
    )
    s.values.forEach((v, i) => {
      svg.append(
        el(
          'svg:circle',
          {
            class: `d-${s.key} point`,
            cx: x(i),
            cy: y(v),
            r: 3,
            'data-series': s.key,
            'data-period': periods[i],
            'data-value': v,
          },
          el('svg:title', { text: `${s.label} ${periods[i]}: ${fmt().format(v)}` }),
        ),
      )
    })
  }
  const colors = { export: 'var(--export)', import: 'var(--import)', balance: 'var(--balance)' }
  box.append(
    el(
      'div',
      { class: 'keys' },
      series.map((s) => el('span', {}, el('i', { style: `background:${colors[s.key]}` }), s.label)),
    ),
    svg,
    dataTable(
      [t('trade.month'), ...series.map((s) => s.label)],
      periods.map((p, i) => [p, ...series.map((s) => s.values[i])]),
    ),
  )
}

/** Horizontal bars: rows [{key, label, value}] */
function barChart(box, rows, keyLabel) {
  box.replaceChildren()
  if (rows.length === 0) return box.append(el('p', { class: 'empty', text: t('trade.empty') }))
  const W = Math.max(300, box.clientWidth || 560),
    rowH = 26,
    L = Math.min(190, Math.round(W * 0.4)),
    R = 56
  const H = rows.length * rowH + 6
  const max = Math.max(1, ...rows.map((r) => Math.abs(r.value)))
  const svg = el('svg:svg', { viewBox: `0 0 ${W} ${H}`, role: 'img' })
  rows.forEach((r, i) => {
    const w = (Math.abs(r.value) * (W - L - R)) / max
    const yy = i * rowH + 4
    const label = fit(r.label, L - 10)
    svg.append(
      el('svg:text', { class: 'barlabel', x: L - 6, y: yy + 15, 'text-anchor': 'end', text: label }),
      el(
        'svg:rect',
        {
          class: 'barrect bar-item',
          x: L,
          y: yy,
          width: Math.max(1, w),
          height: rowH - 8,
          rx: 2,
          'data-key': r.key,
          'data-value': r.value,
        },
        el('svg:title', { text: `${r.label}: ${fmt().format(r.value)}` }),
      ),
      el('svg:text', { class: 'barvalue', x: L + w + 4, y: yy + 14, text: compact().format(r.value) }),
    )
  })
  box.append(
    svg,
    dataTable(
      [keyLabel, t('trade.value')],
      rows.map((r) => [`${r.key} ${r.label}`, r.value]),
    ),
  )
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

const VERDICTS = ['complete', 'short', 'over', 'stale', 'pending', 'partial']
const VERDICT_MARK = { complete: '✓', short: '✗', over: '✗', stale: '↻', pending: '…', partial: '◐' }

/** The verify verdicts: a mark on each country-year cell, its months in the cell's detail, and the months that differ. */
async function loadCompleteness(grid, cells, describe) {
  const box = $('coverage-completeness')
  const data = await getJson('/api/completeness')
  const head = [
    el('h3', { text: t('completeness.title') }),
    el('p', { class: 'hint', text: t('completeness.hint') }),
  ]
  if (!data.hasTotals) {
    box.replaceChildren(...head, el('p', { class: 'note', text: t('completeness.noTotals') }))
    return
  }
  const byCountry = new Map(data.countries.map((c) => [c.code, c]))
  for (const td of grid.querySelectorAll('td.cell')) {
    const v = byCountry.get(td.dataset.country)
    const verdict = v?.years[td.dataset.year]
    if (!verdict) continue
    td.dataset.verdict = verdict
    // Two overlapping loads (the first load and a hash navigation) may decorate the same grid: one mark only.
    td.querySelector('.mark')?.remove()
    td.append(el('span', { class: `mark v-${verdict}`, text: ` ${VERDICT_MARK[verdict]}` }))
    const months = Object.entries(v.months)
      .filter(([m]) => m.startsWith(td.dataset.year))
      .map(([m, x]) => `${m.slice(5)} ${t(`verdict.${x}`)}`)
    const cell = cells.get(`${td.dataset.country}|${td.dataset.year}`)
    const name = td.parentElement.querySelector('th').textContent
    const text = `${describe(cell, name)}\n${t('completeness.title')}: ${months.join(' · ')}`
    td.title = text
  }
  const counts = el(
    'ul',
    { class: 'legend' },
    VERDICTS.map((v) =>
      el(
        'li',
        { 'data-verdict': v },
        el('span', { class: `mark v-${v}`, text: VERDICT_MARK[v] }),
        `${t(`verdict.${v}`)} ${fmt().format(data.counts[v] ?? 0)}`,
      ),
    ),
    el('li', { class: 'hint', text: `${data.from}–${data.to}, ${t('completeness.counts')}` }),
  )
  const rows = data.differing
  box.replaceChildren(
    ...head,
    counts,
    rows.length === 0
      ? el('p', { class: 'note', text: t('completeness.all') })
      : el(
          'details',
          // A long list starts folded: the counts above say how many.
          rows.length <= 30 ? { open: '' } : {},
          el('summary', {
            text: t('completeness.differ', {
              n: fmt().format(
                VERDICTS.reduce((sum, v) => sum + (v === 'complete' ? 0 : (data.counts[v] ?? 0)), 0),
              ),
            }),
          }),
          el(
            'table',
            { id: 'completeness-differing' },
            el(
              'thead',
              {},
              el(
                'tr',
                {},
                [
                  'coverage.country',
                  'completeness.month',
                  'completeness.verdict',
                  'completeness.pubExp',
                  'completeness.mirExp',
                  'completeness.pubImp',
                  'completeness.mirImp',
                  'completeness.why',
                ].map((k) => el('th', { text: t(k) })),
              ),
            ),
            el(
              'tbody',
              {},
              rows.map((r) =>
                el(
                  'tr',
                  { 'data-country': r.country, 'data-period': r.period, 'data-verdict': r.verdict },
                  el('td', { text: r.country }),
                  el('td', { text: r.period }),
                  el('td', { text: t(`verdict.${r.verdict}`) }),
                  [r.published.exportUsd, r.mirror.exportUsd, r.published.importUsd, r.mirror.importUsd].map(
                    (n) => el('td', { class: 'num', text: fmt().format(n) }),
                  ),
                  el('td', { text: r.reason }),
                ),
              ),
            ),
          ),
        ),
    rows.some((r) => ['short', 'over', 'stale'].includes(r.verdict))
      ? el('p', { class: 'hint', text: t('completeness.fix') })
      : '',
  )
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

/** Vertical bars of calls per minute. */
function barColumns(box, minutes) {
  box.replaceChildren()
  const W = Math.max(300, box.clientWidth || 760),
    H = 180,
    L = 40,
    B = 26,
    T = 8
  const ticks = niceTicks(0, Math.max(1, ...minutes.map((m) => m.calls)), 2, true)
  const top = ticks[ticks.length - 1]
  const bw = (W - L) / minutes.length
  const svg = el('svg:svg', { viewBox: `0 0 ${W} ${H}`, role: 'img' })
  for (const v of ticks) {
    const yy = T + ((top - v) * (H - T - B)) / top
    svg.append(
      el('svg:line', { class: 'axis', x1: L, x2: W, y1: yy, y2: yy }),
      el('svg:text', { class: 'tick', x: L - 4, y: yy + 4, 'text-anchor': 'end', text: compact().format(v) }),
    )
  }
  const time = (iso) =>
    new Date(iso).toLocaleTimeString(lang === 'ko' ? 'ko-KR' : 'en-GB', {
      hour: '2-digit',
      minute: '2-digit',
    })
  minutes.forEach((m, i) => {
    const h = (m.calls * (H - T - B)) / top
    svg.append(
      el(
        'svg:rect',
        {
          class: 'barrect bar-item',
          x: L + i * bw + 1,
          y: H - B - h,
          width: Math.max(1, bw - 2),
          height: h,
          'data-key': m.minute,
          'data-value': m.calls,
        },
        el('svg:title', { text: `${time(m.minute)}: ${m.calls}` }),
      ),
    )
    if (i % (W < 500 ? 20 : 10) === 0)
      svg.append(
        el('svg:text', {
          class: 'tick',
          x: L + i * bw + bw / 2,
          y: H - 8,
          'text-anchor': 'middle',
          text: time(m.minute),
        }),
      )
  })
  box.append(svg)
}

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
  const to = meta.latest ?? new Date().toISOString().slice(0, 7)
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
async function loadTrade(selection = parseHash(location.hash).selection) {
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
  const current = ++navigation
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
  lang = lang === 'ko' ? 'en' : 'ko'
  localStorage.setItem(LANG_KEY, lang)
  applyLabels()
  trade.fill?.()
  route()
})
window.addEventListener('hashchange', route)
applyLabels()
route()
