/**
 * This thread's views of the buffer.
 *
 * The buffer is a shared WebAssembly.Memory (buffer.ts): `memory.buffer` is a fixed-length
 * SharedArrayBuffer, and after `grow()` every thread gets a longer one from `memory.buffer`, over
 * the same bytes. So each thread keeps FIXED-length views and rebuilds them, over a fresh
 * `memory.buffer`, when it meets an offset beyond them. The length it rebuilds to is
 * H_PUBLISHED_LENGTH (Atomics.load): `grow()` is not ordered with other writes, the published
 * word is (ANCHORS.md, platform facts).
 */
import { H_PUBLISHED_LENGTH } from './layout.js';
import { corruptError } from './errors.js';
import type { SharedMemory } from './wasm-api.js';

/** Loads of `memory.buffer` bufferHolding makes before it gives up (~50 ms). */
const GROW_SPINS = 1 << 20;
/** Loads after which it asks the memory itself (grow(0)) for its current length. */
const REFRESH_AFTER = 1024;

/**
 * The memory's buffer once it holds `bytes`, or undefined. Another thread's `grow()` reaches this
 * thread's memory object by an interrupt, which V8 handles at a loop back-edge or a call: a thread
 * that has just loaded a length another thread published may still get the shorter buffer from
 * `memory.buffer` for a moment (seen in the kill campaign). This loop is where it takes the
 * interrupt. A memory object that missed the interrupt altogether (Node 24, a thread attaching
 * while another grows: its buffer stayed short until the next growth) is refreshed by
 * `grow(0)`, which makes V8 build this thread's buffer at the memory's current length.
 */
export function bufferHolding(memory: SharedMemory, bytes: number): SharedArrayBuffer | undefined {
  for (let spin = 0; spin < GROW_SPINS; spin++) {
    const buffer = memory.buffer as SharedArrayBuffer;
    if (buffer.byteLength >= bytes) return buffer;
    if (spin === REFRESH_AFTER) {
      try {
        memory.grow(0);
      } catch {
        // grow(0) cannot pass the maximum; a platform that refuses it leaves the spin to decide
      }
    }
  }
  return undefined;
}

export class Views {
  readonly memory: SharedMemory;
  /** The memory's buffer these views were built over (it keeps the length it had then). */
  sab!: SharedArrayBuffer;
  /** Bytes these views cover. */
  length = 0;
  i32!: Int32Array;
  u8!: Uint8Array;
  u16!: Uint16Array;
  f64!: Float64Array;

  constructor(memory: SharedMemory, length: number) {
    this.memory = memory;
    if (!this.rebuild(length)) throw corruptError('memory', `the published length ${length} is beyond the memory's ${memory.buffer.byteLength} bytes`);
  }

  /** Views of bytes [0, length) over a buffer of the memory that holds them; false if none does. */
  rebuild(length: number): boolean {
    const sab = bufferHolding(this.memory, length);
    if (sab === undefined) return false;
    this.sab = sab;
    this.length = length;
    this.i32 = new Int32Array(sab, 0, length >> 2);
    this.u8 = new Uint8Array(sab, 0, length);
    this.u16 = new Uint16Array(sab, 0, length >> 1);
    this.f64 = new Float64Array(sab, 0, length >> 3);
    return true;
  }

  /** Bytes the memory holds as this thread sees it now (grown by any thread); never less than `length`. */
  committedBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** True if bytes [0, end) can be indexed, after catching up with growth by other threads. */
  covers(end: number): boolean {
    return end <= this.length || this.catchUp(end);
  }

  private catchUp(end: number): boolean {
    const published = Atomics.load(this.i32, H_PUBLISHED_LENGTH);
    if (published > this.length) this.rebuild(published);
    return end <= this.length;
  }
}
