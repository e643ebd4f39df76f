/**
 * The WebAssembly hot paths (hot.wat), instantiated over a map's memory. One instance per map
 * instance: its `status` global is this thread's alone, so a call's answer is never another's.
 */
import { hotWasm } from './hot.bytes.js';
import { blockKey } from '../hash.js';
import { compileModule, instantiate, type CompiledModule, type SharedMemory } from '../wasm-api.js';

/** getNumber's answers when it returns NaN (hot.wat). */
export const STATUS_ABSENT = 0;
export const STATUS_NAN = 1;
export const STATUS_SLOW = 2;
/** hasNumber's answer when JavaScript must decide (1 present and 0 absent are the others). */
export const HAS_SLOW = 2;

/** setNumber's answers (hot.wat): nothing done; stored and released; the lock taken and kept. */
export const SET_NOT_LOCKED = 0;
export const SET_STORED = 1;
export const SET_LOCKED = 2;

/** cacheGetNumber's answers other than a hit's node (hot.wat). */
export const CACHE_MISS = -1;
export const CACHE_SLOW = -2;

export interface WasmHotPaths {
  /** The value of number key `num` (hash `hash`) if it is a number other than NaN; otherwise NaN, and `status()` says why. */
  getNumber(num: number, hash: number): number;
  status(): number;
  /** 1 if number key `num` is present, 0 if absent (validated), HAS_SLOW otherwise. */
  hasNumber(num: number, hash: number): number;
  /** Takes the shard's lock if it is free (one load, one compareExchange to this instance's locked word), overwrites a number value in place: SET_*. */
  setNumber(num: number, hash: number, value: number): number;
  /** getNumber for a string key of n <= 16 code units packed two a word (unit 2k low, 2k+1 high); hashes it too. */
  getString(n: number, p0: number, p1: number, p2: number, p3: number, p4: number, p5: number, p6: number, p7: number): number;
  /** hasNumber for a string key as getString takes it: 1 present, 0 absent, HAS_SLOW otherwise; hashes it too. */
  hasString(n: number, p0: number, p1: number, p2: number, p3: number, p4: number, p5: number, p6: number, p7: number): number;
  /** setNumber for a string key as getString takes it, `value` last: SET_*; hashes it too. */
  setString(n: number, p0: number, p1: number, p2: number, p3: number, p4: number, p5: number, p6: number, p7: number, value: number): number;
  /** getString's hash of its key (masked), as hashString gives it. */
  lastHash(): number;
  /**
   * getNumber for a cache: the policy node of a validated hit whose value is a number and whose
   * expiry (f64 at byte expiryBase + 8 * node, for node < nodes) is 0 or after `now` (+Infinity:
   * none is), the value then kept for `value()`; CACHE_MISS or CACHE_SLOW.
   */
  cacheGetNumber(num: number, hash: number, now: number, expiryBase: number, nodes: number): number;
  /** cacheGetNumber's value of its last hit. */
  value(): number;
}

let compiled: CompiledModule | undefined;

/** hot.wat compiled, once per thread (or the one a handle brought: adoptHotModule). */
export function hotModule(): CompiledModule {
  compiled ??= compileModule(hotWasm);
  if (compiled === undefined) throw new Error('shardmap: WebAssembly is not available');
  return compiled;
}

/** Uses the module a handle carried (compiled by the thread that created the map) instead of compiling it here. */
export function adoptHotModule(module: CompiledModule | undefined): void {
  if (module !== undefined) compiled ??= module;
}

/** `locked` is this instance's locked word (lock.ts lockedBy(owner)), which setNumber acquires with. */
export function wasmHotPaths(memory: SharedMemory, shardBits: number, seed: number, hashMask: number, locked: number): WasmHotPaths {
  return instantiate(hotModule(), { env: { memory, shardBits, shardMask: (1 << shardBits) - 1, seed, blockKey: blockKey(seed), hashMask, locked } }) as unknown as WasmHotPaths;
}

/** getString of `key` (at most 16 code units): the units cross as eight numbers, two a number. */
export const getShortStringIn = (wasm: WasmHotPaths, key: string): number =>
  // Units past the end read as NaN, which `|` makes 0: what the hash and the compare expect.
  wasm.getString(
    key.length,
    key.charCodeAt(0) | (key.charCodeAt(1) << 16),
    key.charCodeAt(2) | (key.charCodeAt(3) << 16),
    key.charCodeAt(4) | (key.charCodeAt(5) << 16),
    key.charCodeAt(6) | (key.charCodeAt(7) << 16),
    key.charCodeAt(8) | (key.charCodeAt(9) << 16),
    key.charCodeAt(10) | (key.charCodeAt(11) << 16),
    key.charCodeAt(12) | (key.charCodeAt(13) << 16),
    key.charCodeAt(14) | (key.charCodeAt(15) << 16),
  );

/** hasString of `key` (at most 16 code units), crossing as getShortStringIn's does. */
export const hasShortStringIn = (wasm: WasmHotPaths, key: string): number =>
  wasm.hasString(
    key.length,
    key.charCodeAt(0) | (key.charCodeAt(1) << 16),
    key.charCodeAt(2) | (key.charCodeAt(3) << 16),
    key.charCodeAt(4) | (key.charCodeAt(5) << 16),
    key.charCodeAt(6) | (key.charCodeAt(7) << 16),
    key.charCodeAt(8) | (key.charCodeAt(9) << 16),
    key.charCodeAt(10) | (key.charCodeAt(11) << 16),
    key.charCodeAt(12) | (key.charCodeAt(13) << 16),
    key.charCodeAt(14) | (key.charCodeAt(15) << 16),
  );

/** setString of `key` (at most 16 code units) to number `value`, crossing as getShortStringIn's does. */
export const setShortStringIn = (wasm: WasmHotPaths, key: string, value: number): number =>
  wasm.setString(
    key.length,
    key.charCodeAt(0) | (key.charCodeAt(1) << 16),
    key.charCodeAt(2) | (key.charCodeAt(3) << 16),
    key.charCodeAt(4) | (key.charCodeAt(5) << 16),
    key.charCodeAt(6) | (key.charCodeAt(7) << 16),
    key.charCodeAt(8) | (key.charCodeAt(9) << 16),
    key.charCodeAt(10) | (key.charCodeAt(11) << 16),
    key.charCodeAt(12) | (key.charCodeAt(13) << 16),
    key.charCodeAt(14) | (key.charCodeAt(15) << 16),
    value,
  );
