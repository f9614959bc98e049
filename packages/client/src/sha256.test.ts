import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createSha256, Sha256, sha256Hex } from './sha256.js'
import { seededRandom } from './test-utils/fixtures.js'

describe('Sha256', () => {
  it('matches the FIPS 180-4 / NIST test vectors', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    )
    expect(
      sha256Hex(
        'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu',
      ),
    ).toBe('cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1')
    const million = new Sha256()
    const block = new TextEncoder().encode('a'.repeat(1000))
    for (let i = 0; i < 1000; i++) million.update(block)
    expect(million.digestHex()).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0')
  })

  it('agrees with node:crypto for every length around the block and padding boundaries', () => {
    const random = seededRandom(7)
    const data = new Uint8Array(300).map(() => Math.floor(random() * 256))
    for (let len = 0; len <= 200; len++) {
      const part = data.subarray(0, len)
      expect(sha256Hex(part)).toBe(createHash('sha256').update(part).digest('hex'))
    }
  })

  it('gives the same digest however the input is split into updates', () => {
    const random = seededRandom(11)
    const data = new Uint8Array(100_000).map(() => Math.floor(random() * 256))
    const expected = createHash('sha256').update(data).digest('hex')
    for (let trial = 0; trial < 30; trial++) {
      const h = new Sha256()
      let i = 0
      while (i < data.length) {
        const n = Math.floor(random() * 5000)
        h.update(data.subarray(i, i + n))
        i += n
      }
      expect(h.digestHex()).toBe(expected)
      expect(h.bytes).toBe(data.length)
    }
  })

  it('refuses updates after the digest', () => {
    const h = new Sha256().update(new Uint8Array([1]))
    h.digestHex()
    expect(() => h.update(new Uint8Array([2]))).toThrow()
    expect(h.digestHex()).toBe(
      createHash('sha256')
        .update(new Uint8Array([1]))
        .digest('hex'),
    )
  })
})

describe('createSha256', () => {
  it('uses the native hash on Node and gives the same digest as the portable one, in any split', () => {
    const random = seededRandom(7)
    const data = new Uint8Array(70_001)
    for (let i = 0; i < data.length; i++) data[i] = Math.floor(random() * 256)
    const native = createSha256()
    const portable = createSha256({ native: false })
    expect(portable).toBeInstanceOf(Sha256)
    expect(native).not.toBeInstanceOf(Sha256)
    for (let i = 0; i < data.length; ) {
      const n = 1 + Math.floor(random() * 9000)
      native.update(data.subarray(i, i + n))
      portable.update(data.subarray(i, i + n))
      i += n
    }
    const expected = createHash('sha256').update(data).digest('hex')
    expect(native.digestHex()).toBe(expected)
    expect(portable.digestHex()).toBe(expected)
  })
})
