/**
 * Tuple keys (arrays of primitives and Uint8Arrays) as canonical bytes: two tuples are one key
 * exactly when their encodings are equal, so the table compares and hashes them as bytes.
 */
import { corruptError } from './errors.js';
import { T_BIGINT, T_BYTES, T_FALSE, T_NULL, T_NUMBER, T_STRING, T_TRUE, T_TUPLE, T_UNDEFINED, inlineValue, isBytes, isInlineTag } from './tags.js';

// element := tag:u8 payload; number: f64 (-0 as 0, one NaN); string/bigint: u32 length + UTF-16
// units; bytes: u32 length + bytes; tuple: u32 count + elements; undefined/null/booleans: none.

class ByteWriter {
  buf = new Uint8Array(64);
  view = new DataView(this.buf.buffer);
  pos = 0;
  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf);
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
}

export const encodeTuple = (tuple: readonly unknown[]): Uint8Array | null => {
  const w = new ByteWriter();
  return writeTuple(w, tuple, 0) ? w.buf.slice(0, w.pos) : null;
};

/** Longest tuple key: a key is compared whole on every probe that meets its hash. */
export const MAX_TUPLE_LENGTH = 65536;

const writeTuple = (w: ByteWriter, tuple: readonly unknown[], depth: number): boolean => {
  if (depth > 64 || tuple.length > MAX_TUPLE_LENGTH) return false;
  w.reserve(5);
  w.buf[w.pos++] = T_TUPLE;
  w.view.setUint32(w.pos, tuple.length, true);
  w.pos += 4;
  for (let i = 0; i < tuple.length; i++) {
    const e = tuple[i];
    if (Array.isArray(e)) {
      if (!writeTuple(w, e, depth + 1)) return false;
    } else if (!writeElement(w, e)) return false;
  }
  return true;
};

const writeElement = (w: ByteWriter, e: unknown): boolean => {
  w.reserve(9);
  if (typeof e === 'number') {
    w.buf[w.pos++] = T_NUMBER;
    w.view.setFloat64(w.pos, e === 0 ? 0 : e !== e ? NaN : e, true);
    w.pos += 8;
  } else if (typeof e === 'string' || typeof e === 'bigint') {
    const s = typeof e === 'string' ? e : e.toString();
    w.buf[w.pos++] = typeof e === 'string' ? T_STRING : T_BIGINT;
    w.view.setUint32(w.pos, s.length, true);
    w.pos += 4;
    w.reserve(s.length * 2);
    for (let i = 0; i < s.length; i++, w.pos += 2) w.view.setUint16(w.pos, s.charCodeAt(i), true);
  } else if (isBytes(e)) {
    w.buf[w.pos++] = T_BYTES;
    w.view.setUint32(w.pos, e.length, true);
    w.pos += 4;
    w.reserve(e.length);
    w.buf.set(e, w.pos);
    w.pos += e.length;
  } else if (e === undefined || e === null || typeof e === 'boolean') {
    w.buf[w.pos++] = e === undefined ? T_UNDEFINED : e === null ? T_NULL : e ? T_TRUE : T_FALSE;
  } else {
    return false;
  }
  return true;
};

export const decodeTuple = (bytes: Uint8Array): unknown[] => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = { pos: 0 };
  try {
    const tuple = readElement(bytes, view, at);
    if (!Array.isArray(tuple) || at.pos !== bytes.length) throw new Error('trailing or missing bytes');
    return tuple;
  } catch (error) {
    throw corruptError('codecs', `a stored tuple key does not decode: ${error instanceof Error ? error.message : String(error)}`);
  }
};

const readElement = (bytes: Uint8Array, view: DataView, at: { pos: number }): unknown => {
  const tag = bytes[at.pos++];
  switch (tag) {
    case T_NUMBER:
      at.pos += 8;
      return view.getFloat64(at.pos - 8, true);
    case T_STRING:
    case T_BIGINT: {
      const n = view.getUint32(at.pos, true);
      let s = '';
      for (let i = 0, p = at.pos + 4; i < n; i++, p += 2) s += String.fromCharCode(view.getUint16(p, true));
      at.pos += 4 + 2 * n;
      return tag === T_STRING ? s : BigInt(s);
    }
    case T_BYTES: {
      const n = view.getUint32(at.pos, true);
      at.pos += 4 + n;
      return bytes.slice(at.pos - n, at.pos);
    }
    case T_TUPLE: {
      const n = view.getUint32(at.pos, true);
      at.pos += 4;
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(readElement(bytes, view, at));
      return out;
    }
    default:
      if (isInlineTag(tag!)) return inlineValue(tag!);
      throw new Error(`shardmap (codecs): unknown tuple element tag ${String(tag)}`);
  }
};
