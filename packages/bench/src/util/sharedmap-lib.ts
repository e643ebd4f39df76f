/**
 * Typed access to npm `sharedmap` 1.2.0.
 *
 * Its bundled index.d.ts declares a named `SharedMap` export, but the CommonJS build Node loads
 * exports the class as the module itself (ESM default). We describe the runtime shape here
 * instead of trusting the declaration.
 */
import sharedmapModule from 'sharedmap';

/** Options sharedmap accepts on each call: "I already hold this lock". */
export interface SharedMapLockOptions {
  lockWrite?: boolean;
  lockExclusive?: boolean;
}

export interface NpmSharedMap {
  readonly length: number;
  set(key: string, value: string | number, opt?: SharedMapLockOptions): void;
  get(key: string, opt?: SharedMapLockOptions): string | undefined;
  has(key: string, opt?: SharedMapLockOptions): boolean;
  /** Throws a RangeError when the key is absent; needs the exclusive lock. */
  delete(key: string, opt?: SharedMapLockOptions): void;
  clear(): void;
  keys(opt?: SharedMapLockOptions): Generator<string>;
  lockWrite(): void;
  unlockWrite(): void;
  lockExclusive(): void;
  unlockExclusive(): void;
}

interface NpmSharedMapClass {
  new (maxSize: number, keySize: number, objSize: number): NpmSharedMap;
  readonly prototype: NpmSharedMap;
}

export const NpmSharedMapClass = sharedmapModule as unknown as NpmSharedMapClass;

/**
 * Creates a map for `maxKeys` entries. sharedmap is fixed-size (no growth), so it is sized with
 * 25% headroom: its coalesced chaining stays fast to ~95% full per its README.
 *
 * Key and value sizes (UTF-16 code units) must exceed the longest string by at least one:
 * sharedmap 1.2.0 accepts a string of exactly the slot size but then writes its terminator into
 * the next slot and never matches that key again (found here: overwriting 1000 16-char keys in a
 * keySize-16 map inserted duplicates until "SharedMap is full"). 20 fits our 16-char string keys
 * and every integer below 2^53 (16 digits), rounded up to its 4-unit alignment.
 */
export function createNpmSharedMap(maxKeys: number, keySize = 20, valueSize = 20): NpmSharedMap {
  return new NpmSharedMapClass(Math.ceil(maxKeys * 1.25) + 64, keySize, valueSize);
}

/** A map object that crossed a thread boundary loses its prototype; the README says to restore it. */
export function reviveNpmSharedMap(cloned: unknown): NpmSharedMap {
  Object.setPrototypeOf(cloned, NpmSharedMapClass.prototype);
  return cloned as NpmSharedMap;
}
