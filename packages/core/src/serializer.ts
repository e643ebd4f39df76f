/**
 * Structured values under the 'any' value codec (plain objects, arrays, Dates, Uint8Arrays and
 * any nesting of these with primitives) go through CBOR, encoded by cbor-x.
 *
 * Why cbor-x: it is among the fastest JS serializers, runs unchanged in browsers and Node, is
 * actively maintained, and handles undefined, NaN, bigint, Date and byte strings natively. With
 * `alwaysUseFloat` every number is a float64, so a nested -0 comes back as -0 (msgpackr and cbor-x's
 * default integer packing both turn it into 0). Top-level primitives never reach it (codecs.ts
 * stores them inline or as UTF-16 blobs).
 *
 * `checkStructured` runs first: it rejects what CBOR would silently change or the contract does not
 * allow (functions, symbols, class instances, Maps, cycles), so a bad value throws
 * ERR_SHARDMAP_VALUE before anything is written.
 */
import { Encoder, addExtension } from 'cbor-x';
import { valueError } from './errors.js';

/**
 * CBOR text is UTF-8, which cannot carry a lone surrogate ('\ud800' would come back as U+FFFD).
 * Strings that are not well-formed UTF-16 are wrapped in this class before encoding and travel as
 * their raw code units under a private tag.
 */
class Utf16Units {
  constructor(readonly text: string) {}
}

/** Private CBOR tags (first-come-first-served range), registered once for this module's encoder. */
const TAG_UTF16_UNITS = 40501;
const TAG_DATE_MS = 40502;

// cbor-x's typings insist decode returns the Class; ours returns the unwrapped string.
addExtension({
  Class: Utf16Units as unknown as { new (...args: unknown[]): unknown },
  tag: TAG_UTF16_UNITS,
  encode(value: unknown, encode: (v: unknown) => Uint8Array) {
    const { text } = value as Utf16Units;
    const units: number[] = [];
    for (let i = 0; i < text.length; i++) units.push(text.charCodeAt(i));
    return encode(units);
  },
  decode(units: unknown) {
    let text = '';
    for (const unit of units as number[]) text += String.fromCharCode(unit);
    return text;
  },
});

// CBOR's standard epoch tag (1) carries seconds as a float and rounds large millisecond times;
// Dates travel as their exact millisecond number instead.
addExtension({
  Class: Date,
  tag: TAG_DATE_MS,
  encode(date: Date, encode: (v: unknown) => Uint8Array) {
    return encode(date.getTime());
  },
  decode(time: unknown) {
    return new Date(time as number);
  },
});

function isWellFormed(s: string): boolean {
  return typeof s.isWellFormed === 'function' ? s.isWellFormed() : !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

const cbor = new Encoder({
  useRecords: false,
  mapsAsObjects: true,
  alwaysUseFloat: true,
  pack: false,
  tagUint8Array: false,
  structuredClone: false,
});

/** Nesting deeper than this is refused (it would overflow the encoder's stack). */
export const MAX_DEPTH = 1000;
/** Longest array stored: a sparse array of length 2^32-1 would otherwise take minutes to walk. */
export const MAX_ARRAY_LENGTH = 2 ** 24;

export function encodeStructured(value: object): Uint8Array {
  const illFormed = checkStructured(value, 0, []);
  return cbor.encode(illFormed ? wrapIllFormed(value) : value);
}

/** A copy of `value` with every ill-formed string wrapped (rare: only when checkStructured found one). */
function wrapIllFormed(value: unknown): unknown {
  if (typeof value === 'string') return isWellFormed(value) ? value : new Utf16Units(value);
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array || value instanceof Date) return value;
  if (Array.isArray(value)) return value.map(wrapIllFormed);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = wrapIllFormed((value as Record<string, unknown>)[key]);
  return out;
}

/** Decodes a private copy: byte strings inside come back as views of that copy, never shared memory. */
export function decodeStructured(bytes: Uint8Array): unknown {
  return cbor.decode(bytes);
}

/** Throws ERR_SHARDMAP_VALUE for what cannot be stored; true if a string needs wrapping. */
function checkStructured(value: unknown, depth: number, ancestors: object[]): boolean {
  if (value === null) return false;
  switch (typeof value) {
    case 'string':
      return !isWellFormed(value);
    case 'undefined':
    case 'boolean':
    case 'number':
    case 'bigint':
      return false;
    case 'symbol':
    case 'function':
      throw valueError('any', value, `a ${typeof value} cannot cross threads`);
  }
  const object = value as object;
  if ((ArrayBuffer.isView(object) && object instanceof Uint8Array) || object instanceof Date) return false;
  if (depth >= MAX_DEPTH) throw valueError('any', value, `nested deeper than ${MAX_DEPTH} levels`);
  if (ancestors.includes(object)) throw valueError('any', value, 'it is cyclic');
  const proto: unknown = Object.getPrototypeOf(object);
  if (!Array.isArray(object) && proto !== Object.prototype && proto !== null) {
    throw valueError('any', value, 'only plain objects, arrays, Dates and Uint8Arrays can be stored');
  }
  if (Array.isArray(object) && object.length > MAX_ARRAY_LENGTH) {
    throw valueError('any', value, `an array longer than ${MAX_ARRAY_LENGTH} elements`);
  }
  ancestors.push(object);
  let illFormed = false;
  if (Array.isArray(object)) {
    for (let i = 0; i < object.length; i++) illFormed = checkStructured(object[i], depth + 1, ancestors) || illFormed;
  } else {
    for (const key of Object.keys(object)) {
      if (!isWellFormed(key)) throw valueError('any', value, 'an object key is not well-formed UTF-16');
      illFormed = checkStructured((object as Record<string, unknown>)[key], depth + 1, ancestors) || illFormed;
    }
  }
  ancestors.pop();
  return illFormed;
}
