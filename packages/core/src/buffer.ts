/**
 * Creating and validating shardmap buffers: option parsing, the header, the checksum that lets
 * `attach` tell a live shardmap buffer from anything else.
 *
 * The buffer is a shared WebAssembly.Memory: its `buffer` is a SharedArrayBuffer of the memory's
 * current length, and `grow()` lengthens the memory for every thread (each re-reads
 * `memory.buffer` to index the new bytes: views.ts). It grows in 64 KiB pages, so
 * `maxBytes` is rounded down to a page.
 */
import {
  DEFAULT_MAX_BYTES,
  GROW_STEP_BYTES,
  HEADER_BYTES,
  HEADER_IMMUTABLE_WORDS,
  H_CHECKSUM,
  H_HASH_MASK,
  H_HIGH_WATER,
  H_KEY_CODEC,
  H_LAYOUT_VERSION,
  H_MAGIC,
  H_MAX_BYTES,
  H_MODE,
  H_SYNC_EPOCH,
  H_PUBLISHED_LENGTH,
  H_SEED,
  H_SHARD_COUNT,
  H_VALUE_CODEC,
  LAYOUT_VERSION,
  MAGIC,
  MAX_BYTES_LIMIT,
  arenaStart,
  tableBytes,
} from './layout.js';
import { KEY_CODECS, VALUE_CODECS } from './codecs.js';
import { badBufferError, noSharedMemoryError, optionError } from './errors.js';
import type { KeyCodecName, ValueCodecName } from './types.js';
import { finalize, hashInt32, randomSeed } from './hash.js';
import { isCompiledModule, isMemory, newSharedMemory, type CompiledModule, type SharedMemory } from './wasm-api.js';
import { bufferHolding } from './views.js';

export const MODES = ['striped', 'syncmap'] as const;
export type ModeName = (typeof MODES)[number];

export interface ShardedMapOptions {
  keys?: KeyCodecName;
  values?: ValueCodecName;
  /** A power of two; default next_pow2(4 × parallelism) (DashMap's rule), 4..64. */
  shards?: number;
  /** Expected number of entries: pre-sizes the tables; the map always grows. */
  capacity?: number;
  /** Ceiling for the shared memory (address space is reserved, pages committed as used). */
  maxBytes?: number;
  mode?: 'striped' | 'syncmap';
  seed?: number;
}

/** The plain, structured-cloneable object that carries a map to other threads. */
export interface ShardedMapHandle<K = unknown, V = unknown> {
  readonly kind: 'shardmap';
  /** The map's shared memory; `memory.buffer` is a SharedArrayBuffer of its current length. */
  readonly memory: SharedMemory;
  /** The compiled WebAssembly.Module of the hot paths, so an attaching thread need not compile it. */
  readonly module: CompiledModule;
  /** Types only (never present at run time): the key and value types `attach` gives back. */
  readonly __types?: () => [K, V];
}

/** Everything a map instance needs from the header, read once at create/attach. */
export interface BufferConfig {
  memory: SharedMemory;
  /** The hot paths' module a handle brought, if any (wasm/hot.ts). */
  module?: CompiledModule;
  shardCount: number;
  keyCodec: number;
  valueCodec: number;
  mode: number;
  seed: number;
  hashMask: number;
  maxBytes: number;
}

/** What an engine needs of the configuration (striped.ts, syncmap/). */
export type EngineConfig = Readonly<Pick<BufferConfig, 'shardCount' | 'keyCodec' | 'valueCodec' | 'seed' | 'hashMask' | 'maxBytes'>>;

/** Every option create() reads: anything else is a typo, refused by name (ERR_SHARDMAP_OPTION). */
const OPTION_NAMES: ReadonlySet<string> = new Set(['keys', 'values', 'shards', 'capacity', 'maxBytes', 'mode', 'seed']);

function defaultShards(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  const parallelism = nav?.hardwareConcurrency ?? 4;
  let shards = 4;
  while (shards < 4 * parallelism && shards < 64) shards *= 2;
  return shards;
}

function pick<T extends string>(option: string, value: unknown, allowed: readonly T[], fallback: T): number {
  if (value === undefined) return allowed.indexOf(fallback);
  const index = allowed.indexOf(value as T);
  if (index < 0) throw optionError(option, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, not ${String(value)}`);
  return index;
}

function checksum(i32: Int32Array): number {
  let h = 0x2f6b;
  for (let w = 0; w < HEADER_IMMUTABLE_WORDS; w++) h = hashInt32(i32[w]! ^ h, w);
  return finalize(h);
}

export function parseOptions(options: ShardedMapOptions | undefined, hashMask: number): BufferConfig & { capacity: number } {
  try {
    return parseOptionsUnguarded(options, hashMask);
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === 'ERR_SHARDMAP_OPTION') throw error;
    throw optionError('options', `cannot be read (${error instanceof Error ? error.message : String(error)})`);
  }
}

function parseOptionsUnguarded(options: ShardedMapOptions | undefined, hashMask: number): BufferConfig & { capacity: number } {
  const o = options ?? {};
  if (typeof o !== 'object') throw optionError('options', 'must be an object');
  for (const name of Object.keys(o)) if (!OPTION_NAMES.has(name)) throw optionError(name, `is not an option of ShardedMap.create (options: ${[...OPTION_NAMES].join(', ')})`);
  const shardCount = o.shards ?? defaultShards();
  if (!Number.isInteger(shardCount) || shardCount < 1 || shardCount > 4096 || (shardCount & (shardCount - 1)) !== 0) {
    throw optionError('shards', `must be a power of two from 1 to 4096, not ${String(o.shards)}`);
  }
  const capacity = o.capacity ?? 0;
  if (!Number.isInteger(capacity) || capacity < 0) throw optionError('capacity', `must be a non-negative integer, not ${String(capacity)}`);
  const maxBytes = o.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!Number.isInteger(maxBytes) || maxBytes < GROW_STEP_BYTES || maxBytes > MAX_BYTES_LIMIT) {
    throw optionError('maxBytes', `must be an integer from ${GROW_STEP_BYTES} to ${MAX_BYTES_LIMIT}, not ${String(maxBytes)}`);
  }
  const seed = o.seed ?? randomSeed();
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw optionError('seed', 'must be a finite number');
  return {
    memory: undefined as unknown as SharedMemory,
    shardCount,
    capacity,
    keyCodec: pick('keys', o.keys, KEY_CODECS, 'any'),
    valueCodec: pick('values', o.values, VALUE_CODECS, 'any'),
    mode: pick('mode', o.mode, MODES, 'striped'),
    seed: seed | 0,
    hashMask: hashMask | 0,
    maxBytes: maxBytes - (maxBytes % GROW_STEP_BYTES),
  };
}

/** A new shared memory with its header written; tables are added by the caller. */
export function allocateBuffer(config: BufferConfig, firstTableCapacity: number): SharedMemory {
  if (typeof SharedArrayBuffer !== 'function') throw noSharedMemoryError();
  const needed = arenaStart(config.shardCount) + config.shardCount * 2 * tableBytes(firstTableCapacity) + GROW_STEP_BYTES;
  if (arenaStart(config.shardCount) + config.shardCount * 2 * tableBytes(8) > config.maxBytes) {
    throw optionError('maxBytes', `${config.maxBytes} cannot hold ${config.shardCount} shards`);
  }
  const initial = Math.min(config.maxBytes, Math.ceil(needed / GROW_STEP_BYTES) * GROW_STEP_BYTES);
  const memory = newSharedMemory(initial / GROW_STEP_BYTES, config.maxBytes / GROW_STEP_BYTES);
  if (memory === undefined) throw noSharedMemoryError();
  const i32 = new Int32Array(memory.buffer, 0, HEADER_BYTES >> 2);
  i32[H_MAGIC] = MAGIC;
  i32[H_LAYOUT_VERSION] = LAYOUT_VERSION;
  i32[H_SHARD_COUNT] = config.shardCount;
  i32[H_KEY_CODEC] = config.keyCodec;
  i32[H_VALUE_CODEC] = config.valueCodec;
  i32[H_MODE] = config.mode;
  i32[H_SEED] = config.seed;
  i32[H_HASH_MASK] = config.hashMask;
  i32[H_MAX_BYTES] = config.maxBytes;
  i32[H_CHECKSUM] = checksum(i32);
  i32[H_HIGH_WATER] = arenaStart(config.shardCount);
  i32[H_PUBLISHED_LENGTH] = initial;
  i32[H_SYNC_EPOCH] = 1; // 0 in an owner's epoch word means "not pinned" (syncmap/epoch.ts)
  return memory;
}

/** Reads and validates the header of a buffer handed to attach(). Anything odd is BAD_BUFFER. */
export function readBuffer(handle: unknown): BufferConfig {
  try {
    return readBufferUnguarded(handle);
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === 'ERR_SHARDMAP_BAD_BUFFER') throw error;
    throw badBufferError(`the handle cannot be read (${error instanceof Error ? error.message : String(error)})`);
  }
}

function readBufferUnguarded(handle: unknown): BufferConfig {
  if (handle === null || typeof handle !== 'object') {
    throw badBufferError(`expected a handle object, got ${handle === null ? 'null' : typeof handle}`);
  }
  if (handle instanceof SharedArrayBuffer) throw badBufferError('got a SharedArrayBuffer where a handle was expected: pass map.handle');
  const memory = (handle as { memory?: unknown }).memory;
  if (!isMemory(memory)) {
    const inner = (handle as { handle?: { kind?: unknown } }).handle;
    if (inner !== null && typeof inner === 'object' && inner.kind === 'shardmap') throw badBufferError('got a ShardedMap where its handle was expected: pass map.handle');
    throw badBufferError('the handle holds no shared WebAssembly.Memory (a copy, or a handle of another version?)');
  }
  const buffer: unknown = memory.buffer;
  if (!(buffer instanceof SharedArrayBuffer)) throw badBufferError('the memory is not shared: not one created by ShardedMap.create');
  if (buffer.byteLength < HEADER_BYTES) throw badBufferError(`the buffer has only ${buffer.byteLength} bytes`);
  const i32 = new Int32Array(buffer, 0, HEADER_BYTES >> 2);
  if (i32[H_MAGIC] !== MAGIC) throw badBufferError('no shardmap header (magic mismatch)');
  if (i32[H_LAYOUT_VERSION] !== LAYOUT_VERSION) throw badBufferError(`layout version ${i32[H_LAYOUT_VERSION]}, this build reads ${LAYOUT_VERSION}`);
  if (i32[H_CHECKSUM] !== checksum(i32)) throw badBufferError('the header was overwritten (checksum mismatch)');
  const shardCount = i32[H_SHARD_COUNT]!;
  const maxBytes = i32[H_MAX_BYTES]!;
  if (shardCount < 1 || (shardCount & (shardCount - 1)) !== 0 || i32[H_KEY_CODEC]! >= KEY_CODECS.length || i32[H_VALUE_CODEC]! >= VALUE_CODECS.length) {
    throw badBufferError('the header describes an impossible map');
  }
  // High water first: a grower publishes the length before it raises the high water (memory.ts,
  // invariant 2), so a mark read before the length can never be above it, even while another
  // thread grows the buffer between the two loads. Read the other way round, it can.
  const highWater = Atomics.load(i32, H_HIGH_WATER);
  const published = Atomics.load(i32, H_PUBLISHED_LENGTH);
  // The memory's length read after both loads: a grower grows before it publishes (and its
  // growth may reach this thread a moment after the length: views.ts, bufferHolding).
  const committed = (bufferHolding(memory, published) ?? memory.buffer).byteLength;
  if (published > committed || highWater > published || highWater < arenaStart(shardCount)) {
    throw badBufferError(`lengths are impossible (published ${published}, used ${highWater}, buffer ${committed}): a truncated copy?`);
  }
  const module = (handle as { module?: unknown }).module;
  return {
    memory,
    module: isCompiledModule(module) ? module : undefined,
    shardCount,
    keyCodec: i32[H_KEY_CODEC]!,
    valueCodec: i32[H_VALUE_CODEC]!,
    mode: i32[H_MODE]!,
    seed: i32[H_SEED]!,
    hashMask: i32[H_HASH_MASK]!,
    maxBytes,
  };
}
