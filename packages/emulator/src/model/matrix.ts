/**
 * Expected trade for a year by partner × HS heading, fitted to both margins: the partner totals and
 * the heading totals of the year (iterative proportional fitting), with the partner splits the facts
 * name held fixed. A seeded affinity per (partner, heading) gives each partner its own mix.
 */

/** A cell whose value is set, not fitted: partner c takes `usd` of heading h. */
export interface FixedCell {
  country: number
  heading: number
  usd: number
}

export interface FitInput {
  /** Partner totals in USD (length C); their sum is the year's total. */
  rows: Float64Array
  /** Heading totals in USD (length H); same sum. */
  cols: Float64Array
  /** Seed weights per cell, row-major C × H (the partner's affinity for the heading). */
  affinity: Float32Array
  fixed: readonly FixedCell[]
}

/** At most this many rounds; fitting stops once every margin is met to 1e-6. */
const ITERATIONS = 60
const TOLERANCE = 1e-6

/** The fitted C × H matrix in USD (Float32, row-major). */
export function fitMatrix(input: FitInput): Float32Array {
  const C = input.rows.length
  const H = input.cols.length
  const rowT = Float64Array.from(input.rows)
  const colT = Float64Array.from(input.cols)
  const total = colT.reduce((a, b) => a + b, 0)
  const fixedRow = new Float64Array(C)
  const fixedCol = new Float64Array(H)
  const isFixed = new Uint8Array(C * H)
  for (const f of input.fixed) {
    fixedRow[f.country] = fixedRow[f.country]! + f.usd
    fixedCol[f.heading] = fixedCol[f.heading]! + f.usd
    isFixed[f.country * H + f.heading] = 1
  }
  // A partner must be able to hold its fixed cells: raise its total where it cannot, and take the
  // difference from the others in proportion.
  let raised = 0
  let free = 0
  const isRaised = new Uint8Array(C)
  for (let c = 0; c < C; c++) {
    const need = fixedRow[c]! / 0.85
    if (fixedRow[c]! > 0 && rowT[c]! < need) {
      raised += need - rowT[c]!
      rowT[c] = need
      isRaised[c] = 1
    } else free += rowT[c]!
  }
  if (raised > 0 && free > raised) {
    const k = (free - raised) / free
    for (let c = 0; c < C; c++) if (!isRaised[c]) rowT[c] = rowT[c]! * k
  }
  const rowFree = new Float64Array(C)
  const colFree = new Float64Array(H)
  for (let c = 0; c < C; c++) rowFree[c] = Math.max(0, rowT[c]! - fixedRow[c]!)
  for (let h = 0; h < H; h++) colFree[h] = Math.max(0, colT[h]! - fixedCol[h]!)
  // The two free margins must agree; scale the rows onto the columns' sum.
  const sumR = rowFree.reduce((a, b) => a + b, 0)
  const sumC = colFree.reduce((a, b) => a + b, 0)
  if (sumR > 0) for (let c = 0; c < C; c++) rowFree[c] = (rowFree[c]! * sumC) / sumR

  const x = new Float64Array(C * H)
  for (let c = 0; c < C; c++) {
    const r = rowFree[c]! / Math.max(1, total)
    if (r <= 0) continue
    const o = c * H
    for (let h = 0; h < H; h++) {
      if (isFixed[o + h] || colFree[h]! <= 0) continue
      x[o + h] = r * (colFree[h]! / Math.max(1, total)) * input.affinity[o + h]!
    }
  }
  const colSum = new Float64Array(H)
  for (let it = 0; it < ITERATIONS; it++) {
    for (let c = 0; c < C; c++) {
      const o = c * H
      let s = 0
      for (let h = 0; h < H; h++) s += x[o + h]!
      if (s <= 0) continue
      const k = rowFree[c]! / s
      for (let h = 0; h < H; h++) x[o + h] = x[o + h]! * k
    }
    colSum.fill(0)
    for (let c = 0; c < C; c++) {
      const o = c * H
      for (let h = 0; h < H; h++) colSum[h] = colSum[h]! + x[o + h]!
    }
    let worst = 0
    for (let h = 0; h < H; h++) {
      if (colFree[h]! > 0) worst = Math.max(worst, Math.abs(colSum[h]! / colFree[h]! - 1))
    }
    if (worst < TOLERANCE) break
    for (let c = 0; c < C; c++) {
      const o = c * H
      for (let h = 0; h < H; h++) {
        const s = colSum[h]!
        if (s > 0) x[o + h] = (x[o + h]! * colFree[h]!) / s
      }
    }
  }
  const out = new Float32Array(C * H)
  for (let k = 0; k < C * H; k++) out[k] = x[k]!
  for (const f of input.fixed) out[f.country * H + f.heading] = out[f.country * H + f.heading]! + f.usd
  return out
}
