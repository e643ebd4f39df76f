// Compile-only: the types of @shardmap/core follow its options (tests/types.test.ts runs tsc on
// this file). Each @ts-expect-error is a call that must NOT compile: if it ever compiles, tsc
// reports the directive as unused and the test fails.
import { ShardedCache, ShardedMap, type JsonValue, type ShardedMapHandle } from '@shardmap/core';
import type { MapRecord } from '@shardmap/workers';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const same = <A, B>(ok: Equal<A, B>): Equal<A, B> => ok;

// Types from the options.
const counters = ShardedMap.create({ keys: 'string', values: 'number' });
same<typeof counters, ShardedMap<string, number>>(true);
same<ReturnType<typeof counters.get>, number | undefined>(true);
same<typeof ShardedMap.create extends unknown ? ReturnType<typeof ShardedMap.create<{ keys: 'int32' }>> : never, ShardedMap<number, unknown>>(true);
const anything = ShardedMap.create();
same<typeof anything, ShardedMap<unknown, unknown>>(true);
const docs = ShardedMap.create({ values: 'json' });
same<ReturnType<typeof docs.get>, JsonValue | undefined>(true); // a Date comes back as its string
const blobs = ShardedMap.create({ keys: 'bytes', values: 'bytes', mode: 'syncmap' });
same<typeof blobs, ShardedMap<Uint8Array, Uint8Array>>(true);

// Explicit type arguments must agree with the codecs.
ShardedMap.create<string, number>({ keys: 'string', values: 'number' });
ShardedMap.create<string, number>();
// @ts-expect-error number keys cannot be held by the 'string' codec's map of string keys
ShardedMap.create<string, string>({ keys: 'number' });
// @ts-expect-error a 'bigint' value codec cannot hold strings
ShardedMap.create<string, string>({ values: 'bigint' });

// Handles carry the types through attach.
const handle: ShardedMapHandle<string, number> = counters.handle;
const attached = ShardedMap.attach(handle);
same<typeof attached, ShardedMap<string, number>>(true);
const explicit = ShardedMap.attach<number, number>(anything.handle); // an untyped handle, typed by the caller
same<typeof explicit, ShardedMap<number, number>>(true);

// add exists where values can be numeric ('number', 'int32', 'bigint', 'any', an explicit number
// type) and nowhere else.
counters.add('hits', 1);
anything.add('n', 1);
ShardedMap.create({ values: 'int32' }).add('k', 1);
ShardedMap.create({ values: 'bigint' }).add('k', 1);
ShardedMap.create<string, number>().add('k', 1);
export const addOnNumbers = <K>(map: ShardedMap<K, number>, key: K): number => map.add(key, 1);
// @ts-expect-error add on a map of string values
ShardedMap.create({ values: 'string' }).add('k', 1);
// @ts-expect-error add on a map of bytes
ShardedMap.create({ values: 'bytes' }).add('k', 1);
// @ts-expect-error add on a map of JSON values (the 'json' codec is not numeric)
ShardedMap.create({ values: 'json' }).add('k', 1);
// @ts-expect-error add on explicit string values
ShardedMap.create<string, string>().add('k', 1);
// @ts-expect-error add where the values' type is generic: nothing says it is numeric
export const addOnAnything = <K, V>(map: ShardedMap<K, V>, key: K): number => map.add(key, 1);

// Maps stay covariant (add is typed by a `this` parameter, not a conditional parameter type): a
// map of narrower types is one of wider types, so a pool's record of maps accepts every map.
export const widened: ShardedMap<unknown, unknown> = counters;
export const widenedStrings: ShardedMap<unknown, unknown> = ShardedMap.create({ values: 'string' });
declare const ones: ShardedMap<string, 1>;
export const literalToNumber: ShardedMap<string, number> = ones;
export const genericWidened = <K, V>(map: ShardedMap<K, V>): ShardedMap<unknown, unknown> => map;
export const record: MapRecord = { counters, names: ShardedMap.create({ keys: 'string', values: 'string' }), ones, pages: ShardedCache.create<string, number>({ maxEntries: 10, keys: 'string', values: 'number' }) };
// @ts-expect-error but not contravariant: a map of numbers is not a map of 1s
export const numberToLiteral: ShardedMap<string, 1> = counters;
// @ts-expect-error a key of the wrong type
counters.get(1);

// range takes one argument (no internal parameter shows).
counters.range((key, value) => {
  same<typeof key, string>(true);
  same<typeof value, number>(true);
});
// @ts-expect-error range has no second parameter
counters.range(() => true, 'forEach');
counters.forEach(function (this: { n: number }, value) {
  this.n += value;
}, { n: 0 });
