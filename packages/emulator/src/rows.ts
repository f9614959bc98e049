/**
 * The column-wise containers an answer is built in: labels (code, name) and rows. Kept apart from
 * the generator so the XML writer and the truth API share one shape.
 */
import type { CellValues, CountryModel, DataRow } from './data-types.js'

/**
 * Every (code, name) pair an answer can carry: the 10-digit lines first (label i = code i), then
 * aggregated and quirk codes as they are first met. Rows refer to labels by number, and the XML
 * writer caches each label's encoded bytes once.
 */
export class Labels {
  readonly codes: string[]
  readonly names: string[]
  /** Encoded `CODE</hsCd><impDlr>` and `NAME</statKor><year>`, filled by the XML writer. */
  readonly codeBytes: (Uint8Array | undefined)[] = []
  readonly nameBytes: (Uint8Array | undefined)[] = []
  private readonly extra = new Map<string, number>()

  constructor(codes: readonly string[], names: readonly string[]) {
    this.codes = [...codes]
    this.names = [...names]
  }

  intern(code: string, name: string): number {
    const key = `${code}\u0000${name}`
    let k = this.extra.get(key)
    if (k === undefined) {
      k = this.codes.length
      this.codes.push(code)
      this.names.push(name)
      this.extra.set(key, k)
    }
    return k
  }
}

/**
 * An answer's rows, column-wise: ~40 bytes a row instead of an object each, so a 77,000-row answer
 * costs about 3 MB and no per-row allocation.
 */
export class RowTable {
  length = 0
  months: Int32Array
  countries: Uint16Array
  labels: Int32Array
  /** expWgt, expDlr, impWgt, impDlr per row. */
  values: Float64Array

  constructor(
    readonly labelTable: Labels,
    capacity = 1024,
  ) {
    const n = Math.max(16, Math.ceil(capacity))
    this.months = new Int32Array(n)
    this.countries = new Uint16Array(n)
    this.labels = new Int32Array(n)
    this.values = new Float64Array(n * 4)
  }

  push(month: number, country: number, label: number, v: CellValues): void {
    const k = this.length
    if (k === this.months.length) this.grow()
    this.months[k] = month
    this.countries[k] = country
    this.labels[k] = label
    const o = k * 4
    const values = this.values
    values[o] = v.expWgt
    values[o + 1] = v.expDlr
    values[o + 2] = v.impWgt
    values[o + 3] = v.impDlr
    this.length = k + 1
  }

  /** Adds a cell's measures into row k (aggregation). */
  addInto(k: number, v: CellValues): void {
    const o = k * 4
    this.values[o] = this.values[o]! + v.expWgt
    this.values[o + 1] = this.values[o + 1]! + v.expDlr
    this.values[o + 2] = this.values[o + 2]! + v.impWgt
    this.values[o + 3] = this.values[o + 3]! + v.impDlr
  }

  row(k: number, countries: readonly CountryModel[]): DataRow {
    const o = k * 4
    const label = this.labels[k]!
    return {
      month: this.months[k]!,
      country: countries[this.countries[k]!]!,
      code: this.labelTable.codes[label]!,
      name: this.labelTable.names[label]!,
      expWgt: this.values[o]!,
      expDlr: this.values[o + 1]!,
      impWgt: this.values[o + 2]!,
      impDlr: this.values[o + 3]!,
    }
  }

  private grow(): void {
    const n = this.months.length * 2
    const months = new Int32Array(n)
    months.set(this.months)
    this.months = months
    const countries = new Uint16Array(n)
    countries.set(this.countries)
    this.countries = countries
    const labels = new Int32Array(n)
    labels.set(this.labels)
    this.labels = labels
    const values = new Float64Array(n * 4)
    values.set(this.values)
    this.values = values
  }
}
