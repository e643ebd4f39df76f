/**
 * One cell of the memory bench, in a process of its own (started with --expose-gc by
 * run-memory.ts): `Map` and `ShardedMap` filled with the same N entries of one kind, side by side
 * in this process. Prints one JSON line (a MemoryCell) on stdout.
 *
 * Map's cost is the JS heap's growth across a fill (the median of MAP_FILLS fills), after full collections, with its keys
 * (string keys are built per entry, as a service builds them, and stay referenced only by the Map).
 * ShardedMap's is what stats() reports (its entries live in the SharedArrayBuffer, outside the JS
 * heap), and its JS heap growth is reported beside it.
 */
import { ShardedMap, type ShardedMapOptions } from '@shardmap/core';

export const KINDS = {
  'int→number': { keys: 'number', values: 'number' },
  'int32→int32': { keys: 'int32', values: 'int32' },
  '16-char string→number': { keys: 'string', values: 'number' },
} as const;
export type MemoryKind = keyof typeof KINDS;

export interface MemoryCell {
  readonly kind: MemoryKind;
  readonly mode: 'striped' | 'syncmap';
  readonly entries: number;
  /** Map: JS heap bytes per entry, keys included. */
  readonly mapBytes: number;
  /** ShardedMap, per entry: stats().bytesUsed; plus free for reuse (handed out); committed. */
  readonly usedBytes: number;
  readonly handedOutBytes: number;
  readonly committedBytes: number;
  /** ShardedMap's JS heap growth per entry (its instance, not its entries). */
  readonly shardedHeapBytes: number;
  /** bytesUsed right after deleting 99 of every 100 entries ÷ bytesUsed full (syncmap keeps its
   *  snapshot until a write rebuilds dirty and a promotion and reclamation follow). */
  readonly afterDelete: number;
  /** bytesUsed after clear() ÷ bytesUsed full. */
  readonly afterClear: number;
  /** size ÷ capacity sampled every 1/64 of the fill past its first 1/64: mean and lowest. */
  readonly loadMean: number;
  readonly loadMin: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

/**
 * The JS heap in use after full collections, once it stops shrinking: a collection's sweeping may
 * finish after gc() returns, and a reading taken then was up to ~100 KB high (a 2,000-entry Map
 * then measured -50 B an entry).
 */
function heapUsed(): number {
  if (gc === undefined) throw new Error('the memory cell needs node --expose-gc');
  gc();
  let used = process.memoryUsage().heapUsed;
  for (let i = 0; i < 10; i++) {
    gc();
    const now = process.memoryUsage().heapUsed;
    if (now >= used) return now;
    used = now;
  }
  return used;
}

/**
 * Map fills measured per cell; the median is reported. One reading in some tens under a loaded
 * machine was hundreds of KB off (a 2,000-entry Map measured -219 B an entry) with no cause found
 * in the cell (with bytecode flushing off too), so one outlier must not decide the figure.
 */
const MAP_FILLS = 5;

/** One fill of a fresh Map with `entries` keys of `kind`: JS heap bytes per entry, keys included. */
function mapFillBytes(kind: MemoryKind, entries: number): number {
  const before = heapUsed();
  const map = new Map<number | string, number>();
  for (let i = 0; i < entries; i++) map.set(keyOf(kind, i), i);
  const bytes = (heapUsed() - before) / entries;
  if (map.size !== entries) throw new Error('Map lost entries');
  return bytes;
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The i-th key of `kind`: a fresh 16-char string for string keys. */
function keyOf(kind: MemoryKind, i: number): number | string {
  return kind === '16-char string→number' ? `user:${i.toString().padStart(11, '0')}` : i;
}

export function measureCell(kind: MemoryKind, mode: 'striped' | 'syncmap', entries: number): MemoryCell {
  // A first fill of the same shape compiles what the measured one runs (code and feedback are heap too).
  const warm = new Map<number | string, number>();
  for (let i = 0; i < Math.min(entries, 1000); i++) warm.set(keyOf(kind, i), i);
  warm.clear();
  const mapBytes = median(Array.from({ length: MAP_FILLS }, () => mapFillBytes(kind, entries)));

  const base = heapUsed();
  const sharded = ShardedMap.create({ ...KINDS[kind], mode } as ShardedMapOptions) as unknown as ShardedMap<number | string, number>;
  const step = Math.max(1, Math.floor(entries / 64));
  let loadSum = 0;
  let loadSamples = 0;
  let loadMin = 1;
  for (let i = 0; i < entries; i++) {
    sharded.set(keyOf(kind, i), i);
    if (i >= step && i % step === 0) {
      const s = sharded.stats();
      const load = s.size / s.capacity;
      loadSum += load;
      loadSamples++;
      loadMin = Math.min(loadMin, load);
    }
  }
  if (mode === 'syncmap') for (let i = 0; i < entries; i++) sharded.get(keyOf(kind, i)); // promoted: read snapshots
  const full = sharded.stats();
  const shardedHeapBytes = (heapUsed() - base) / entries;
  if (full.size !== entries) throw new Error('ShardedMap lost entries');
  for (let i = 0; i < entries; i++) if (i % 100 !== 0) sharded.delete(keyOf(kind, i));
  const deleted = sharded.stats();
  sharded.clear();
  const cleared = sharded.stats();
  return {
    kind,
    mode,
    entries,
    mapBytes,
    usedBytes: full.bytesUsed / entries,
    handedOutBytes: (full.bytesUsed + full.bytesFree) / entries,
    committedBytes: full.bytesCommitted / entries,
    shardedHeapBytes,
    afterDelete: deleted.bytesUsed / full.bytesUsed,
    afterClear: cleared.bytesUsed / full.bytesUsed,
    loadMean: loadSamples === 0 ? full.loadFactor : loadSum / loadSamples,
    loadMin: loadSamples === 0 ? full.loadFactor : loadMin,
  };
}

// Run as a script (run-memory.ts starts it): measure one cell. Imported, it only lends KINDS.
const [kind, mode, entries] = process.argv.slice(2);
if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop()!) && kind !== undefined && kind in KINDS && (mode === 'striped' || mode === 'syncmap')) {
  process.stdout.write(`${JSON.stringify(measureCell(kind as MemoryKind, mode, Number(entries)))}\n`);
}
