/**
 * Reading and writing one slot's key and value payloads, and the blobs behind them.
 *
 * A payload is two words at SLOT_KEY or SLOT_VALUE: an inline float64 for numbers, nothing for
 * undefined/null/booleans (the tag says it all), otherwise a blob offset and a length (code units
 * for strings, bigints and JSON, bytes otherwise). A string's units are one byte each when all fit
 * (T_LATIN1: writers store a string that way exactly when it can be), UTF-16 otherwise. Blobs are
 * heap blocks owned by the slot's shard.
 *
 * Reads may run optimistically (no lock): they only copy (numbers, a string built from code units,
 * a fresh Uint8Array copy) and bounds-check every offset; decoding that could throw (BigInt, JSON,
 * CBOR) happens in finishValue after the caller validated the sequence.
 */
import { PAYLOAD_BLOB, PAYLOAD_LENGTH, SLOT_KEY, SLOT_TAGS, SLOT_VALUE, slotF64, slotWord } from './layout.js';
import { T_BIGINT, T_BYTES, T_LATIN1, T_NUMBER, T_STRING, T_TUPLE, decodeTuple, hasBlob, inlineValue, isTextTag, plausibleKey, type EncodedValue, type ProbeKey } from './codecs.js';
import type { Heap } from './memory.js';
import type { Views } from './views.js';
import { corruptError } from './errors.js';

/** A value copied out of a slot, not yet decoded (see finishValue). One per map instance. */
export class RawValue {
  tag = 0;
  num = 0;
  str = '';
  bytes: Uint8Array = new Uint8Array(0);
}

/** Longest string built by one String.fromCharCode.apply (argument-count limits). */
const CHARS_PER_APPLY = 8192;

/** The string of `length` code units from `units[base]` on: a UTF-16 blob (u16) or a one-byte one (u8). */
const readUnits = (units: Uint16Array | Uint8Array, base: number, length: number): string => {
  if (length <= 16) {
    let s = '';
    for (let i = 0; i < length; i++) s += String.fromCharCode(units[base + i]!);
    return s;
  }
  let s = '';
  for (let i = 0; i < length; i += CHARS_PER_APPLY) {
    const end = Math.min(length, i + CHARS_PER_APPLY);
    s += String.fromCharCode.apply(null, units.subarray(base + i, base + end) as unknown as number[]);
  }
  return s;
};

/** Largest blob length believed: a torn length beyond this is rejected before any allocation. */
const MAX_BLOB_LENGTH = 2 ** 30;

/** Copies the payload at word `at + field` (tag `tag`) into `out`. False if unreadable (torn). */
export const readPayload = (v: Views, at: number, field: number, tag: number, out: RawValue): boolean => {
  out.tag = tag;
  if (tag === T_NUMBER) {
    out.num = v.f64[slotF64(at, field)]!;
    return true;
  }
  if (!hasBlob(tag)) return tag > 0 && tag < T_NUMBER;
  const word = slotWord(at, field);
  const blob = v.i32[word + PAYLOAD_BLOB]!;
  const length = v.i32[word + PAYLOAD_LENGTH]!;
  if (length < 0 || length > MAX_BLOB_LENGTH) return false;
  if (tag === T_LATIN1) {
    if (length === 0) return (out.str = ''), true;
    if (blob <= 0 || !v.covers(blob + length)) return false;
    out.str = readUnits(v.u8, blob, length);
    return true;
  }
  if (isTextTag(tag)) {
    if (length === 0) return (out.str = ''), true;
    if (blob <= 0 || (blob & 1) !== 0 || !v.covers(blob + 2 * length)) return false;
    out.str = readUnits(v.u16, blob >> 1, length);
    return true;
  }
  if (length === 0) return (out.bytes = new Uint8Array(0)), true;
  if (blob <= 0 || !v.covers(blob + length)) return false;
  out.bytes = v.u8.slice(blob, blob + length); // slice copies into a private, non-shared buffer
  return true;
};

export const valueTagAt = (v: Views, at: number): number => (v.i32[slotWord(at, SLOT_TAGS)]! >>> 8) & 0xff;

export const readValueRaw = (v: Views, at: number, out: RawValue): boolean => {
  const tag = valueTagAt(v, at);
  if (tag === T_NUMBER) {
    // The common case, kept small enough to inline into readers.
    out.tag = T_NUMBER;
    out.num = v.f64[slotF64(at, SLOT_VALUE)]!;
    return true;
  }
  return readPayload(v, at, SLOT_VALUE, tag, out);
};

/** The stored key as users see it. Only under the lock (the tuple decoder trusts its bytes). */
export const readKeyLocked = (v: Views, at: number, scratch: RawValue, codec: number): unknown => {
  const tag = v.i32[slotWord(at, SLOT_TAGS)]! & 0xff;
  if (!readPayload(v, at, SLOT_KEY, tag, scratch)) throw corruptError('slots', `unreadable key at ${at}`);
  if (!plausibleKey(codec, tag, scratch.num)) throw corruptError('slots', `a stored key has tag ${tag}, impossible for this codec`);
  switch (tag) {
    case T_NUMBER:
      return scratch.num;
    case T_STRING:
    case T_LATIN1:
      return scratch.str;
    case T_BIGINT:
      try {
        return BigInt(scratch.str);
      } catch {
        throw corruptError('slots', 'a stored bigint key does not parse');
      }
    case T_BYTES:
      return scratch.bytes;
    case T_TUPLE:
      return decodeTuple(scratch.bytes);
    default:
      return inlineValue(tag);
  }
};

const blobBytes = (tag: number, length: number): number => isTextTag(tag) ? 2 * length : length;

/** Bytes of the blob a payload would need (0: inline). */
export const payloadLength = (tag: number, str: string, bytes: Uint8Array): number => {
  if (!hasBlob(tag)) return 0;
  return isTextTag(tag) || tag === T_LATIN1 ? str.length : bytes.length;
};

/** Allocates blocks for the mutation in flight, logging them (shard.ts, invariant 4). */
export interface BlobAllocator {
  allocLocked(shard: number, bytes: number): number;
}

/**
 * Allocates and fills the blob for a payload; returns its offset, 0 if none is needed, or -1 if
 * the heap is full (nothing was allocated). The slot is not touched: the caller publishes it.
 */
export const writeBlob = (v: Views, allocator: BlobAllocator, shard: number, tag: number, str: string, bytes: Uint8Array): number => {
  const length = payloadLength(tag, str, bytes);
  if (length === 0) return 0;
  const blob = allocator.allocLocked(shard, blobBytes(tag, length));
  if (blob === 0) return -1;
  if (tag === T_LATIN1) {
    const u8 = v.u8;
    for (let i = 0; i < length; i++) u8[blob + i] = str.charCodeAt(i);
  } else if (isTextTag(tag)) {
    const u16 = v.u16;
    const base = blob >> 1;
    for (let i = 0; i < length; i++) u16[base + i] = str.charCodeAt(i);
  } else {
    v.u8.set(bytes, blob);
  }
  return blob;
};

/** Stores a key payload whose blob (if any) writeBlob returned. */
export const storeKey = (v: Views, at: number, probe: ProbeKey, blob: number): void => {
  const word = slotWord(at, SLOT_KEY);
  if (probe.tag === T_NUMBER) v.f64[slotF64(at, SLOT_KEY)] = probe.num;
  else if (hasBlob(probe.tag)) {
    v.i32[word + PAYLOAD_BLOB] = blob;
    v.i32[word + PAYLOAD_LENGTH] = payloadLength(probe.tag, probe.str, probe.bytes);
  }
};

export const storeValue = (v: Views, at: number, value: EncodedValue, blob: number): void => {
  storePayload(v, at, SLOT_VALUE, value, blob);
};

/** Stores a value payload at word `at + field` (a slot's, or a syncmap value record's). */
export const storePayload = (v: Views, at: number, field: number, value: EncodedValue, blob: number): void => {
  const word = slotWord(at, field);
  if (value.tag === T_NUMBER) v.f64[slotF64(at, field)] = value.num;
  else if (hasBlob(value.tag)) {
    v.i32[word + PAYLOAD_BLOB] = blob;
    v.i32[word + PAYLOAD_LENGTH] = payloadLength(value.tag, value.str, value.bytes);
  }
};

/** The blob behind the payload at word `at + field` with tag `tag`: [offset, bytes], bytes 0 if none. */
export const payloadBlob = (v: Views, at: number, field: number, tag: number): [number, number] => {
  if (!hasBlob(tag)) return [0, 0];
  const word = slotWord(at, field);
  const length = v.i32[word + PAYLOAD_LENGTH]!;
  return length > 0 ? [v.i32[word + PAYLOAD_BLOB]!, blobBytes(tag, length)] : [0, 0];
};

export const setTags = (v: Views, at: number, keyTag: number, valueTag: number): void => {
  v.i32[slotWord(at, SLOT_TAGS)] = keyTag | (valueTag << 8);
};

export const setValueTag = (v: Views, at: number, valueTag: number): void => {
  const word = slotWord(at, SLOT_TAGS);
  v.i32[word + PAYLOAD_BLOB] = (v.i32[word + PAYLOAD_BLOB]! & 0xff) | (valueTag << 8);
};

/** Returns the blob behind the payload at `field` of slot `at` to the heap. Under the lock. */
const freePayload = (v: Views, heap: Heap, shard: number, at: number, field: number, tag: number): void => {
  if (!hasBlob(tag)) return;
  const word = slotWord(at, field);
  const length = v.i32[word + PAYLOAD_LENGTH]!;
  if (length > 0) heap.free(shard, v.i32[word + PAYLOAD_BLOB]!, blobBytes(tag, length));
};

/** The value payload of slot `at` as [tag, blob, length], to free after it is replaced. */
export const valuePayloadAt = (v: Views, at: number): [number, number, number] => {
  const word = slotWord(at, SLOT_VALUE);
  return [valueTagAt(v, at), v.i32[word + PAYLOAD_BLOB]!, v.i32[word + PAYLOAD_LENGTH]!];
};

export const freePayloadBlob = (heap: Heap, shard: number, payload: [number, number, number] | undefined): void => {
  if (payload === undefined) return;
  const [tag, blob, length] = payload;
  if (hasBlob(tag) && length > 0) heap.free(shard, blob, blobBytes(tag, length));
};

export const freeValueBlob = (v: Views, heap: Heap, shard: number, at: number): void => {
  freePayload(v, heap, shard, at, SLOT_VALUE, (v.i32[slotWord(at, SLOT_TAGS)]! >>> 8) & 0xff);
};

export const freeKeyBlob = (v: Views, heap: Heap, shard: number, at: number): void => {
  freePayload(v, heap, shard, at, SLOT_KEY, v.i32[slotWord(at, SLOT_TAGS)]! & 0xff);
};

/** Frees a blob writeBlob returned (on a failed insert). */
export const freeBlob = (heap: Heap, shard: number, blob: number, tag: number, str: string, bytes: Uint8Array): void => {
  if (blob > 0) heap.free(shard, blob, blobBytes(tag, payloadLength(tag, str, bytes)));
};
