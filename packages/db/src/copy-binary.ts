/**
 * Rows of `trade_rows` in PostgreSQL's binary `COPY` format (PostgreSQL and PGlite read it alike): no
 * text parsing of dates and integers on the server, and a compact stream built straight from the row
 * objects, chunk by chunk, while the server loads the previous chunk.
 */

/** The signature, flags and header extension length that open a binary COPY stream. */
const HEADER = Buffer.from([
  0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
])
/** A tuple field count of -1 ends the stream. */
const TRAILER = Buffer.from([0xff, 0xff])

/** Days between 1970-01-01 and 2000-01-01, PostgreSQL's epoch for dates and timestamps. */
const PG_EPOCH_DAYS = 10_957
const PG_EPOCH_MS = Date.UTC(2000, 0, 1)
const TWO_32 = 4_294_967_296

/** Bytes of a row apart from its two names: field count, lengths, date, codes, measures, timestamp. */
const FIXED_ROW_BYTES = 2 + 11 * 4 + 4 + 2 + 10 + 5 * 8 + 8

/** One row as the encoder takes it (already validated: codes are ASCII, measures safe integers). */
export interface EncodableRow {
  /** `YYYY-MM` */
  period: string
  countryCode: string
  hsCode: string
  countryName: string
  itemName: string
  exportKg: number
  exportUsd: number
  importKg: number
  importUsd: number
  balanceUsd: number
}

/**
 * Encodes rows into binary COPY chunks of about `chunkBytes` each, with the columns
 * `period, country_code, hs_code, country_name, item_name, export_kg, export_usd, import_kg,
 * import_usd, balance_usd` and, when `fetchedAt` is given, `fetched_at`.
 */
export class CopyEncoder {
  private buffer: Buffer
  private offset = 0
  private readonly fields: number
  private readonly fetchedHi: number
  private readonly fetchedLo: number
  private readonly days = new Map<string, number>()

  constructor(
    fetchedAt: Date | null,
    private readonly chunkBytes = 256 * 1024,
  ) {
    this.buffer = Buffer.allocUnsafe(chunkBytes)
    this.fields = fetchedAt === null ? 10 : 11
    const micros = fetchedAt === null ? 0 : (fetchedAt.getTime() - PG_EPOCH_MS) * 1000
    this.fetchedHi = Math.floor(micros / TWO_32)
    this.fetchedLo = micros - this.fetchedHi * TWO_32
    HEADER.copy(this.buffer, 0)
    this.offset = HEADER.length
  }

  /** Bytes encoded and not yet taken. */
  get pending(): number {
    return this.offset
  }

  /**
   * Appends one row; returns a full chunk when the buffer had to be emptied to make room (the caller
   * sends it), else null.
   */
  push(row: EncodableRow): Buffer | null {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    const need = FIXED_ROW_BYTES + 3 * (row.countryName.length + row.itemName.length)
    let full: Buffer | null = null
    if (this.offset + need > this.buffer.length) {
      full = this.take()
      if (need > this.buffer.length) this.buffer = Buffer.allocUnsafe(need + this.chunkBytes)
    }
    const b = this.buffer
    let o = this.offset
    b.writeInt16BE(this.fields, o)
    o += 2
    b.writeInt32BE(4, o)
    b.writeInt32BE(this.dayOf(row.period), o + 4)
    o += 8
    o = ascii(b, o, row.countryCode)
    o = ascii(b, o, row.hsCode)
    o = utf8(b, o, row.countryName)
    o = utf8(b, o, row.itemName)
    o = int8(b, o, row.exportKg)
    o = int8(b, o, row.exportUsd)
    o = int8(b, o, row.importKg)
    o = int8(b, o, row.importUsd)
    o = int8(b, o, row.balanceUsd)
    if (this.fields === 11) {
      b.writeInt32BE(8, o)
      b.writeInt32BE(this.fetchedHi, o + 4)
      b.writeUInt32BE(this.fetchedLo, o + 8)
      o += 12
    }
    this.offset = o
    return full
  }

  /** The bytes encoded so far, leaving the encoder empty (with a fresh buffer: the chunk is the caller's). */
  take(): Buffer {
    const chunk = this.buffer.subarray(0, this.offset)
    this.buffer = Buffer.allocUnsafe(this.chunkBytes)
    this.offset = 0
    return chunk
  }

  /** The last bytes of the stream, trailer included. */
  end(): Buffer {
    if (this.offset + TRAILER.length > this.buffer.length) {
      const last = Buffer.allocUnsafe(this.offset + TRAILER.length)
      this.buffer.copy(last, 0, 0, this.offset)
      this.buffer = last
    }
    TRAILER.copy(this.buffer, this.offset)
    this.offset += TRAILER.length
    return this.take()
  }

  /** Starts a new stream (header included) after `end()`. */
  restart(): void {
    HEADER.copy(this.buffer, 0)
    this.offset = HEADER.length
  }

  private dayOf(period: string): number {
    let day = this.days.get(period)
    if (day === undefined) {
      day =
        Date.UTC(Number(period.slice(0, 4)), Number(period.slice(5, 7)) - 1, 1) / 86_400_000 - PG_EPOCH_DAYS
      this.days.set(period, day)
    }
    return day
  }
}

function ascii(b: Buffer, o: number, text: string): number {
  const n = b.write(text, o + 4, 'latin1')
  b.writeInt32BE(n, o)
  return o + 4 + n
}

function utf8(b: Buffer, o: number, text: string): number {
  const n = b.write(text, o + 4, 'utf8')
  b.writeInt32BE(n, o)
  return o + 4 + n
}

function int8(b: Buffer, o: number, value: number): number {
  const hi = Math.floor(value / TWO_32)
  b.writeInt32BE(8, o)
  b.writeInt32BE(hi, o + 4)
  b.writeUInt32BE(value - hi * TWO_32, o + 8)
  return o + 12
}
