// The coverage view's completeness panel: the verify verdicts against the published totals, a mark on each
// country-year cell, its months in the cell's detail, and the country-months that differ.

import { t } from './i18n.js'
import { $, el, fmt, getJson } from './page.js'

const VERDICTS = ['complete', 'short', 'over', 'stale', 'pending', 'partial']
const VERDICT_MARK = { complete: '✓', short: '✗', over: '✗', stale: '↻', pending: '…', partial: '◐' }

/** The verify verdicts: a mark on each country-year cell, its months in the cell's detail, and the months that differ. */
export async function loadCompleteness(grid, cells, describe) {
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
