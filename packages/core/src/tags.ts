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

/** Tags that are the whole value: undefined, null, false, true (no payload). */
export const isInlineTag = (tag: number): boolean => tag >= T_UNDEFINED && tag <= T_TRUE;

/** The value an inline tag stands for. */
export const inlineValue = (tag: number): undefined | null | boolean => tag === T_UNDEFINED ? undefined : tag === T_NULL ? null : tag === T_TRUE;

/** Tags whose payload is a blob of UTF-16 code units (the others with a blob hold bytes). */
export const isTextTag = (tag: number): boolean => tag === T_STRING || tag === T_BIGINT || tag === T_JSON;
export const hasBlob = (tag: number): boolean => tag >= T_STRING;


/** A real Uint8Array (a Proxy of one passes instanceof but not the built-ins' brand checks). */
export const isBytes = (x: unknown): x is Uint8Array => ArrayBuffer.isView(x) && x instanceof Uint8Array;
