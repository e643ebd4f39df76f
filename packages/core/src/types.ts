/**
 * The static types that follow the options: `create({ keys: 'string', values: 'number' })` is a
 * `ShardedMap<string, number>`, explicit type arguments must agree with the codecs, a handle
 * carries its map's types to `attach`, and the 'json' codec says what comes back (JSON data: a
 * `Date` returns as its ISO string). Types only: nothing here exists at run time.
 */

export type KeyCodecName = 'any' | 'string' | 'number' | 'int32' | 'bigint' | 'bytes';
export type ValueCodecName = 'any' | 'string' | 'number' | 'int32' | 'bigint' | 'bytes' | 'json';

/** A value as the 'json' codec gives it back. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The key type a key codec holds (unknown for 'any', the default: keys of every kind). */
export type KeyOfCodec<C> = [C] extends [undefined] ? unknown : C extends 'string' ? string : C extends 'number' | 'int32' ? number : C extends 'bigint' ? bigint : C extends 'bytes' ? Uint8Array : unknown;

/** The value type a value codec gives back (unknown for 'any', the default). */
export type ValueOfCodec<C> = [C] extends [undefined] ? unknown : C extends 'string' ? string : C extends 'number' | 'int32' ? number : C extends 'bigint' ? bigint : C extends 'bytes' ? Uint8Array : C extends 'json' ? JsonValue : unknown;

/** The key codecs that can hold every K (explicit type arguments are checked against them). */
export type KeyCodecsFor<K> = unknown extends K
  ? KeyCodecName
  : [K] extends [string]
    ? 'any' | 'string'
    : [K] extends [number]
      ? 'any' | 'number' | 'int32'
      : [K] extends [bigint]
        ? 'any' | 'bigint'
        : [K] extends [Uint8Array]
          ? 'any' | 'bytes'
          : 'any';

/** The value codecs that can hold every V. */
export type ValueCodecsFor<V> = unknown extends V
  ? ValueCodecName
  : [V] extends [string]
    ? 'any' | 'string' | 'json'
    : [V] extends [number]
      ? 'any' | 'number' | 'int32' | 'json'
      : [V] extends [bigint]
        ? 'any' | 'bigint'
        : [V] extends [Uint8Array]
          ? 'any' | 'bytes'
          : [V] extends [JsonValue]
            ? 'any' | 'json'
            : 'any';

/**
 * The value type `add` requires of its map (its `this`): V itself where values can be numeric
 * (number and int32, bigint, and unknown for 'any', where add checks the stored value), never
 * otherwise, so `add` on a map of strings, bytes or JSON does not compile. It is a `this`
 * parameter, not a conditional parameter type, so that ShardedMap stays covariant in V: a
 * ShardedMap<string, 1> is still a ShardedMap<string, number>, and every map a ShardedMap<unknown, unknown>.
 */
export type AddableValue<V> = unknown extends V ? V : V extends number | bigint ? V : never;

declare const NO_DISPOSE: unique symbol;
/**
 * The type of `Symbol.dispose` where the program's lib declares it (esnext.disposable, @types/node),
 * else a symbol no code names: the map's dispose method then just does not show, and a project on
 * lib es2022 without @types/node still type-checks these declarations.
 */
export type DisposeSymbol = SymbolConstructor extends { readonly dispose: infer S extends symbol } ? S : typeof NO_DISPOSE;
