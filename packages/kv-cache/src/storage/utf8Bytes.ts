/**
 * The size of a string as KV stores and bills it: UTF-8 bytes, not JavaScript's UTF-16 code units
 * (`length`). A CJK character is one unit and three bytes; an emoji two units and four bytes.
 * Counted without encoding the string (no copy), and at once when it is all ASCII-sized anyway.
 */
export const utf8Bytes = (text: string): number => {
  let bytes = text.length
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit < 0x80) continue
    if (unit < 0x800) bytes += 1
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1)
      // A surrogate pair: two units, four bytes.
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 2
        i++
      } else bytes += 2
    } else bytes += 2 // the rest of the BMP, and lone surrogates (written as U+FFFD: three bytes)
  }
  return bytes
}

/**
 * Whether `text` is over `limit` bytes in UTF-8, counting only when the answer is not already
 * known from its length: a UTF-16 unit is 1 to 3 bytes, so `length` bounds the bytes both ways.
 */
export const overBytes = (text: string, limit: number): boolean =>
  text.length > limit ? true : text.length * 3 <= limit ? false : utf8Bytes(text) > limit
