/**
 * Byte-flip fuzz: FLIPS random byte flips, each in a fresh live map (tests/fixtures/
 * reliability-byteflip-worker.mjs), each followed by a batch of operations. A corrupt buffer may
 * only make operations throw ERR_SHARDMAP_CORRUPT (attach: also ERR_SHARDMAP_BAD_BUFFER): never
 * hang, never read out of range (a RangeError or TypeError from a typed array), never crash.
 *
 * The operations run in a worker whose heartbeat the test watches: a flip whose operations stop
 * moving for HANG_MS is a hang; the worker is terminated and a new one resumes at the next flip.
 * Every flip replays alone from SHARDMAP_SEED and its index (printed with every anomaly).
 * SHARDMAP_FLIPS (default 10,000) overrides the count. Both map modes run, and a ShardedCache
 * bounded by maxEntries and one bounded by maxBytes alone (tests/fixtures/
 * reliability-byteflip-cache.mjs: its cache regions, the policy's lists and sketch, the fetch
 * lanes and the instances' hit buffers are flipped and exercised too).
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { seedFor } from './helpers/workers.js';

const FLIPS = Number(process.env.SHARDMAP_FLIPS ?? 10_000);
const HANG_MS = 4000;
/** After this many hangs the run stops (each costs HANG_MS); the figure says how far it got. */
const MAX_HANGS = 20;
const STAT = { flips: 0, ops: 1, corrupt: 2, badBuffer: 3, undocumented: 4, impossible: 5 };

interface Anomaly {
  kind: string;
  where: string;
  op: string;
  error: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(['striped', 'syncmap', 'cache-entries', 'cache-bytes'])("byte-flip fuzz, target '%s': a corrupt buffer throws ERR_SHARDMAP_CORRUPT, never hangs or misreads", (mode) => {
  it(`${FLIPS} flips over as many maps, operations under a watchdog`, { timeout: 900_000 }, async () => {
    const seed = seedFor();
    const stats = new Int32Array(new SharedArrayBuffer(4 * 8));
    const progress = new Int32Array(new SharedArrayBuffer(4 * 6));
    const anomalies: Anomaly[] = [];
    const hangs: string[] = [];
    const crashes: string[] = [];
    let from = 0;
    const started = Date.now();
    while (from < FLIPS && hangs.length < MAX_HANGS) {
      Atomics.store(progress, 0, from);
      const worker = new Worker(new URL('./fixtures/reliability-byteflip-worker.mjs', import.meta.url), {
        workerData: { role: 'byteflip', seed, from, to: FLIPS, stats: stats.buffer, progress: progress.buffer, mode },
        resourceLimits: { maxOldGenerationSizeMb: 512 },
      });
      let finished = false;
      let died: string | undefined;
      worker.on('message', (m: { type: string } & Anomaly) => {
        if (m.type === 'done') finished = true;
        else anomalies.push(m);
      });
      worker.on('error', (e) => (died = `${e.name}: ${e.message}`));
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      let seen = -1;
      let lastMove = Date.now();
      for (;;) {
        await Promise.race([exited, sleep(100)]);
        if (finished || died !== undefined) break;
        const beat = Atomics.load(progress, 0) * 2 ** 20 + Atomics.load(progress, 1);
        if (beat !== seen) {
          seen = beat;
          lastMove = Date.now();
        } else if (Date.now() - lastMove > HANG_MS) break;
      }
      const at = Atomics.load(progress, 0);
      const [offset, mask, used, config] = [2, 3, 4, 5].map((i) => Atomics.load(progress, i));
      const flip = `flip ${at} (config ${config}, byte ${offset} of ${used} ^= 0x${mask!.toString(16)}, seed ${seed})`;
      if (!finished && died === undefined) hangs.push(`${flip}: no progress for ${HANG_MS} ms`);
      else if (died !== undefined) crashes.push(`${flip}: worker died: ${died}`);
      await worker.terminate();
      await exited;
      from = finished ? FLIPS : at + 1;
    }
    const flips = Atomics.load(stats, STAT.flips) + hangs.length + crashes.length;
    const undocumented = Atomics.load(stats, STAT.undocumented);
    const impossible = Atomics.load(stats, STAT.impossible);
    console.log(
      `FIGURE byteflip: mode=${mode} flips=${flips} hangs=${hangs.length} crashes=${crashes.length} undocumentedErrors=${undocumented} ` +
        `impossibleAnswers=${impossible} ops=${Atomics.load(stats, STAT.ops)} corruptErrors=${Atomics.load(stats, STAT.corrupt)} ` +
        `badBufferOnAttach=${Atomics.load(stats, STAT.badBuffer)} seconds=${((Date.now() - started) / 1000).toFixed(1)} seed=${seed}` +
        (from < FLIPS ? ` STOPPED after ${MAX_HANGS} hangs at flip ${from}` : ''),
    );
    // One line per distinct failure (error class, code and the start of its message), with the
    // operations that met it and the first flip that shows it.
    const distinct = new Map<string, { n: number; ops: Set<string>; first: Anomaly }>();
    for (const a of anomalies) {
      // Class, code and the first words of the message: decoders quote the corrupt text itself.
      const [head = '', message = ''] = a.error.split(/: (.*)/s);
      const words = message.replace(/[^A-Za-z]+/g, ' ').trim().split(' ');
      const id = `${a.kind}: ${head}: ${words.slice(0, words[0] === 'shardmap' ? 4 : 2).join(' ')}`;
      const d = distinct.get(id) ?? { n: 0, ops: new Set<string>(), first: a };
      d.n++;
      d.ops.add(a.op.replace(/^\w+\./, ''));
      distinct.set(id, d);
    }
    const printable = (t: string) => t.replace(/[^ -~]/g, '?');
    for (const [id, { n, ops, first }] of distinct) console.log(`  byteflip: ${n}× ${id} [${[...ops].join(',')}] — e.g. ${first.where}, ${first.op}: ${printable(first.error)}`);
    for (const line of [...hangs, ...crashes].slice(0, 10)) console.log(`  byteflip: ${line}`);
    expect({ hangs, crashes, undocumented }, `byte-flip fuzz (SHARDMAP_SEED=${seed})`).toEqual({ hangs: [], crashes: [], undocumented: 0 });
    expect(flips).toBe(FLIPS);
  });
});
