/**
 * fast-check generators for keys and values of every codec, biased towards the shapes that break
 * hash maps: NaN, -0 against 0, '0' against 0 against 0n, '', lone and paired surrogates, long
 * non-ASCII strings, byte arrays, nested tuples, and a dense integer range (`keyFromInt`) so that
 * random commands hit keys that bulk commands inserted.
 */
import fc from 'fast-check';
import type { KeyCodec, ValueCodec } from './model.js';

const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

const LONG = 'Zürich 日本語 😀𝄞 ' .repeat(20);

const shortString = fc.oneof(
  fc.constantFrom('', '0', '1', 'a', 'é', '\u0000', '😀', '\uD83D\uDE00x', '\uD800', '\uDC00', '\uDBFF\uDFFF', 'NaN'),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: fc.constantFrom('a', '\uD800', '\uDC00', 'é', '\u{10FFFF}'), maxLength: 6 }),
);
const longString = fc.oneof(
  fc.constant(LONG),
  fc.constant(LONG + '\uD800'),
  fc.string({ unit: 'binary', minLength: 60, maxLength: 300 }),
);
const anyString = fc.oneof({ weight: 6, arbitrary: shortString }, { weight: 1, arbitrary: longString });

const doubles = fc.oneof(
  fc.constantFrom(0, -0, NaN, 1, -1, 0.1, 2 ** 31, -(2 ** 31), 2 ** 32, 2 ** 53, -(2 ** 53), Infinity, -Infinity, Number.MIN_VALUE, Number.MAX_VALUE),
  fc.integer({ min: -50, max: 50 }),
  fc.double(),
);
const int32s = fc.oneof(fc.constantFrom(0, 1, -1, I32_MIN, I32_MAX, 65536), fc.integer({ min: -50, max: 50 }), fc.integer({ min: I32_MIN, max: I32_MAX }));
const int64s = fc.oneof(fc.constantFrom(0n, 1n, -1n, I64_MIN, I64_MAX, 2n ** 32n), fc.bigInt({ min: -50n, max: 50n }), fc.bigInt({ min: I64_MIN, max: I64_MAX }));
const bigBigints = fc.oneof(int64s, fc.constantFrom(2n ** 64n, -(2n ** 63n) - 1n, 2n ** 100n), fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }));
const bytes = fc.oneof(
  fc.constantFrom(new Uint8Array(0), new Uint8Array([0]), new Uint8Array([0, 0]), new Uint8Array([1])),
  fc.uint8Array({ maxLength: 12 }),
  fc.uint8Array({ minLength: 40, maxLength: 200 }),
);

/** Dense keys used by bulk commands; random commands draw from the same space. */
export function keyFromInt(codec: KeyCodec, i: number): unknown {
  switch (codec) {
    case 'string':
      return `key-${i}-ключ`;
    case 'number':
      return i * 1.5;
    case 'int32':
      return i - 100;
    case 'bigint':
      return BigInt(i) * 3n - 7n;
    case 'bytes':
      return new Uint8Array([i & 0xff, (i >> 8) & 0xff, 7]);
    case 'any':
      switch (i % 4) {
        case 0: return i;
        case 1: return `${i}`;
        case 2: return BigInt(i);
        default: return [i, `${i}`];
      }
  }
}

export function valueFromInt(codec: ValueCodec, i: number): unknown {
  switch (codec) {
    case 'string': return `value ${i} ${'x'.repeat(i % 40)}`;
    case 'number': return i / 3;
    case 'int32': return i * 7 - 3;
    case 'bigint': return BigInt(i) << 20n;
    case 'bytes': return new Uint8Array(i % 50).fill(i & 0xff);
    case 'json': return { i, s: `v${i}`, list: [i, null, true] };
    case 'any': return i % 3 === 0 ? i : i % 3 === 1 ? { i, when: new Date(i * 1000), raw: new Uint8Array([i & 0xff]) } : `v${i}`;
  }
}

const denseKey = (codec: KeyCodec) => fc.integer({ min: 0, max: 400 }).map((i) => keyFromInt(codec, i));

const anyLeafKey = fc.oneof(
  fc.constantFrom<unknown>(0, -0, NaN, '0', 0n, '', 1, '1', 1n, true, false, null, undefined),
  doubles,
  anyString,
  bigBigints,
  bytes,
);
const anyKey: fc.Arbitrary<unknown> = fc.letrec<{ key: unknown }>((tie) => ({
  key: fc.oneof({ depthSize: 'small', withCrossShrink: true }, anyLeafKey, fc.array(tie('key'), { maxLength: 3 })),
})).key;

export function keyArb(codec: KeyCodec): fc.Arbitrary<unknown> {
  const specific: Record<KeyCodec, fc.Arbitrary<unknown>> = {
    any: fc.oneof(anyKey, fc.constantFrom<unknown>([1], [[1]], ['1'], [1n], [new Uint8Array([1])], [], [[]], [NaN, -0])),
    string: anyString,
    number: doubles,
    int32: int32s,
    bigint: int64s,
    bytes,
  };
  return fc.oneof({ weight: 3, arbitrary: specific[codec] }, { weight: 2, arbitrary: denseKey(codec) });
}

// Dates beyond ±1e15 ms (year ~33,000) have their own test in values.test.ts.
const dates = fc.date({ noInvalidDate: true, min: new Date(-1e15), max: new Date(1e15) });
const objKey = fc.constantFrom('a', 'b', 'long property name', 'é', '0', '10');
const anyLeafValue = fc.oneof(
  fc.constantFrom<unknown>(undefined, null, true, false, 0, -0, NaN, '', 'x'),
  doubles,
  anyString,
  bigBigints,
  bytes,
  dates,
);
// Strings nested inside objects and arrays are well-formed here: nested lone surrogates have
// their own test (values.test.ts), so that one codec defect does not mask everything else.
const nestedLeafValue = fc.oneof(
  fc.constantFrom<unknown>(undefined, null, true, false, 0, -0, NaN, '', 'x'),
  doubles,
  anyString.map((s) => s.toWellFormed()),
  bigBigints,
  bytes,
  dates,
);
const anyContainer: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    nestedLeafValue,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(objKey, tie('v'), { maxKeys: 4, noNullPrototype: true }),
  ),
})).v;
const anyValue = fc.oneof(anyLeafValue, anyContainer);
const jsonValue: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.constantFrom<unknown>(null, true, false, 0, '', 'x'), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), anyString.filter((s) => s === s.toWellFormed())),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(objKey, tie('v'), { maxKeys: 4, noNullPrototype: true }),
  ),
})).v;

export function valueArb(codec: ValueCodec): fc.Arbitrary<unknown> {
  switch (codec) {
    case 'any': return anyValue;
    case 'string': return anyString;
    case 'number': return doubles;
    case 'int32': return int32s;
    case 'bigint': return int64s;
    case 'bytes': return bytes;
    case 'json': return jsonValue;
  }
}

/** Small deltas for add that keep every codec in range (int32 values never overflow). */
export function deltaArb(codec: ValueCodec): fc.Arbitrary<number> {
  return codec === 'number' || codec === 'any'
    ? fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.constantFrom(0.5, -0, 2 ** 40))
    : fc.integer({ min: -1000, max: 1000 });
}

/** A large value of `size`-ish bytes for codecs that can hold one (string, bytes, any, json). */
export function bigValue(codec: ValueCodec, size: number): unknown {
  switch (codec) {
    case 'string': return `${size}`.padEnd(size, 'ç');
    case 'bytes': return new Uint8Array(size).fill(size & 0xff);
    case 'json': return { size, s: ''.padEnd(size, 'j') };
    default: return { size, blob: new Uint8Array(size >> 1).fill(7), s: ''.padEnd(size >> 1, 'a') };
  }
}
