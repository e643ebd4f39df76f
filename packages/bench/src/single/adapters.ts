/**
 * Single-thread subjects: the same six operations on Map, ShardedMap and npm sharedmap.
 *
 * Map has no loadOrStore or add: they are written the way a user would (get, then set), which is
 * exactly what ShardedMap's versions must compete with on one thread. sharedmap has neither;
 * its versions take its write lock around get-then-set, as in the multi-thread target.
 */
import { ShardedMap, type ShardedMapOptions } from '@shardmap/core';
import type { NpmSharedMap } from '../util/sharedmap-lib.js';
import { createNpmSharedMap } from '../util/sharedmap-lib.js';

export type Key = number | string;
export type Value = number | SmallObject;

/** The "small object" value: a few fields of mixed types, as a cache entry might hold. */
export interface SmallObject {
  readonly id: number;
  readonly name: string;
  readonly score: number;
  readonly active: boolean;
}

export interface SingleSubject {
  get(key: Key): unknown;
  set(key: Key, value: Value): void;
  has(key: Key): boolean;
  delete(key: Key): boolean;
  loadOrStore(key: Key, value: Value): unknown;
  add(key: Key, delta: number): number;
}

export class MapSubject implements SingleSubject {
  private readonly map = new Map<Key, Value>();
  get(key: Key): unknown {
    return this.map.get(key);
  }
  set(key: Key, value: Value): void {
    this.map.set(key, value);
  }
  has(key: Key): boolean {
    return this.map.has(key);
  }
  delete(key: Key): boolean {
    return this.map.delete(key);
  }
  loadOrStore(key: Key, value: Value): unknown {
    const current = this.map.get(key);
    if (current !== undefined) return current; // values are never undefined here
    this.map.set(key, value);
    return value;
  }
  add(key: Key, delta: number): number {
    const next = ((this.map.get(key) as number | undefined) ?? 0) + delta;
    this.map.set(key, next);
    return next;
  }
}

export class ShardedSubject implements SingleSubject {
  private readonly map: ShardedMap<Key, Value>;
  constructor(options: ShardedMapOptions) {
    this.map = ShardedMap.create(options) as ShardedMap<Key, Value>; // codecs chosen at run time
  }
  get(key: Key): unknown {
    return this.map.get(key);
  }
  set(key: Key, value: Value): void {
    this.map.set(key, value);
  }
  has(key: Key): boolean {
    return this.map.has(key);
  }
  delete(key: Key): boolean {
    return this.map.delete(key);
  }
  loadOrStore(key: Key, value: Value): unknown {
    return this.map.loadOrStore(key, value).value;
  }
  add(key: Key, delta: number): number {
    return (this.map as ShardedMap<Key, number>).add(key, delta); // the suite runs add on number values only
  }
}

const WRITE_HELD = { lockWrite: true } as const;
const EXCLUSIVE_HELD = { lockExclusive: true } as const;

/** String keys only; numbers are stored as their decimal strings (its API converts them). */
export class SharedMapSubject implements SingleSubject {
  private readonly map: NpmSharedMap;
  constructor(maxKeys: number) {
    this.map = createNpmSharedMap(maxKeys);
  }
  get(key: Key): unknown {
    return this.map.get(key as string);
  }
  set(key: Key, value: Value): void {
    this.map.set(key as string, value as number);
  }
  has(key: Key): boolean {
    return this.map.has(key as string);
  }
  delete(key: Key): boolean {
    // Its delete throws on a missing key and needs the exclusive lock anyway.
    this.map.lockExclusive();
    try {
      if (this.map.get(key as string, EXCLUSIVE_HELD) === undefined) return false;
      this.map.delete(key as string, EXCLUSIVE_HELD);
      return true;
    } finally {
      this.map.unlockExclusive();
    }
  }
  loadOrStore(key: Key, value: Value): unknown {
    this.map.lockWrite();
    try {
      const current = this.map.get(key as string, WRITE_HELD);
      if (current !== undefined) return current;
      this.map.set(key as string, value as number, WRITE_HELD);
      return value;
    } finally {
      this.map.unlockWrite();
    }
  }
  add(key: Key, delta: number): number {
    this.map.lockWrite();
    try {
      const next = Number(this.map.get(key as string, WRITE_HELD) ?? 0) + delta;
      this.map.set(key as string, next, WRITE_HELD);
      return next;
    } finally {
      this.map.unlockWrite();
    }
  }
}
