/**
 * Stateless, seeded hashing. Every generated value is a pure function of (seed, coordinates), so any
 * row can be computed on its own, in any order, with no table of generated data kept in memory.
 */

/** murmur3's 32-bit finaliser: a cheap bijective mix with good avalanche. */
export function mix32(x: number): number {
  let h = x >>> 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** Hash of up to five integer coordinates. */
export function hash(a: number, b = 0, c = 0, d = 0, e = 0): number {
  let h = mix32(a ^ 0x9e3779b9)
  h = mix32((h + Math.imul(b, 0x27d4eb2f)) | 0)
  h = mix32((h + Math.imul(c, 0x165667b1)) | 0)
  h = mix32((h + Math.imul(d, 0x61c88647)) | 0)
  h = mix32((h + Math.imul(e, 0x7feb352d)) | 0)
  return h
}

const TWO_32 = 4294967296

/** Uniform in [0, 1). */
export function unit(a: number, b = 0, c = 0, d = 0, e = 0): number {
  return hash(a, b, c, d, e) / TWO_32
}

/** Standard normal (Box–Muller on two hashes). */
export function normal(a: number, b = 0, c = 0, d = 0, e = 0): number {
  const u1 = (hash(a, b, c, d, e) + 1) / (TWO_32 + 1)
  const u2 = hash(a ^ 0x5bd1e995, b, c, d, e) / TWO_32
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)
}

/** A small seeded PRNG (mulberry32) for sequences such as random faults. */
export function createPrng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / TWO_32
  }
}

/** A stable 32-bit number for a string (FNV-1a), e.g. to derive a per-key seed. */
export function hashString(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}
