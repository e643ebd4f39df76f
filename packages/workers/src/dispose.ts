/**
 * `Symbol.asyncDispose`, guarded: the runtime's where it has one (Node 20.4+, current browsers),
 * else the symbol esbuild's compiled `await using` looks up in its place,
 * Symbol.for('Symbol.asyncDispose'), so no runtime gets a method named "undefined".
 */
declare const NO_ASYNC_DISPOSE: unique symbol;

/**
 * The type of `Symbol.asyncDispose` where the program's lib declares it (esnext.disposable,
 * @types/node), else a symbol no code names: a page's project on lib es2022 without @types/node
 * still type-checks the browser entry's declarations; the method just does not show there.
 */
export type AsyncDisposeSymbol = SymbolConstructor extends { readonly asyncDispose: infer S extends symbol } ? S : typeof NO_ASYNC_DISPOSE;

export const ASYNC_DISPOSE: AsyncDisposeSymbol = (Symbol.asyncDispose ?? Symbol.for('Symbol.asyncDispose')) as AsyncDisposeSymbol;
