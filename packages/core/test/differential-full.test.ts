/**
 * The differential suite under a 1 MiB ceiling with values of 1-300 KB: writes start failing with
 * RangeError ERR_SHARDMAP_FULL part-way through random sequences (including in the middle of a
 * bulk insert or a table growth). After each such failure the whole map must still equal the
 * model of the calls that returned, and the sequence carries on (deletes make room again).
 */
import { describe, expect, it } from 'vitest';
import { ShardedMap } from '@shardmap/core';
import { createWithHashMask } from '@shardmap/core/testing';
import { checkDifferential } from './helpers/differential.js';
import type { KeyCodec, ValueCodec } from './helpers/model.js';

const KEYS: KeyCodec[] = ['any', 'string', 'int32', 'bytes'];
const VALUES: ValueCodec[] = ['any', 'string', 'bytes', 'json'];

describe('differential at the maxBytes ceiling', () => {
  for (const kc of KEYS) {
    for (const vc of VALUES) {
      it(`keys ${kc}, values ${vc}`, () => {
        const fulls = checkDifferential((o) => ShardedMap.create(o), kc, vc, { numRuns: 25, maxCmds: 60, bulkMax: 300, full: true });
        expect(fulls, 'no write ever reached the ceiling: the test did not test it').toBeGreaterThan(0);
      });
    }
  }
  it('keys any, values any, 4-bit hashes', () => {
    const fulls = checkDifferential((o) => createWithHashMask(o, 0xf), 'any', 'any', { numRuns: 40, maxCmds: 60, bulkMax: 200, full: true });
    expect(fulls).toBeGreaterThan(0);
  });
});
