/**
 * Type tags: what kind of key or value a slot holds (stored in its SLOT_TAGS word, codecs.ts),
 * shared by keys and values where they mean the same, and the predicates on them.
 */
export const T_UNDEFINED = 1;
export const T_NULL = 2;
export const T_FALSE = 3;
export const T_TRUE = 4;
export const T_NUMBER = 5;
export const T_STRING = 6;
export const T_BIGINT = 7;
export const T_BYTES = 8;
export const T_TUPLE = 9; // keys only
export const T_STRUCT = 10; // values only: CBOR bytes
export const T_JSON = 11; // values only: JSON text as UTF-16
/** A string whose code units are all below 256, stored one byte per unit (as V8 stores such
 *  strings). Writers tag a string so exactly when it can be (narrowTag), so equal strings are
 *  stored alike; lookups tag their strings T_STRING and table.ts's findString takes either form. */
export const T_LATIN1 = 12;
/** The largest tag. */
export const T_LAST = T_LATIN1;

/** Tags that are the whole value: undefined, null, false, true (no payload). */
export const isInlineTag = (tag: number): boolean => tag >= T_UNDEFINED && tag <= T_TRUE;

/** The value an inline tag stands for. */
export const inlineValue = (tag: number): undefined | null | boolean => tag === T_UNDEFINED ? undefined : tag === T_NULL ? null : tag === T_TRUE;

/** Tags whose payload is a blob of UTF-16 code units (T_LATIN1's holds one byte per unit; the others with a blob hold bytes). */
export const isTextTag = (tag: number): boolean => tag === T_STRING || tag === T_BIGINT || tag === T_JSON;

/** The tag a string payload is stored under: T_LATIN1 if every code unit fits a byte. */
export const narrowTag = (tag: number, str: string): number => {
  if (tag !== T_STRING) return tag;
  for (let i = 0; i < str.length; i++) if (str.charCodeAt(i) > 0xff) return T_STRING;
  return T_LATIN1;
};
export const hasBlob = (tag: number): boolean => tag >= T_STRING;


/** A real Uint8Array (a Proxy of one passes instanceof but not the built-ins' brand checks). */
export const isBytes = (x: unknown): x is Uint8Array => ArrayBuffer.isView(x) && x instanceof Uint8Array;
