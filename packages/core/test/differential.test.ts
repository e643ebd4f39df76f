/**
 * Property-based differential test: every method of the contract, for every pair of key and
 * value codecs, against a plain `Map` model (see helpers/runner.ts). Maps start tiny (capacity 1
 * to 64, 1 to 16 shards) and bulk commands insert and delete hundreds of keys, so growth and
 * tombstones are exercised. Set SHARDMAP_SEED to replay a seed that fast-check printed.
 */
import { describe, it } from 'vitest';
import { ShardedMap } from '@shardmap/core';
import { checkDifferential } from './helpers/differential.js';
import { KEY_CODECS, VALUE_CODECS } from './helpers/model.js';

const create = (o: object) => ShardedMap.create(o);

describe('differential against Map', () => {
  it('keys any, values any (long run)', () => {
    checkDifferential(create, 'any', 'any', { numRuns: 300, maxCmds: 80, bulkMax: 300 });
  });

  for (const kc of KEY_CODECS) {
    describe(`keys ${kc}`, () => {
      for (const vc of VALUE_CODECS) {
        it(`values ${vc}`, () => {
          checkDifferential(create, kc, vc, { numRuns: 40, maxCmds: 50, bulkMax: 300 });
        });
      }
    });
  }
});
