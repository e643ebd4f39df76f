/**
 * The bundle inlines layout.ts's offset accessors (and control.ts's, tags.ts's and
 * syncmap/cells.ts's one-expression helpers) at every call (inline-accessors.mjs): what the rule
 * rewrites, what it must leave a call, and that the shipped bundles carry no call it could have
 * rewritten.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parseAst } from 'rollup/parseAst';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build plugin, no declarations
import { inlineAccessors } from '../inline-accessors.mjs';

const here = (path: string): string => new URL(path, import.meta.url).pathname;

/** Runs the plugin's renderChunk over `code` as if it were a chunk holding `accessorsModule`. */
function inline(code: string, accessorsModule: string): string {
  const dir = here('../dist/');
  const path = `${dir}__inline-test-${Math.random().toString(36).slice(2)}.js`;
  writeFileSync(path, accessorsModule);
  try {
    const plugin = inlineAccessors([path]);
    const out = plugin.renderChunk.call({ parse: (c: string) => parseAst(c) }, code, { moduleIds: [path] });
    return out === null ? code : out.code;
  } finally {
    rmSync(path);
  }
}

const ACCESSORS = 'export const word = (at, field) => (at >> 2) + field;\nexport const twice = (x) => x + x;\nexport const nested = (t) => word(t, 1) + K;\n';
const CHUNK_DEFS = 'const K = 8;\nconst word = (at, field) => (at >> 2) + field;\nconst twice = (x) => x + x;\nconst nested = (t) => word(t, 1) + K;\n';

describe('inline-accessors', () => {
  it('puts the arguments in for the parameters, parenthesised, and repeats through nested accessors', () => {
    const out = inline(CHUNK_DEFS + 'export const f = (i32, a, b) => i32[word(a + 4, 2)] + nested(b);\n', ACCESSORS);
    const f = new Function(out.replace(/^export /gm, '') + '; return f;')() as (i32: number[], a: number, b: number) => number;
    expect(out).not.toMatch(/[^\w](word|nested)\(a|[^\w]nested\(b/);
    expect(out).toContain('i32[(((a + 4) >> 2) + (2))]');
    const i32 = Array.from({ length: 16 }, (_, i) => i * 10);
    expect(f(i32, 8, 12)).toBe(i32[((8 + 4) >> 2) + 2]! + ((12 >> 2) + 1 + 8));
  });

  it('leaves a call whose argument has side effects when the body uses a parameter twice', () => {
    const out = inline(CHUNK_DEFS + 'let n = 0;\nexport const g = () => twice(n++) + twice(n);\n', ACCESSORS);
    expect(out).toContain('twice(n++)'); // inlined it would run n++ twice
    expect(out).toContain('((n) + (n))');
    const g = new Function(out.replace(/^export /gm, '') + '; return g;')() as () => number;
    expect(g()).toBe(0 + 0 + 1 + 1);
  });

  it('inlines a side-effecting argument when the body uses each parameter once, in order', () => {
    const out = inline(CHUNK_DEFS + 'let n = 0;\nexport const h = () => word(n++, n++);\n', ACCESSORS);
    expect(out).toContain('(((n++) >> 2) + (n++))');
  });

  it('fails the build when a name an accessor body uses is declared again inside the chunk', () => {
    expect(() => inline(CHUNK_DEFS + 'export function bad(t) { const K = 1; return nested(t) + K; }\n', ACCESSORS)).toThrow(/K, named by a layout accessor, is declared again/);
  });

  it('fails the build when an accessor is not a top-level binding of the chunk', () => {
    expect(() => inline('const word$1 = (at, field) => (at >> 2) + field;\nexport const f = (a) => word$1(a, 0);\n', 'export const word = (at, field) => (at >> 2) + field;\n')).toThrow(/word is not a top-level binding/);
  });

  it.each(['bundle', 'kill'])("dist/%s/map.js calls layout.ts's accessors only where the rule forbids inlining", (dir) => {
    const names = [...readFileSync(here('../dist/layout.js'), 'utf8').matchAll(/^export const (\w+) = \([^)]*\) => [^{]/gm)].map((m) => m[1]!);
    expect(names).toEqual(expect.arrayContaining(['slotWord', 'shardWord', 'slotOffset', 'cellWord']));
    const code = readFileSync(here(`../dist/${dir}/map.js`), 'utf8')
      .split('\n')
      .filter((line) => !/^const \w+ = \(/.test(line) && !/^\s*(\/\/|\/?\*)/.test(line)) // definitions and comments
      .join('\n');
    const calls = [...code.matchAll(new RegExp(`(?<![\\w.#$])(${names.join('|')})\\(([^;]*)`, 'g'))].map((m) => `${m[1]}(${m[2]}`);
    // Both are left because an argument is a call and the body uses the parameters out of order
    // (slotIndex) or one twice (tableBytes).
    for (const call of calls) expect(call).toMatch(/^(slotIndex|tableBytes)\([^)]*\(/);
  });
});
