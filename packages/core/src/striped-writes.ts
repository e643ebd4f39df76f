/**
 * The striped engine's two logged writes of an entry, each under shard `s`'s lock (striped.ts
 * keeps the invariants they keep, 1 and 2): an insert writes the free slot's words and publishes
 * them with the control byte last; a replacement is in place when inline over inline, else a new
 * blob, the slot logged, the slot rewritten, the old blob freed after the commit. A full heap
 * throws ERR_SHARDMAP_FULL before anything is visible. Each kill point names the statement a
 * crash test stops a writer at.
 */
import { SLOT_HASH, slotWord } from './layout.js';
import { type EncodedValue, type ProbeKey, hasBlob, narrowTag } from './codecs.js';
import { corruptError, fullError } from './errors.js';
import type { Shards } from './shard.js';
import { commitInsertLocked, insertSlotLocked } from './shard-table.js';
import { freePayloadBlob, setTags, setValueTag, storeKey, storeValue, valuePayloadAt, valueTagAt, writeBlob } from './slots.js';
import { TORN } from './table.js';
import { killPoint } from './kill-points.js';

/** Replaces the value at `slot` of shard `s` with `value` (striped.ts invariant 2); throws ERR_SHARDMAP_FULL with nothing changed. */
export function replaceValueLocked(shards: Shards, s: number, slot: number, value: EncodedValue, maxBytes: number): void {
  const views = shards.views;
  const at = shards.slotAt(s, slot);
  if (!hasBlob(value.tag) && !hasBlob(valueTagAt(views, at))) {
    storeValue(views, at, value, 0);
    killPoint('striped.replace.inline-payload');
    setValueTag(views, at, value.tag);
    return;
  }
  shards.beginLocked(s);
  let old: [number, number, number] | undefined;
  try {
    const blob = writeBlob(views, shards, s, value.tag, value.str, value.bytes);
    if (blob < 0) throw fullError(value.str.length * 2 + value.bytes.length, maxBytes);
    old = valuePayloadAt(views, at);
    killPoint('striped.replace.allocated');
    shards.logSlotLocked(s, at);
    storeValue(views, at, value, blob);
    killPoint('striped.replace.payload');
    setValueTag(views, at, value.tag);
    killPoint('striped.replace.tagged');
  } finally {
    shards.commitLocked(s);
  }
  killPoint('striped.replace.committed');
  freePayloadBlob(shards.heap, s, old); // after the commit (shard.ts, invariant 5)
}

/** Inserts probe → value (absent from shard `s`, striped.ts invariant 1); throws ERR_SHARDMAP_FULL with nothing changed. */
export function insertEntryLocked(shards: Shards, s: number, probe: ProbeKey, value: EncodedValue, maxBytes: number): void {
  const views = shards.views;
  shards.beginLocked(s);
  try {
    const slot = insertSlotLocked(shards, s, probe.hash);
    if (slot === TORN) throw corruptError('table', `shard ${s} has no free slot below its load limit`);
    probe.tag = narrowTag(probe.tag, probe.str); // stored one byte a unit when it can be (slots.ts)
    const keyBlob = slot < 0 ? -1 : writeBlob(views, shards, s, probe.tag, probe.str, probe.bytes);
    const valueBlob = keyBlob < 0 ? -1 : writeBlob(views, shards, s, value.tag, value.str, value.bytes);
    if (valueBlob < 0) throw fullError(probe.str.length * 2 + probe.bytes.length + value.str.length * 2 + value.bytes.length, maxBytes);
    killPoint('striped.insert.allocated');
    // The slot is free: these writes are invisible until its control byte is set (invariant 1).
    const at = shards.slotAt(s, slot);
    views.i32[slotWord(at, SLOT_HASH)] = probe.hash;
    setTags(views, at, probe.tag, value.tag);
    storeKey(views, at, probe, keyBlob);
    storeValue(views, at, value, valueBlob);
    killPoint('striped.insert.written');
    commitInsertLocked(shards, s, slot, probe.hash); // the control byte makes the entry findable
    killPoint('striped.insert.published');
  } catch (error) {
    shards.abortLocked(s); // frees the blobs allocated above (nothing was published)
    throw error;
  }
  shards.commitLocked(s);
}
