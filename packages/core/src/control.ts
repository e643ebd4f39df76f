/**
 * Swiss-table control bytes and group matching, four bytes at a time in one Int32 word (SWAR).
 *
 * A control byte is EMPTY (0x80), DELETED (0xFE, a tombstone) or FULL: the slot's 7-bit tag
 * (0x00..0x7F, the top 7 bits of its hash). Byte i of a group word is bits 8i..8i+7 (little
 * endian: checked at load time below).
 *
 * matchTag — bytes equal to `tag`:
 *   x = word ^ (tag * 0x01010101) turns equal bytes into 0x00. (x - 0x01010101) & ~x & 0x80808080
 *   sets the high bit of each zero byte. A borrow out of a zero byte can also flag the byte above
 *   it when that byte is 0x01 (a false positive). That is fine: every candidate's stored hash and
 *   key are compared before it counts as a match (hashbrown, group/generic.rs).
 * matchEmpty — EMPTY is the only control byte with bit 7 set and bit 1 clear:
 *   word & ~(word << 6) moves bit 1 onto bit 7 within each byte. No false positives.
 * matchEmptyOrDeleted — the only bytes with bit 7 set: word & 0x80808080.
 */

export const EMPTY = 0x80;
export const DELETED = 0xfe;
export const EMPTY_GROUP_WORD = 0x80808080 | 0;

const LSBS = 0x01010101;
const MSBS = 0x80808080 | 0;

if (new Uint8Array(new Uint32Array([0x01020304]).buffer)[0] !== 0x04) {
  throw new Error('shardmap (control): needs a little-endian platform');
}

export const matchTag = (word: number, tag: number): number => {
  const x = word ^ Math.imul(LSBS, tag);
  return (x - LSBS) & ~x & MSBS;
};

export const matchEmpty = (word: number): number => word & ~(word << 6) & MSBS;

export const matchEmptyOrDeleted = (word: number): number => word & MSBS;

/** Index (0..3) within the group of the lowest flagged byte of a non-zero match mask. */
export const lowestByte = (mask: number): number => (31 - Math.clz32(mask & -mask)) >> 3;

/** The mask with its lowest flagged byte removed. */
export const withoutLowest = (mask: number): number => mask & (mask - 1);

/** The 7-bit tag of a hash: its top bits, which the group index does not use first. */
export const tagOf = (hash: number): number => hash >>> 25;
