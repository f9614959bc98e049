// The dashboard's charts, hand-drawn SVG: lines over months, horizontal bars, and calls-per-minute columns, each
// with its numbers in a table underneath (lines and bars).

import { lang, t } from './i18n.js'
import { compact, el, fmt } from './page.js'
import { niceTicks } from './ticks.js'

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
export function lineChart(box, periods, series) {
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
export function barChart(box, rows, keyLabel) {
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

/** Vertical bars of calls per minute. */
export function barColumns(box, minutes) {
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
