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
import { Encoder } from 'cbor-x';
import { valueError } from './errors.js';

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

export function encodeStructured(value: object): Uint8Array {
  checkStructured(value, 0, []);
  return cbor.encode(value);
}

/** Decodes a private copy: byte strings inside come back as views of that copy, never shared memory. */
export function decodeStructured(bytes: Uint8Array): unknown {
  return cbor.decode(bytes);
}

function checkStructured(value: unknown, depth: number, ancestors: object[]): void {
  if (value === null) return;
  switch (typeof value) {
    case 'undefined':
    case 'boolean':
    case 'number':
    case 'string':
    case 'bigint':
      return;
    case 'symbol':
    case 'function':
      throw valueError('any', value, `a ${typeof value} cannot cross threads`);
  }
  const object = value as object;
  if (object instanceof Uint8Array || object instanceof Date) return;
  if (depth >= MAX_DEPTH) throw valueError('any', value, `nested deeper than ${MAX_DEPTH} levels`);
  if (ancestors.includes(object)) throw valueError('any', value, 'it is cyclic');
  const proto: unknown = Object.getPrototypeOf(object);
  if (!Array.isArray(object) && proto !== Object.prototype && proto !== null) {
    throw valueError('any', value, 'only plain objects, arrays, Dates and Uint8Arrays can be stored');
  }
  ancestors.push(object);
  if (Array.isArray(object)) {
    for (let i = 0; i < object.length; i++) checkStructured(object[i], depth + 1, ancestors);
  } else {
    for (const key of Object.keys(object)) checkStructured((object as Record<string, unknown>)[key], depth + 1, ancestors);
  }
  ancestors.pop();
}
