/**
 * Docs that run: the TypeScript blocks of the READMEs a user reads first (the root README and
 * @shardmap/core's) are written out as the files their `// name.ts` comments name, type-checked
 * strictly against the built packages, and — for a block with a `main.ts` — compiled and run with
 * Node, which must exit cleanly. A README example that stops compiling or running fails here.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const READMES = ['README.md', 'packages/core/README.md'];

interface Block {
  readme: string;
  index: number;
  files: Map<string, string>;
}

/** The ```ts blocks of `readme`, each split into files at its `// name.ts` / `// name.js` lines. */
function blocksOf(readme: string): Block[] {
  const text = readFileSync(join(root, readme), 'utf8');
  const blocks: Block[] = [];
  for (const [index, match] of [...text.matchAll(/```ts\n([\s\S]*?)```/g)].entries()) {
    const files = new Map<string, string>();
    let name = 'block.ts';
    for (const line of match[1]!.split('\n')) {
      const marker = /^\/\/ ([\w-]+\.(?:ts|js))\b/.exec(line);
      if (marker) name = marker[1]!;
      files.set(name, `${files.get(name) ?? ''}${line}\n`);
    }
    blocks.push({ readme, index, files });
  }
  return blocks;
}

const run = (args: string[], cwd: string) =>
  promisify(execFile)(process.execPath, args, { cwd, timeout: 60_000 }).then(
    () => '',
    (error: { stdout?: string; stderr?: string; message?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}${error.message ?? ''}`,
  );

const all = READMES.flatMap(blocksOf);

describe('README code blocks compile and run', () => {
  it('there are blocks to check', () => {
    expect(all.length).toBeGreaterThanOrEqual(3);
  });

  it.each(all.map((b) => [`${b.readme} block ${b.index + 1} (${[...b.files.keys()].join(', ')})`, b] as const))('%s', async (_, block) => {
    // Inside tests/, so that @shardmap/* resolve to the workspace's built packages.
    const dir = join(root, 'tests', '.readme', `${block.readme.replace(/\W+/g, '-')}-${block.index}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    mkdirSync(join(dir, 'out'));
    for (const [name, code] of block.files) {
      writeFileSync(join(dir, name), code);
      if (name.endsWith('.js')) writeFileSync(join(dir, 'out', name), code); // plain JS runs as it is
    }
    const browser = [...block.files.values()].some((code) => code.includes('/browser'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, allowJs: true, checkJs: false,
          lib: browser ? ['ES2024', 'DOM'] : ['ES2024'], types: browser ? [] : ['node'], outDir: 'out', rootDir: '.', noEmit: browser,
        },
        include: ['./*.ts'],
      }),
    );
    expect(await run([tsc, '-p', 'tsconfig.json', '--pretty', 'false'], dir), 'tsc').toBe('');
    if (block.files.has('main.ts')) expect(await run(['out/main.js'], dir), 'node main.js').toBe('');
    rmSync(dir, { recursive: true, force: true });
  });
});
