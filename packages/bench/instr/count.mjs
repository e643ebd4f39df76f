/**
 * Instructions per call of each map operation, counted by valgrind's cachegrind: the noise-free
 * way to tell whether a change to a hot path made it slower (wall-clock time on a shared machine
 * moves by more than most such changes).
 *
 *   node packages/bench/instr/count.mjs [--bundle path/to/dist/bundle/index.js]
 *        [--modes striped,syncmap] [--ops get,set,...] [--jobs 1] [--out counts.tsv]
 *
 * For each (mode, op) it runs driver.mjs under cachegrind twice, with LOW and HIGH calls after
 * the same warm-up, and prints (Ir(HIGH) - Ir(LOW)) / (HIGH - LOW): start-up, warm-up and JIT
 * compilation are the same in both runs and cancel. Node runs with --predictable (one thread, a
 * fixed GC schedule and hash seed): with --single-threaded alone a run's total moved by ~5M
 * instructions (±45 a call), with it by ~0.1M (±1 a call). Compare two trees by running both, side by side,
 * in one session (a figure moves by ±100–200 with the bundle's shape, i.e. what V8 inlines).
 * --no-liftoff: the WebAssembly counted is always its optimizing tier's code, which a real run
 * reaches after its first milliseconds. Under --predictable, tier-up is not assured: a harness that
 * instantiated hot.wat a second time counted its baseline code (a direct getNumber call, 360
 * instructions against 240 optimized). The driver's counts were the same either way.
 * The m* ops (mget, mset, mhas, msget, mbget) run the same loop over a plain Map: the reference;
 * bget is sget with its key built per lookup.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ALL_OPS = 'get,getmiss,has,set,setdelete,loadOrStore,swap,CAS,add,update,sget,sset';
const LOW = 20_000;
const HIGH = 120_000;

const args = new Map();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const bundle = args.get('bundle') ?? 'packages/core/dist/bundle/index.js';
const modes = (args.get('modes') ?? 'striped,syncmap').split(',');
const ops = (args.get('ops') ?? ALL_OPS).split(',');
const driver = fileURLToPath(new URL('./driver.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'instr-'));

const run = promisify(execFile);

async function totalInstructions(mode, op, calls) {
  const out = join(dir, `cg.${mode}.${op}.${calls}`);
  await run('valgrind', [
    '--tool=cachegrind', '--cache-sim=no', '--smc-check=all', `--cachegrind-out-file=${out}`,
    process.execPath, '--predictable', '--no-liftoff', driver, bundle, mode, op, String(calls),
  ], { maxBuffer: 1 << 26 });
  const summary = /^summary:\s+(\d+)/m.exec(readFileSync(out, 'utf8'));
  if (summary === null) throw new Error(`no summary line in ${out}`);
  return Number(summary[1]);
}

const cells = modes.flatMap((mode) => ops.map((op) => ({ mode, op })));
const figures = new Map();
let next = 0;
async function worker() {
  while (next < cells.length) {
    const { mode, op } = cells[next++];
    const [high, low] = [await totalInstructions(mode, op, HIGH), await totalInstructions(mode, op, LOW)];
    figures.set(`${mode}\t${op}`, Math.round((high - low) / (HIGH - LOW)));
  }
}
await Promise.all(Array.from({ length: Number(args.get('jobs') ?? 1) }, worker));

const rows = ['mode\top\tinstructions'];
console.log(`instructions per call (${bundle}):`);
for (const { mode, op } of cells) {
  const figure = figures.get(`${mode}\t${op}`);
  rows.push(`${mode}\t${op}\t${figure}`);
  console.log(`  ${mode.padEnd(8)} ${op.padEnd(12)} ${figure}`);
}
rmSync(dir, { recursive: true, force: true });
if (args.has('out')) writeFileSync(args.get('out'), rows.join('\n') + '\n');
