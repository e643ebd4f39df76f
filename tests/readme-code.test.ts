/**
 * Docs that run: the TypeScript and JavaScript blocks of every README (the root's and each
 * package's) are written out as the files their `// name.ts` / `// name.js` comments name (a block
 * without one is `main.ts`), type-checked strictly against the built packages, and — for a block
 * with a `main.ts` — compiled and run with Node, which must exit cleanly. A block for a page
 * (it imports a `/browser` entry) is type-checked against the DOM lib and not run: no browser here.
 * Blocks that talk to Redis read REDIS_URL: a redis-server started here, on a random port.
 * Other fences must be shell (`sh`) or plain text. A README example that stops compiling or running
 * fails here.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from './helpers/redis-server.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const READMES = ['README.md', 'packages/core/README.md', 'packages/workers/README.md', 'packages/harness/README.md', 'packages/bench/README.md', 'packages/redis/README.md'];
/** Fences whose contents are not code to run: shell commands, plain text (layouts, output). */
const NOT_CODE = new Set(['sh', '']);

interface Block {
  readme: string;
  index: number;
  files: Map<string, string>;
}

/** Every fence's language in `readme` ('' for none). */
function fencesOf(readme: string): string[] {
  const text = readFileSync(join(root, readme), 'utf8');
  return [...text.matchAll(/^```(\w*)\n[\s\S]*?^```$/gm)].map((match) => match[1]!);
}

/** The ```ts and ```js blocks of `readme`, each split into files at its `// name.ts` / `// name.js` lines. */
function blocksOf(readme: string): Block[] {
  const text = readFileSync(join(root, readme), 'utf8');
  const blocks: Block[] = [];
  for (const [index, match] of [...text.matchAll(/^```(ts|js)\n([\s\S]*?)^```$/gm)].entries()) {
    const files = new Map<string, string>();
    let name = match[1] === 'js' ? 'main.js' : 'main.ts';
    for (const line of match[2]!.split('\n')) {
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
  const redis = new RedisServer();
  beforeAll(async () => {
    await redis.start();
    process.env.REDIS_URL = redis.url; // inherited by the blocks' node processes
  });
  afterAll(async () => {
    delete process.env.REDIS_URL;
    await redis.kill();
  });

  it('there are blocks to check, and every other fence is shell or plain text', () => {
    const count = (readme: string) => all.filter((block) => block.readme === readme).length;
    expect(count('README.md')).toBeGreaterThanOrEqual(2);
    expect(count('packages/core/README.md')).toBeGreaterThanOrEqual(1);
    expect(count('packages/workers/README.md')).toBeGreaterThanOrEqual(2);
    expect(count('packages/harness/README.md')).toBeGreaterThanOrEqual(3);
    expect(count('packages/redis/README.md')).toBeGreaterThanOrEqual(1);
    for (const readme of READMES) {
      expect(fencesOf(readme).filter((lang) => lang !== 'ts' && lang !== 'js' && !NOT_CODE.has(lang)), readme).toEqual([]);
      expect(fencesOf(readme).filter((lang) => lang === 'ts' || lang === 'js').length, readme).toBe(count(readme));
    }
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
    if ([...block.files.keys()].some((name) => name.endsWith('.ts'))) expect(await run([tsc, '-p', 'tsconfig.json', '--pretty', 'false'], dir), 'tsc').toBe('');
    if (!browser && (block.files.has('main.ts') || block.files.has('main.js'))) expect(await run(['out/main.js'], dir), 'node main.js').toBe('');
    rmSync(dir, { recursive: true, force: true });
  });
});
