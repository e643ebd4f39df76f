/**
 * Bundles tsc's output (dist/*.js, one module per concept) into dist/bundle/, which is what the
 * package exports. Why: V8 reads an imported binding through a Cell with a hole check on every
 * use, so each layout constant and helper a hot path imports costs ~5–8 instructions per use;
 * within one module its top-level consts are folded into the code. Bundled, a get() of an int key
 * runs ~20% fewer instructions (cachegrind, 1023 keys: striped 963 -> 753, syncmap 574 -> 459).
 * The sources and tsc's per-module output (with its declarations and source maps) are unchanged.
 *
 * Two bundles: dist/bundle/ ships, with every `killPoint('…');` statement removed
 * (src/kill-points.ts); dist/kill/ keeps them and exports armKillPoint, for the crash tests only.
 */
import { fileURLToPath } from 'node:url';
import { inlineAccessors } from './inline-accessors.mjs';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

/** Removes kill-point statements and the import that brings them (shipped bundle only). */
function stripKillPoints() {
  return {
    name: 'strip-kill-points',
    transform(code, id) {
      if (!id.includes('/dist/')) return null;
      const out = code
        .replace(/^\s*killPoint\('[\w.-]+'\);[^\n]*\n/gm, '')
        .replace(/^import \{ killPoint \} from '[./]+kill-points\.js';\n/m, '');
      if (/\bkillPoint\(/.test(out) && !id.endsWith('kill-points.js')) this.error(`${id}: a killPoint() call the strip pattern does not match`);
      return { code: out, map: null };
    },
  };
}

const bundle = (dir, input, plugins) => ({
  input,
  external: ['cbor-x'],
  plugins,
  output: {
    dir: here(dir),
    format: 'es',
    // Every module but testing.ts in one chunk, map.js, which the entries import: one copy of
    // every module's state, and no internal binding exported between chunks. A binding a chunk
    // exports is a module Cell even inside that chunk (each use a load and a hole check, not a
    // folded constant): when the cache, which only the index entry reaches, got a chunk of its
    // own, the ~50 layout constants and helpers it imports from the map's chunk made a striped
    // get() of an int key 711 -> 885 instructions (cachegrind, 1023 keys).
    manualChunks: (id) => (id.includes('/dist/') && !id.endsWith('/dist/testing.js') ? 'map' : undefined),
    chunkFileNames: '[name].js',
    sourcemap: true,
  },
});

/** Modules whose one-expression helpers the bundle inlines at every call (inline-accessors.mjs). */
const INLINED = ['dist/layout.js', 'dist/control.js', 'dist/tags.js', 'dist/syncmap/cells.js'].map(here);

export default [
  bundle('dist/bundle', { index: here('dist/index.js'), testing: here('dist/testing.js') }, [stripKillPoints(), inlineAccessors(INLINED)]),
  bundle('dist/kill', { index: here('dist/index.js'), testing: here('dist/testing.js'), 'kill-points': here('dist/kill-points.js') }, [inlineAccessors(INLINED)]),
];
