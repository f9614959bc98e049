import { KcsResponseFormatError } from '../errors.js'

function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  )
}

/**
 * Decodes the five predefined XML entities and numeric character references. Anything else after
 * `&` is malformed: the API declares no DTD, so no other entity can exist.
 */
export function decodeXmlEntities(text: string): string {
  let amp = text.indexOf('&')
  if (amp === -1) return text
  let out = ''
  let from = 0
  while (amp !== -1) {
    out += text.slice(from, amp)
    const semi = text.indexOf(';', amp + 1)
    if (semi === -1 || semi - amp > 12) {
      throw new KcsResponseFormatError(
        `a bare "&" or an unterminated entity reference near "${text.slice(amp, amp + 12)}"`,
      )
    }
    const name = text.slice(amp + 1, semi)
    switch (name) {
      case 'amp':
        out += '&'
        break
      case 'lt':
        out += '<'
        break
      case 'gt':
        out += '>'
        break
      case 'quot':
        out += '"'
        break
      case 'apos':
        out += "'"
        break
      default: {
        let cp: number
        if (/^#x[0-9A-Fa-f]{1,6}$/.test(name)) cp = Number.parseInt(name.slice(2), 16)
        else if (/^#[0-9]{1,7}$/.test(name)) cp = Number.parseInt(name.slice(1), 10)
        else throw new KcsResponseFormatError(`unknown entity "&${name};" (no DTD is declared)`)
        if (!isXmlChar(cp)) {
          throw new KcsResponseFormatError(`character reference "&${name};" is not a valid XML character`)
        }
        out += String.fromCodePoint(cp)
      }
    }
    from = semi + 1
    amp = text.indexOf('&', from)
  }
  return out + text.slice(from)
}
