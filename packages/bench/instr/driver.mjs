/**
 * One operation in a loop, for instruction counts under cachegrind (count.mjs runs it).
 *
 *   node driver.mjs <bundle index.js> <striped|syncmap> <op> <calls>
 *
 * The map (a ShardedCache for the CACHE_OPS, a Map for the MAP_OPS) holds KEYS int keys (or 16-char string keys for the
 * s* ops), warmed up by WARMUP calls of the same op so the JIT has settled, then runs <calls>
 * more. count.mjs runs it at two call counts and divides the difference of the totals: start-up,
 * warm-up and JIT cost cancel out.
 */
const [bundle, mode, op, callsArg] = process.argv.slice(2);
const { ShardedMap, ShardedCache } = await import(new URL(bundle, `file://${process.cwd()}/`).href);
const KEYS = 1023;
const WARMUP = 300_000;
const calls = Number(callsArg);

// Each cache op is the map op it names, run on a ShardedCache that holds every key (each cget a
// hit), for its hit cost against the map's get (the cache has one engine: `mode` does not apply).
const CACHE_OPS = { cget: 'get', cgetmiss: 'getmiss', chas: 'has', cset: 'set' };
// The m* ops are the op on a plain Map of the same keys: the reference the bars are ratios to.
const MAP_OPS = { mget: 'get', mset: 'set', mhas: 'has', msget: 'sget', mshas: 'shas', msset: 'sset', mbget: 'bget' };
// bget is sget of a string key built per lookup, as a service builds it ('user:' + id + ':profile';
// 13 to 17 code units over ids 0..KEYS-1), against stored keys built the same way.
const BUILT_OPS = { bget: 'sget' };
const mapOp = CACHE_OPS[op] ?? MAP_OPS[op] ?? op;
const built = mapOp in BUILT_OPS;
const strings = mapOp.startsWith('s');
const keyOf = built
  ? (i) => 'user:' + i + ':profile'
  : strings
  ? (() => {
      const ks = [];
      for (let i = 0; i < KEYS; i++) ks.push(('k' + i).padEnd(15, '-') + 'x');
      return (i) => ks[i];
    })()
  : (i) => i;
const map = op in MAP_OPS ? new Map() : op in CACHE_OPS ? ShardedCache.create({ maxEntries: 4 * KEYS, seed: 1 }) : ShardedMap.create({ mode, seed: 1 });
for (let i = 0; i < KEYS; i++) map.set(keyOf(i), i);

const OPS = {
  get: (i) => map.get(i),
  getmiss: (i) => map.get(i + 1_000_000),
  has: (i) => map.has(i),
  set: (i) => map.set(i, i),
  setdelete: (i) => (map.set(i + 1_000_000, i), map.delete(i + 1_000_000)),
  loadOrStore: (i) => map.loadOrStore(i, i),
  swap: (i) => map.swap(i, i),
  CAS: (i) => map.compareAndSwap(i, i, i),
  add: (i) => map.add(i, 0),
  update: (i) => map.update(i, (v) => v),
  sget: (i) => map.get(keyOf(i)),
  sset: (i) => map.set(keyOf(i), i),
  shas: (i) => map.has(keyOf(i)),
};
const fn = OPS[BUILT_OPS[mapOp] ?? mapOp];
if (fn === undefined) throw new Error(`unknown op ${op}: one of ${[...Object.keys(OPS), ...Object.keys(CACHE_OPS), ...Object.keys(MAP_OPS), ...Object.keys(BUILT_OPS)].join(', ')}`);

function loop(n) {
  let sink = 0;
  for (let c = 0, i = 0; c < n; c++) {
    if (fn(i) !== undefined) sink++;
    if (++i === KEYS) i = 0;
  }
  return sink;
}
loop(WARMUP);
loop(calls);
