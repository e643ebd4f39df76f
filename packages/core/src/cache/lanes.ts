/**
 * The lane words cache/flight.ts leaves to the front, because they need the shard's lock or the
 * owner registry: a failed flight's error record (a text blob in the shard's heap, written and
 * read under the shard's lock, tagged with the flight that wrote it: flight.ts invariant 4), and
 * recovery's freeing of the lanes a dead thread's instances held (flight.ts invariant 3).
 * Offsets are layout.ts's (L_*).
 */
import { corruptError } from '../errors.js';
import type { Heap } from '../memory.js';
import type { Views } from '../views.js';
import { ownerToken } from '../owners.js';
import { C_LANES, L_ERROR_BLOB, L_ERROR_FLIGHT, L_ERROR_LENGTH, L_STATE, cacheLaneWord } from '../layout.js';

const recordBytes = (length: number): number => Math.max(8, 2 * length);

/**
 * Saves `text` as lane `lane`'s error record, of `flight`, freeing the record it replaces. With no
 * room for the text the record is empty: waiters revive an error with no message. Locked.
 */
export function recordLaneErrorLocked(views: Views, heap: Heap, s: number, region: number, lane: number, flight: number, text: string): void {
  const blobWord = cacheLaneWord(region, lane, L_ERROR_BLOB);
  const lengthWord = cacheLaneWord(region, lane, L_ERROR_LENGTH);
  const oldBlob = views.i32[blobWord]!;
  const oldLength = views.i32[lengthWord]!;
  const blob = heap.alloc(s, recordBytes(text.length));
  const length = blob === 0 ? 0 : text.length;
  for (let i = 0; i < length; i++) views.u16[(blob >> 1) + i] = text.charCodeAt(i);
  views.i32[blobWord] = blob;
  views.i32[lengthWord] = length;
  views.i32[cacheLaneWord(region, lane, L_ERROR_FLIGHT)] = flight;
  if (oldBlob > 0) heap.free(s, oldBlob, recordBytes(oldLength));
}

/** Lane `lane`'s error record if `flight` wrote it, else undefined (flight.ts invariant 4). Locked. */
export function readLaneErrorLocked(views: Views, heap: Heap, region: number, lane: number, flight: number): string | undefined {
  if (views.i32[cacheLaneWord(region, lane, L_ERROR_FLIGHT)] !== flight) return undefined;
  const blob = views.i32[cacheLaneWord(region, lane, L_ERROR_BLOB)]!;
  const length = views.i32[cacheLaneWord(region, lane, L_ERROR_LENGTH)]!;
  if (length < 0 || (length > 0 && !heap.holdsBlock(blob, 2 * length))) throw corruptError('cache', `lane ${lane}'s error record (${length} chars at ${blob})`);
  let text = '';
  for (let i = 0; i < length; i++) text += String.fromCharCode(views.u16[(blob >> 1) + i]!);
  return text;
}

/**
 * Frees every lane of `regions` that an instance of the dead thread `token` holds, and wakes its
 * waiters: they load instead, at once (flight.ts invariant 3). One compareExchange per lane, so a
 * lane taken by a live loader meanwhile is left alone.
 */
export function freeLanesOf(views: Views, shardCount: number, regions: readonly number[], token: number): void {
  for (const region of regions) {
    for (let lane = 0; lane < C_LANES; lane++) {
      const state = cacheLaneWord(region, lane, L_STATE);
      const holder = Atomics.load(views.i32, state);
      if (holder !== 0 && ownerToken(views, shardCount, holder) === token && Atomics.compareExchange(views.i32, state, holder, 0) === holder) Atomics.notify(views.i32, state);
    }
  }
}
