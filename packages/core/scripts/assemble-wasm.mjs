/**
 * Fragments. A `;; @define NAME` ... `;; @end` block (outside the module) is spliced in place of
 * each `;; @use NAME` line (`;; @use NAME k=3` also fills {k}-placeholders): the inlining V8 does
 * not do across wasm calls on Node 20, and the unrolling of loops over parameters. A line
 * `;; @include NAME.frag.wat` stands for that file's text: fragments kept in a file of their own
 * (a .frag.wat file is not a module and is not assembled alone).
 *
 * Assembles every src/wasm/*.wat into src/wasm/<name>.bytes.ts, a module exporting the binary as
 * a Uint8Array literal: the package ships its WebAssembly inside its JavaScript, so bundlers,
 * browsers and workers load it as they load the rest (no fetch of a .wasm file at run time).
 * Runs before tsc in `prepare` and `build`; offline (wabt is a devDependency).
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import initWabt from 'wabt';

function expandFragments(source, file) {
  const fragments = new Map();
  // `;; @include NAME.frag.wat`: that file's text here (its fragments, for this module to use).
  source = source.replace(/^;; @include ([\w.-]+\.frag\.wat)\n/gm, (_, name) => readFileSync(dir + name, 'utf8'));
  let body = source.replace(/^;; @define (\w+)\n([\s\S]*?)^;; @end\n/gm, (_, name, text) => (fragments.set(name, text), ''));
  // `;; @use NAME k=3`: {k}, {k*4}, {k*2+1} in the fragment become 3, 12, 7. Fragments may use fragments.
  for (let pass = 0; /;; @use /.test(body); pass++) {
    if (pass > 8) throw new Error(`${file}: @use nested too deep`);
    body = body.replace(/^\s*;; @use (\w+)(?: k=(\d+))?\n/gm, (_, name, k) => {
      if (!fragments.has(name)) throw new Error(`${file}: @use ${name} has no @define`);
      return fragments.get(name).replace(/\{k(?:\*(\d+))?(?:\+(\d+))?\}/g, (_, times, plus) => String(Number(k) * Number(times ?? 1) + Number(plus ?? 0)));
    });
  }
  return body;
}

const dir = fileURLToPath(new URL('../src/wasm/', import.meta.url));
const wabt = await initWabt();
for (const file of readdirSync(dir).filter((f) => f.endsWith('.wat') && !f.endsWith('.frag.wat'))) {
  const name = file.slice(0, -'.wat'.length);
  const parsed = wabt.parseWat(file, expandFragments(readFileSync(dir + file, 'utf8'), file), { threads: true });
  const bytes = parsed.toBinary({}).buffer;
  parsed.destroy();
  new WebAssembly.Module(bytes); // validates: a bad module fails the build, not the first call
  const rows = [];
  for (let i = 0; i < bytes.length; i += 24) rows.push('  ' + Array.from(bytes.subarray(i, i + 24)).join(', ') + ',');
  const out = `// Generated from ${file} by scripts/assemble-wasm.mjs: do not edit.\nexport const ${name.replace(/-(\w)/g, (_, c) => c.toUpperCase())}Wasm = new Uint8Array([\n${rows.join('\n')}\n]);\n`;
  const target = `${dir}${name}.bytes.ts`;
  let previous = '';
  try { previous = readFileSync(target, 'utf8'); } catch {}
  if (previous !== out) writeFileSync(target, out); // unchanged: keep tsc's incremental build
}
