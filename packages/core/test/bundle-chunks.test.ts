/**
 * The bundles keep every module in one chunk (rollup.config.mjs): a binding one chunk exports to
 * another is a module Cell in both, so each use on a hot path is a load and a hole check instead
 * of a folded constant. The cache once got a chunk of its own and ~50 layout constants and probe
 * helpers became exports of the map's chunk: a striped int get() ran 711 -> 885 instructions.
 * So the shared chunk, map.js, may export only what the entries hand on, and no entry holds code
 * of its own beyond testing.ts's two wrappers.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (dir: string, file: string): string => readFileSync(new URL(`../dist/${dir}/${file}`, import.meta.url), 'utf8');

/** The local names a chunk exports (`export { a as B, c };` → a, c). */
const exportedNames = (code: string): string[] => {
  const names: string[] = [];
  for (const m of code.matchAll(/^export \{([^}]*)\};?$/gm)) {
    for (const part of m[1]!.split(',')) if (part.trim() !== '') names.push(part.trim().split(/\s+as\s+/)[0]!);
  }
  return names.sort();
};

describe.each([
  ['bundle', ['ShardedCache', 'ShardedMap', 'createMap', 'setCanWait', 'threadToken']],
  // The test build's kill-points entry re-exports its module whole, killPoint included.
  ['kill', ['ShardedCache', 'ShardedMap', 'armKillPoint', 'createMap', 'disarmKillPoint', 'killPoint', 'resumeKillPoint', 'setCanWait', 'threadToken', 'traceKillPoints']],
])('dist/%s', (dir, entryBindings) => {
  it('map.js exports only what the entries re-export or wrap', () => {
    const names = exportedNames(read(dir, 'map.js'));
    expect(names.filter((name) => !entryBindings.includes(name))).toEqual([]);
  });

  it('index.js is a re-export of map.js, with no code of its own', () => {
    const code = read(dir, 'index.js').replace(/^\/\/.*$/gm, '').trim();
    for (const line of code.split('\n')) expect(line).toMatch(/^(export \{[^}]*\} from '\.\/map\.js';|import 'cbor-x';)$/);
  });
});
