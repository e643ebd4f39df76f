/**
 * The part of the WebAssembly JavaScript API shardmap uses, declared here because the package
 * compiles (and its types are read) without the DOM's or Node's declarations.
 */

/** A shared WebAssembly.Memory: `buffer` is a SharedArrayBuffer of its current length. */
export interface SharedMemory {
  readonly buffer: ArrayBufferLike;
  /** Adds `deltaPages` pages of 64 KiB for every thread; throws when the maximum or the platform refuses. */
  grow(deltaPages: number): number;
}

interface MemoryConstructor {
  new (descriptor: { initial: number; maximum: number; shared: true }): SharedMemory;
  readonly prototype: SharedMemory;
}

/** A compiled module: structured-cloneable, instantiated once per map instance. */
export interface CompiledModule {
  readonly __compiledModule?: never;
}

interface WebAssemblyApi {
  readonly Memory: MemoryConstructor;
  readonly Module: new (bytes: Uint8Array) => CompiledModule;
  readonly Instance: new (module: CompiledModule, imports: Record<string, Record<string, unknown>>) => { readonly exports: Record<string, unknown> };
}

const api = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;

/** A new shared memory of `initialPages`, growable to `maximumPages`; undefined where WebAssembly is missing. */
export function newSharedMemory(initialPages: number, maximumPages: number): SharedMemory | undefined {
  return api === undefined ? undefined : new api.Memory({ initial: initialPages, maximum: maximumPages, shared: true });
}

export const isMemory = (value: unknown): value is SharedMemory => api !== undefined && value instanceof api.Memory;

export const isCompiledModule = (value: unknown): value is CompiledModule => api !== undefined && value instanceof api.Module;

/** `bytes` compiled (synchronously: the modules are small, under browsers' 4 KB limit for the main thread). */
export function compileModule(bytes: Uint8Array): CompiledModule | undefined {
  return api === undefined ? undefined : new api.Module(bytes);
}

/** The exports of a new instance of `module` given `imports`. */
export function instantiate(module: CompiledModule, imports: Record<string, Record<string, unknown>>): Record<string, unknown> {
  return new api!.Instance(module, imports).exports;
}
