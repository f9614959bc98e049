// Axis ticks of the dashboard's charts: round steps (1, 2, 2.5 or 5 × 10^n), so that an axis reads
// 5B, 10B, 15B, 20B and not 6.3B, 12.5B, 18.8B. A module of its own so that it can be unit-tested.

/** The round step (1, 2, 2.5 or 5 × 10^n) that cuts `span` into at most about `target` intervals. */
export function niceStep(span, target = 4) {
  if (!(span > 0) || !Number.isFinite(span)) return 1
  const raw = span / Math.max(1, target)
  const power = 10 ** Math.floor(Math.log10(raw))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * power >= raw * (1 - 1e-12)) return m * power
  return 10 * power
}

/**
 * Ticks from a round value at or below `min` (and 0) to one at or above `max` (and 0), a round step
 * apart. `integer`: never a step below 1 (counts of calls).
 */
export function niceTicks(min, max, target = 4, integer = false) {
  const lo = Math.min(0, Number.isFinite(min) ? min : 0)
  const hi = Math.max(0, Number.isFinite(max) ? max : 0)
  if (hi === lo) return [0, 1]
  let step = niceStep(hi - lo, target)
  if (integer) step = Math.max(1, Math.round(step))
  const ticks = []
  for (let k = Math.floor(lo / step); k <= Math.ceil(hi / step); k++)
    ticks.push(Number((k * step).toPrecision(12)))
  return ticks
}
