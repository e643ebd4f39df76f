/**
 * The differential suite again with the test-only hash mask: 0 sends every key to one hash
 * (every probe walks the whole cluster; tombstones pile up), 0xF keeps 4 bits like Go's
 * TruncHash. Entry counts stay modest under mask 0, where every operation is linear.
 */
import { describe, it } from 'vitest';
import { createWithHashMask } from '@shardmap/core/testing';
import { checkDifferential } from './helpers/differential.js';
import { KEY_CODECS, VALUE_CODECS } from './helpers/model.js';

for (const mask of [0, 0xf]) {
  const create = (o: object) => createWithHashMask(o, mask);
  const bulkMax = mask === 0 ? 60 : 250;
  describe(`hash mask 0x${mask.toString(16)}`, () => {
    it('keys any, values any (long run)', () => {
      checkDifferential(create, 'any', 'any', { numRuns: 200, maxCmds: 60, bulkMax });
    });
    for (const kc of KEY_CODECS) {
      for (const vc of VALUE_CODECS) {
        it(`keys ${kc}, values ${vc}`, () => {
          checkDifferential(create, kc, vc, { numRuns: 20, maxCmds: 50, bulkMax });
        });
      }
    }
  });
}
