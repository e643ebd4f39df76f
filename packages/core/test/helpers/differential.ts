/** The differential property shared by the plain and the colliding-hash suites. */
import fc from 'fast-check';
import type { ShardedMap } from '@shardmap/core';
import { commandArb, optionsArb } from './commands.js';
import type { MapOptions } from './commands.js';
import { testSeed } from './model.js';
import type { KeyCodec, ValueCodec } from './model.js';
import { Runner } from './runner.js';

export interface DifferentialOptions {
  numRuns: number;
  maxCmds: number;
  bulkMax: number;
}

/** Random command sequences must leave the map and a `Map` model in agreement at every step. */
export function checkDifferential(
  factory: (o: MapOptions) => ShardedMap<any, any>,
  kc: KeyCodec,
  vc: ValueCodec,
  o: DifferentialOptions,
): void {
  fc.assert(
    fc.property(optionsArb(kc, vc), fc.array(commandArb(kc, vc, o), { maxLength: o.maxCmds, size: 'max' }), (opts, cmds) => {
      new Runner(factory(opts), kc, vc).run(cmds);
    }),
    { seed: testSeed(), numRuns: o.numRuns },
  );
}
