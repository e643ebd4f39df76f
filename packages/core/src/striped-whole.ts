/**
 * The striped engine's walks of whole shards and of the whole map (striped.ts, invariant 3):
 * iteration copies one shard at a time (Shards.readShard: under its lock held HELD, or against
 * another holder's HELD word) and calls back with no lock held; snapshot() and clear() hold every
 * lock at once, taken in index order, each held HELD until all are taken (lock.ts invariant 7: no
 * deadlock, and readers read on).
 */
import { SLOT_KEY, SLOT_TAGS, SLOT_VALUE, TABLE_HEADER_BYTES, slotF64, slotOffset, slotWord, tableBytes } from './layout.js';
import { T_NUMBER } from './codecs.js';
import { corruptError } from './errors.js';
import type { Views } from './views.js';
import type { Shards } from './shard.js';
import { clearLocked } from './shard-table.js';
import { RawValue, readKeyLocked } from './slots.js';
import { isFull, onlyNumbers } from './table.js';
import type { EngineConfig } from './buffer.js';

export class StripedWhole {
  readonly #c: EngineConfig;
  readonly #views: Views;
  readonly #shards: Shards;
  /** The value codec accepts every number; number keys are stored as float64, and only int32 ones. */
  readonly #anyNumber: boolean;
  readonly #numberKeys: boolean;
  readonly #int32Keys: boolean;
  readonly #raw = new RawValue();
  /** The engine's read of the value at a slot, decoded (under the lock). */
  readonly #readLocked: (s: number, slot: number) => unknown;

  constructor(config: EngineConfig, shards: Shards, readLocked: (s: number, slot: number) => unknown) {
    this.#c = config;
    this.#views = shards.views;
    this.#shards = shards;
    this.#anyNumber = config.valueCodec === 0 || config.valueCodec === 2;
    this.#numberKeys = config.keyCodec === 0 || config.keyCodec === 2 || config.keyCodec === 3;
    this.#int32Keys = config.keyCodec === 3;
    this.#readLocked = readLocked;
  }

  copyShard(s: number, out: [unknown, unknown][]): void {
    this.rangeShard(s, (key, value) => void out.push([key, value]));
  }

  #copyShardLocked(s: number, out: [unknown, unknown][]): void {
    const shards = this.#shards;
    const views = this.#views;
    const table = shards.tableLocked(s);
    const capacity = shards.capacity(s);
    // Numbers to numbers (counters, int-keyed caches) are read straight from the slot: this copy
    // runs under the shard's lock, and every nanosecond here is one writers wait for.
    const numbersOk = this.#numberKeys && this.#anyNumber;
    const i32 = views.i32;
    const f64 = views.f64;
    for (let slot = 0; slot < capacity; slot++) {
      if (!isFull(views, table, slot)) continue;
      const at = slotOffset(table, capacity, slot);
      if (numbersOk && i32[slotWord(at, SLOT_TAGS)] === (T_NUMBER | (T_NUMBER << 8))) {
        out.push([this.#numberKey(f64[slotF64(at, SLOT_KEY)]!), f64[slotF64(at, SLOT_VALUE)]]);
        continue;
      }
      out.push([readKeyLocked(views, at, this.#raw, this.#c.keyCodec), this.#readLocked(s, slot)]);
    }
  }

  #numberKey(key: number): number {
    if (this.#int32Keys && (key | 0) !== key) throw corruptError('map', `an int32 map holds key ${key}`);
    return key;
  }

  /**
   * A shard of numbers only is copied as raw table bytes under the lock (one memcpy) and decoded
   * outside it, entry by entry as fn asks, so a range that stops early costs the copy, not the
   * decoding; other shards are decoded under the lock.
   */
  rangeShard(s: number, fn: (key: unknown, value: unknown) => boolean | void): boolean {
    const shards = this.#shards;
    let raw: Uint8Array | undefined;
    let capacity = 0;
    const entries: [unknown, unknown][] = [];
    shards.readShard(s, () => {
      raw = undefined;
      entries.length = 0;
      const table = shards.tableLocked(s);
      capacity = shards.capacity(s);
      if (this.#numberKeys && this.#anyNumber && onlyNumbers(this.#views, table, capacity)) {
        raw = this.#views.u8.slice(table, table + tableBytes(capacity));
      } else this.#copyShardLocked(s, entries);
    });
    if (raw === undefined) {
      for (let e = 0; e < entries.length; e++) if (fn(entries[e]![0], entries[e]![1]) === false) return false;
      return true;
    }
    // Offsets below are relative to the private copy of the table (its block started 8-aligned).
    const f64 = new Float64Array(raw.buffer);
    for (let slot = 0; slot < capacity; slot++) {
      if ((raw[TABLE_HEADER_BYTES + slot]! & 0x80) !== 0) continue;
      const at = slotOffset(0, capacity, slot);
      if (fn(this.#numberKey(f64[slotF64(at, SLOT_KEY)]!), f64[slotF64(at, SLOT_VALUE)]) === false) return false;
    }
    return true;
  }

  snapshotAll(out: [unknown, unknown][]): void {
    this.#withAllShards(false, () => {
      for (let s = 0; s < this.#c.shardCount; s++) this.#copyShardLocked(s, out);
    });
  }

  clearAll(): void {
    this.#withAllShards(true, () => {
      for (let s = 0; s < this.#c.shardCount; s++) clearLocked(this.#shards, s);
    });
  }

  /**
   * Runs `fn` holding every shard lock, taken in index order (so two callers cannot deadlock), each
   * held HELD once taken (lock.ts invariant 7): readers read on while this waits for the rest and
   * while a snapshot decodes. `mutates`: touch every lock before `fn` (clear()).
   */
  #withAllShards(mutates: boolean, fn: () => void): void {
    const shards = this.#shards;
    let locked = 0;
    try {
      for (; locked < this.#c.shardCount; locked++) {
        shards.lock(locked);
        shards.hold(locked);
      }
      if (mutates) for (let s = 0; s < locked; s++) shards.touch(s);
      fn();
    } finally {
      while (locked > 0) shards.unlock(--locked);
    }
  }
}
