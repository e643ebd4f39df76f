/**
 * The dispose method's key, shared by ShardedMap (map.ts) and ShardedCache (cache/cache.ts).
 *
 * `Symbol.dispose` where the runtime has it (Node 20.4+, current browsers). Elsewhere the symbol
 * esbuild's compiled `using` looks up in its place, Symbol.for('Symbol.dispose'): a `using` still
 * finds the method, and no runtime gets a method named "undefined". Typed as DisposeSymbol so the
 * declarations need no lib that declares Symbol.dispose (types.ts).
 */
import type { DisposeSymbol } from './types.js';

export const DISPOSE: DisposeSymbol = (Symbol.dispose ?? Symbol.for('Symbol.dispose')) as DisposeSymbol;
