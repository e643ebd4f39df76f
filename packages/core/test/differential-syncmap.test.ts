/**
 * The differential suite (helpers/differential.ts: every method against a plain Map model) in
 * mode 'syncmap': every codec pair, colliding hashes (masks 0 and 0xF, Go's BadHash/TruncHash),
 * and the maxBytes ceiling, where a failed call must leave the map exactly as it was. The read
 * snapshot, the dirty table, promotion and expunging all run here: maps start with 1..16 shards
 * and bulk commands insert and delete hundreds of keys between reads that promote.
 */
import { describe, it } from 'vitest';
import { ShardedMap } from '@shardmap/core';
import { createWithHashMask } from '@shardmap/core/testing';
import { checkDifferential } from './helpers/differential.js';
import { KEY_CODECS, VALUE_CODECS } from './helpers/model.js';

const syncmap = (o: object) => ({ ...o, mode: 'syncmap' as const });
const create = (o: object) => ShardedMap.create(syncmap(o));

describe("differential against Map, mode 'syncmap'", () => {
  it('keys any, values any (long run)', () => {
    checkDifferential(create, 'any', 'any', { numRuns: 250, maxCmds: 80, bulkMax: 300 });
  });

  for (const kc of KEY_CODECS) {
    for (const vc of VALUE_CODECS) {
      it(`keys ${kc}, values ${vc}`, () => {
        checkDifferential(create, kc, vc, { numRuns: 20, maxCmds: 50, bulkMax: 300 });
      });
    }
  }

  for (const mask of [0, 0xf]) {
    it(`hash mask 0x${mask.toString(16)}, keys any, values any`, () => {
      checkDifferential((o) => createWithHashMask(syncmap(o), mask), 'any', 'any', { numRuns: 100, maxCmds: 60, bulkMax: mask === 0 ? 60 : 250 });
    });
  }

  it('at the maxBytes ceiling, keys any, values any', () => {
    checkDifferential(create, 'any', 'any', { numRuns: 40, maxCmds: 60, bulkMax: 300, full: true });
  });
});
