/**
 * Kill test: a thread terminated at a random moment — possibly holding a shard lock or the heap
 * lock, possibly between two writes of one mutation — must cost nothing but its one operation in
 * flight, once `ShardedMap.recoverThread(handle, token)` has run.
 *
 * Each round: a fresh map; 4 workers (reused across rounds; the killed one is replaced) run a
 * mixed workload (set, delete, loadOrStore, swap, update, compareAndDelete, add on their own keys;
 * add on shared counters; tests/fixtures/reliability-kill-ops.mjs); one of them is terminated once
 * it has completed a random number of operations; the test calls recoverThread with its token
 * (as a pool's 'exit' handler would); the 3 survivors must finish within SURVIVOR_TIMEOUT_MS
 * (otherwise: a deadlock); then a verifier worker replays every slot up to its last completed
 * operation and checks the map (tests/fixtures/reliability-kill-verify.mjs).
 *
 * SHARDMAP_KILL_ROUNDS (default 200) and SHARDMAP_SEED override; the seed is printed.
 * The campaign runs in both modes; SHARDMAP_KILL_MODE=striped|syncmap runs only one.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { ShardedMap, threadToken } from '@shardmap/core';
import { seedFor } from './helpers/workers.js';
// @ts-expect-error plain JS fixture (shared with the workers), no declarations
import { Workload } from './fixtures/reliability-kill-ops.mjs';
import { rng } from '../packages/core/test/helpers/seed.js';

const ROUNDS = Number(process.env.SHARDMAP_KILL_ROUNDS ?? 200);
const WORKERS = 4;
const OPS = 3000;
/** Survivors finish ~3000 operations in well under a second; 20 s on a loaded machine means stuck. */
const SURVIVOR_TIMEOUT_MS = 20_000;
const VERIFY_TIMEOUT_MS = 30_000;

type Message = { type: string; [k: string]: any };

/** A worker with a queue of the messages it sent, so a round can wait for "the next one". */
class Thread {
  readonly worker: Worker;
  readonly exited: Promise<number>;
  token = 0;
  readonly #queue: Message[] = [];
  #waiting: ((m: Message) => void) | undefined;

  constructor(file: string, workerData: object) {
    this.worker = new Worker(new URL(`./fixtures/${file}`, import.meta.url), { workerData });
    this.worker.on('message', (m: Message) => {
      if (this.#waiting) {
        const w = this.#waiting;
        this.#waiting = undefined;
        w(m);
      } else this.#queue.push(m);
    });
    this.worker.on('error', (e) => this.#queue.push({ type: 'error', message: String(e) }));
    this.exited = new Promise((resolve) => this.worker.once('exit', resolve));
  }

  /** The next message, or null after `ms`. */
  next(ms: number): Promise<Message | null> {
    const m = this.#queue.shift();
    if (m) return Promise.resolve(m);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting = undefined;
        resolve(null);
      }, ms);
      this.#waiting = (msg) => {
        clearTimeout(timer);
        resolve(msg);
      };
    });
  }

  async ready(ms = 30_000): Promise<this> {
    const m = await this.next(ms);
    if (m?.type !== 'ready') throw new Error(`${this.worker.threadId}: expected 'ready', got ${JSON.stringify(m)}`);
    this.token = m.token ?? 0;
    return this;
  }

  async kill(): Promise<void> {
    await this.worker.terminate();
    await this.exited;
  }
}

const spawnWorker = () => new Thread('reliability-kill-worker.mjs', {}).ready();
const spawnVerifier = () => new Thread('reliability-kill-verify.mjs', {}).ready();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The operation `slot` runs after completing `lastDone` (what it is stuck in, or was killed in). */
function opAfter(seed: number, round: number, slot: number, lastDone: number): string {
  const work = new Workload(seed, round, slot);
  for (let i = 0; i <= lastDone; i++) work.commit(work.next(i));
  const op = work.next(lastDone + 1);
  return `${op.kind}(${JSON.stringify(op.key)})`;
}

/**
 * For a deadlock report only: each shard's lock word and owner id, and the heap lock's, read
 * through the built layout module (internal; absent or renamed means no dump, not a failure).
 */
async function lockDump(buffer: SharedArrayBuffer, shards: number): Promise<string> {
  try {
    const L = await import('../packages/core/dist/layout.js');
    const i32 = new Int32Array(buffer, 0, 1024);
    const words = Array.from({ length: shards }, (_, s) => `shard ${s} lock=0x${(Atomics.load(i32, L.shardWord(s, L.S_LOCK)) >>> 0).toString(16)} owner=${Atomics.load(i32, L.shardWord(s, L.S_OWNER))}`);
    return `${words.join(', ')}, heap lock=${Atomics.load(i32, L.H_HEAP_LOCK)} owner=${Atomics.load(i32, L.H_HEAP_LOCK_OWNER)}`;
  } catch (e) {
    return `(no lock dump: ${(e as Error).message})`;
  }
}


const MODES = (process.env.SHARDMAP_KILL_MODE ? [process.env.SHARDMAP_KILL_MODE] : ['striped', 'syncmap']) as ('striped' | 'syncmap')[];

describe.each(MODES)("kill test, mode '%s': a worker terminated mid-workload, then recoverThread", (mode) => {
  it(`${ROUNDS} rounds of 4 workers, one killed per round`, { timeout: 900_000 }, async () => {
    const seed = seedFor();
    const next = rng(seed);
    const progress = new SharedArrayBuffer(4 * WORKERS);
    const words = new Int32Array(progress);
    const tally = { survived: 0, deadlocks: 0, lost: 0, extra: 0, wrongAnswers: 0, workerErrors: 0, recoverErrors: 0, midWorkload: 0, shardsRecovered: 0, heapRecovered: 0, inflightApplied: 0 };
    const report: string[] = [];
    const started = Date.now();
    let threads = await Promise.all(Array.from({ length: WORKERS }, spawnWorker));
    let verifier = await spawnVerifier();
    // The killed worker's replacement starts while the next round runs (thread start-up is slow).
    let spare = spawnWorker();
    try {
      expect(threadToken(), 'threadToken() in the main thread').not.toBe(0);
      for (let round = 0; round < ROUNDS; round++) {
        const tokens = threads.map((t) => t.token);
        if (tokens.some((t) => t === 0) || new Set(tokens).size !== WORKERS) report.push(`round ${round}: thread tokens ${tokens.join(',')} are not distinct non-zero`);
        const map = ShardedMap.create({ shards: 4, maxBytes: 2 ** 28, mode });
        for (let s = 0; s < WORKERS; s++) Atomics.store(words, s, -1);
        threads.forEach((t, slot) => t.worker.postMessage({ round, seed, ops: OPS, handle: map.handle, progress, slot }));
        const victim = next() % WORKERS;
        const target = next() % (OPS / 2);
        const waitUntil = Date.now() + SURVIVOR_TIMEOUT_MS;
        while (Atomics.load(words, victim) < target && Date.now() < waitUntil) await sleep(1);
        const lastAtKill = Atomics.load(words, victim);
        await threads[victim]!.kill();
        if (Atomics.load(words, victim) < OPS - 1) tally.midWorkload++;
        let problems: string[] = [];
        let recovered = '';
        try {
          const rec = ShardedMap.recoverThread(map.handle, threads[victim]!.token);
          recovered = JSON.stringify(rec);
          tally.shardsRecovered += rec.shardsRecovered;
          tally.heapRecovered += rec.heapRecovered ? 1 : 0;
          if (lastAtKill >= 0 && rec.owners < 1) problems.push(`recoverThread found no owner of the killed thread: ${JSON.stringify(rec)}`);
        } catch (e: any) {
          tally.recoverErrors++;
          problems.push(`recoverThread threw ${e?.code ?? ''} ${e?.message}`);
        }
        const survivors = threads.filter((_, s) => s !== victim);
        const dones = await Promise.all(survivors.map((t) => t.next(SURVIVOR_TIMEOUT_MS)));
        // The killed worker may have finished and said 'done' before the kill: drop that.
        if (dones.some((d) => d === null)) {
          tally.deadlocks++;
          // Diagnose: where everyone is, the locks, and whether a second recoverThread helps.
          const stuck = survivors.map((t, j) => (dones[j] === null ? threads.indexOf(t) : -1)).filter((s) => s >= 0);
          const at = [...words];
          const dump = await lockDump(map.handle.memory.buffer, 4);
          const again = JSON.stringify(ShardedMap.recoverThread(map.handle, threads[victim]!.token));
          const late = await Promise.all(stuck.map((s) => threads[s]!.next(5000)));
          const dumpLater = await lockDump(map.handle.memory.buffer, 4); // moved since? then a livelock
          report.push(
            `round ${round}: DEADLOCK — survivors ${stuck.join(',')} not done ${SURVIVOR_TIMEOUT_MS} ms after the kill; ` +
              `victim slot ${victim} killed after op ${lastAtKill} (in flight: ${opAfter(seed, round, victim, at[victim]!)}), recoverThread → ${recovered}; ` +
              `stuck in ${stuck.map((s) => `slot ${s} op ${at[s]! + 1} ${opAfter(seed, round, s, at[s]!)}`).join(', ')}; ${dump}; ` +
              `second recoverThread → ${again}, then ${late.every((d) => d !== null) ? 'they finished' : `still stuck 5 s later: ${dumpLater === dump ? 'locks unchanged' : dumpLater}`}`,
          );
          await Promise.all(threads.map((t) => t.kill()));
          threads = await Promise.all(Array.from({ length: WORKERS }, spawnWorker));
          continue;
        }
        for (const d of dones as Message[]) {
          tally.wrongAnswers += d.mismatchCount ?? 0;
          if (d.error) tally.workerErrors++;
          if (d.error || d.mismatches?.length) problems.push(`survivor: ${d.error ?? ''} ${(d.mismatches ?? []).join('; ')}`);
        }
        verifier.worker.postMessage({ handle: map.handle, round, seed, ops: OPS, last: [...words], victim });
        const verdict = await verifier.next(VERIFY_TIMEOUT_MS);
        if (verdict === null) {
          tally.deadlocks++;
          report.push(`round ${round}: DEADLOCK — the verifier hung on the map after recovery (victim slot ${victim} killed after op ${lastAtKill})`);
          await verifier.kill();
          verifier = await spawnVerifier();
        } else {
          tally.lost += verdict.lost;
          tally.extra += verdict.extra;
          tally.inflightApplied += verdict.inflightApplied;
          problems = problems.concat(verdict.problems);
        }
        if (verdict !== null && problems.length === 0) tally.survived++;
        else if (problems.length > 0) report.push(`round ${round} (victim slot ${victim} killed after op ${lastAtKill}): ${problems.slice(0, 4).join(' | ')}`);
        threads[victim] = await spare;
        spare = spawnWorker();
      }
    } finally {
      await Promise.all([...threads, verifier, await spare].map((t) => t.kill()));
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `FIGURE kill: mode=${mode} rounds=${ROUNDS} survived=${tally.survived} deadlocks=${tally.deadlocks} lost=${tally.lost} extra=${tally.extra} ` +
        `wrongAnswers=${tally.wrongAnswers} workerErrors=${tally.workerErrors} recoverErrors=${tally.recoverErrors} ` +
        `killedMidWorkload=${tally.midWorkload} shardLocksRecovered=${tally.shardsRecovered} heapLocksRecovered=${tally.heapRecovered} ` +
        `inflightOpsApplied=${tally.inflightApplied} seconds=${seconds} seed=${seed}`,
    );
    for (const line of report.slice(0, 20)) console.log(`  kill: ${line}`);
    expect(report, `kill test (SHARDMAP_SEED=${seed})`).toEqual([]);
    expect(tally.survived).toBe(ROUNDS);
  });
});
