/**
 * Error row "attach given something that is not a live shardmap buffer": Error
 * ERR_SHARDMAP_BAD_BUFFER for null, a number, {}, a non-shared copy, truncated copies and a copy
 * whose header was overwritten. The handle's shape is the implementation's, so the buffer is
 * located by walking the handle; a valid clone of the handle must attach and share the data.
 */
import { describe, expect, it } from 'vitest';
import { ShardedMap } from '@shardmap/core';
import { GROW_STEP_BYTES, H_HIGH_WATER, H_PUBLISHED_LENGTH } from '../src/layout.js';
import { expectCode, expectUnchangedAndUsable, state } from './helpers/assert.js';

function findMemory(h: unknown, path: string[] = []): string[] | null {
  if (h instanceof WebAssembly.Memory) return path;
  if (h === null || typeof h !== 'object' || ArrayBuffer.isView(h)) return null;
  for (const [k, v] of Object.entries(h)) {
    const p = findMemory(v, [...path, k]);
    if (p) return p;
  }
  return null;
}

/** A copy of `handle` with the memory at `path` replaced by `memory`. */
function withMemory(handle: unknown, path: string[], memory: unknown): unknown {
  if (path.length === 0) return memory;
  const copy: Record<string, unknown> = { ...(handle as Record<string, unknown>) };
  copy[path[0]!] = withMemory(copy[path[0]!], path.slice(1), memory);
  return copy;
}

function copyInto(src: ArrayBufferLike, dst: ArrayBufferLike, n = dst.byteLength) {
  new Uint8Array(dst).set(new Uint8Array(src, 0, Math.min(n, src.byteLength)));
  return dst;
}

/** A new WebAssembly.Memory of `bytes` (whole pages) holding the first bytes of `src`, if given. */
function memoryCopy(bytes: number, shared: boolean, src?: ArrayBufferLike): WebAssembly.Memory {
  const pages = Math.max(1, Math.floor(bytes / GROW_STEP_BYTES));
  const memory = new WebAssembly.Memory({ initial: pages, maximum: 16384, shared });
  if (src) copyInto(src, memory.buffer);
  return memory;
}

function setup() {
  const map = ShardedMap.create<any, any>({ capacity: 8, shards: 4 });
  for (let i = 0; i < 200; i++) map.set(i, `v${i}`);
  const path = findMemory(map.handle);
  if (!path) throw new Error('map.handle holds no WebAssembly.Memory');
  let memory = map.handle as unknown;
  for (const k of path) memory = (memory as Record<string, unknown>)[k];
  return { map, path, memory: memory as WebAssembly.Memory, sab: (memory as WebAssembly.Memory).buffer as SharedArrayBuffer };
}

describe('attach', () => {
  it('a structured clone of the handle attaches to the same live map', () => {
    const { map } = setup();
    const clone = structuredClone(map.handle);
    const other = ShardedMap.attach<any, any>(clone);
    expect(other.size).toBe(200);
    expect(other.get(5)).toBe('v5');
    other.set('from-other', 1);
    expect(map.get('from-other')).toBe(1);
    map.delete(5);
    expect(other.has(5)).toBe(false);
    expect(state(other)).toEqual(state(map));
  });

  it('every handle holds its shared WebAssembly.Memory (so postMessage shares it)', () => {
    const { path, sab } = setup();
    expect(path).not.toBeNull();
    expect(sab).toBeInstanceOf(SharedArrayBuffer);
  });

  it('throws ERR_SHARDMAP_BAD_BUFFER for things that are not a live shardmap buffer', () => {
    const { map, path, sab } = setup();
    const before = state(map);
    const len = sab.byteLength;
    expect(len).toBeGreaterThanOrEqual(2 * GROW_STEP_BYTES); // so that a copy of half is truncated
    const header = (fill: (u8: Uint8Array) => void) => {
      const c = memoryCopy(len, true, sab);
      fill(new Uint8Array(c.buffer));
      return withMemory(map.handle, path, c);
    };
    const cases: [string, unknown][] = [
      ['null', null],
      ['undefined', undefined],
      ['42', 42],
      ['a string', 'handle'],
      ['{}', {}],
      ['the map object itself', map],
      ['the bare SharedArrayBuffer', sab],
      ['a handle holding the SharedArrayBuffer in place of the memory', withMemory(map.handle, path, sab)],
      ['a handle holding an object that looks like a memory', withMemory(map.handle, path, { buffer: copyInto(sab, new SharedArrayBuffer(len)), grow: () => 0 })],
      ['a zero-filled shared memory of the same size', withMemory(map.handle, path, memoryCopy(len, true))],
      ['a non-shared memory copy', withMemory(map.handle, path, memoryCopy(len, false, sab))],
      ['a non-shared ArrayBuffer copy', withMemory(map.handle, path, copyInto(sab, new ArrayBuffer(len)))],
      ['a Uint8Array copy', withMemory(map.handle, path, new Uint8Array(copyInto(sab, new ArrayBuffer(len))))],
      ['a copy truncated to one page', withMemory(map.handle, path, memoryCopy(GROW_STEP_BYTES, true, sab))],
      ['a copy truncated to half', withMemory(map.handle, path, memoryCopy(len >> 1, true, sab))],
      ['a copy with the first 8 header bytes set to 0xFF', header((u8) => u8.fill(0xff, 0, 8))],
      ['a copy with the first 4 header bytes zeroed', header((u8) => u8.fill(0, 0, 4))],
      ['a copy with the first 64 header bytes scrambled', header((u8) => u8.forEach((b, i) => i < 64 && (u8[i] = (b * 7 + 13) & 0xff)))],
      ['a copy whose header is all zero', header((u8) => u8.fill(0, 0, 256))],
    ];
    for (const [name, h] of cases) {
      expectCode(() => ShardedMap.attach(h as any), Error, 'ERR_SHARDMAP_BAD_BUFFER', `attach(${name})`);
      expectUnchangedAndUsable(map, before, 'probe', 1, `attach(${name})`);
    }
    // The original is still attachable after all that.
    expect(ShardedMap.attach<any, any>(map.handle).get(199)).toBe('v199');
  });

  it('attaches while another thread grows the buffer between its reads of the two lengths', () => {
    // A grower grows the buffer, publishes the new length, then raises the high water
    // (memory.ts). Here that whole step is staged inside attach's first load of either word, the
    // narrowest window a real grower can hit; CI once hit it in the kill campaign.
    const { map, memory, sab } = setup();
    const before = state(map);
    const load = Atomics.load;
    let staged = false;
    (Atomics as { load: typeof Atomics.load }).load = ((array: Int32Array, index: number) => {
      const value = load(array as never, index) as number;
      if (!staged && array.buffer === sab && (index === H_HIGH_WATER || index === H_PUBLISHED_LENGTH)) {
        staged = true;
        const words = new Int32Array(sab, 0, 64);
        const published = load(words, H_PUBLISHED_LENGTH);
        const grown = published + GROW_STEP_BYTES;
        memory.grow((grown - memory.buffer.byteLength) / GROW_STEP_BYTES);
        Atomics.store(words, H_PUBLISHED_LENGTH, grown);
        Atomics.store(words, H_HIGH_WATER, published + 8); // a block handed out past the old length
      }
      return value;
    }) as typeof Atomics.load;
    let other: ShardedMap<any, any>;
    try {
      other = ShardedMap.attach<any, any>(map.handle);
    } finally {
      (Atomics as { load: typeof Atomics.load }).load = load;
    }
    expect(staged).toBe(true);
    expect(state(other)).toEqual(before);
    other.set('after', 1);
    expect(map.get('after')).toBe(1);
  });

  it("attaches when another thread's growth reaches this thread's memory object after its published length", () => {
    // V8 hands a grow() to the other threads' memory objects by an interrupt: for a moment after
    // the grower published the length, memory.buffer can still be the shorter buffer (the kill
    // campaign hit this). Staged: a grow, then memory.buffer answering the old buffer 1000 times.
    const { map, memory, sab } = setup();
    const before = state(map);
    const words = new Int32Array(sab, 0, 64);
    const grown = sab.byteLength + GROW_STEP_BYTES;
    memory.grow(1);
    Atomics.store(words, H_PUBLISHED_LENGTH, grown);
    const real = Object.getOwnPropertyDescriptor(WebAssembly.Memory.prototype, 'buffer')!.get!;
    let stale = 1000;
    Object.defineProperty(memory, 'buffer', { configurable: true, get: () => (stale-- > 0 ? sab : real.call(memory)) });
    let other: ShardedMap<any, any>;
    try {
      other = ShardedMap.attach<any, any>(map.handle);
    } finally {
      delete (memory as { buffer?: unknown }).buffer;
    }
    expect(stale).toBeLessThan(0);
    expect(state(other)).toEqual(before);
    for (let i = 0; i < 2000; i++) other.set(`grow-${i}`, i); // past the old length: the views took the grown buffer
    expect(map.get('grow-1999')).toBe(1999);
  });

  it("attaches when this thread's memory object missed another thread's growth: grow(0) refreshes it", () => {
    // Node 24, seen in the kill campaign: a thread attaching while another grew kept the short
    // buffer until the next growth. Staged: memory.buffer answers the old buffer until grow is called.
    const { map, memory, sab } = setup();
    const before = state(map);
    const grown = sab.byteLength + GROW_STEP_BYTES;
    memory.grow(1);
    Atomics.store(new Int32Array(sab, 0, 64), H_PUBLISHED_LENGTH, grown);
    const real = Object.getOwnPropertyDescriptor(WebAssembly.Memory.prototype, 'buffer')!.get!;
    const realGrow = WebAssembly.Memory.prototype.grow;
    let refreshed = false;
    Object.defineProperty(memory, 'buffer', { configurable: true, get: () => (refreshed ? real.call(memory) : sab) });
    Object.defineProperty(memory, 'grow', { configurable: true, value: (delta: number) => ((refreshed = true), realGrow.call(memory, delta)) });
    let other: ShardedMap<any, any>;
    try {
      other = ShardedMap.attach<any, any>(map.handle);
    } finally {
      delete (memory as { buffer?: unknown }).buffer;
      delete (memory as { grow?: unknown }).grow;
    }
    expect(refreshed).toBe(true);
    expect(memory.buffer.byteLength).toBe(grown); // grow(0) added nothing
    expect(state(other)).toEqual(before);
  });
});

