// Compile-only: the types of @shardmap/core follow its options (tests/types.test.ts runs tsc on
// this file). Each @ts-expect-error is a call that must NOT compile: if it ever compiles, tsc
// reports the directive as unused and the test fails.
import { ShardedMap, type JsonValue, type ShardedMapHandle } from '@shardmap/core';

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

// add takes numbers; a map of any types is one of unknown types (maps are covariant, so a pool's
// record of maps accepts every map).
counters.add('hits', 1);
anything.add('n', 1);
export const widened: ShardedMap<unknown, unknown> = counters;
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
