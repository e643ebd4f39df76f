/**
 * What the published packages hold, checked on the tarballs `pnpm pack` makes (after the global
 * setup's build): publint and arethetypeswrong find nothing, the file lists hold only what users
 * need, and a strict Node project without the DOM lib type-checks against `@shardmap/workers`
 * and imports it without comlink installed (comlink is an optional peer, for the comlink entries).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PACKAGES = { core: '@shardmap/core', workers: '@shardmap/workers', redis: '@shardmap/redis' } as const;
type Dir = keyof typeof PACKAGES;

let temp: string;
const tarballs = {} as Record<Dir, string>;
const files = {} as Record<Dir, string[]>;

function tool(script: string, args: string[], cwd = ROOT): string {
  return execFileSync(process.execPath, [join(ROOT, 'node_modules', script), ...args], { cwd, encoding: 'utf8', stdio: 'pipe' });
}

beforeAll(() => {
  temp = mkdtempSync(join(tmpdir(), 'shardmap-pack-'));
  for (const dir of Object.keys(PACKAGES) as Dir[]) {
    const before = new Set(readdirSync(temp));
    execFileSync('pnpm', ['pack', '--pack-destination', temp], { cwd: join(ROOT, 'packages', dir), stdio: 'pipe' });
    const made = readdirSync(temp).filter((f) => f.endsWith('.tgz') && !before.has(f));
    expect(made).toHaveLength(1);
    tarballs[dir] = join(temp, made[0]!);
    files[dir] = execFileSync('tar', ['tzf', tarballs[dir]], { encoding: 'utf8' }).split('\n').filter((f) => f !== '' && !f.endsWith('/'));
  }
}, 120_000);
afterAll(() => {
  if (temp !== undefined) rmSync(temp, { recursive: true, force: true });
});

describe.each(Object.keys(PACKAGES) as Dir[])('the %s tarball', (dir) => {
  it('holds no .tsbuildinfo, and a LICENSE, README and package.json', () => {
    expect(files[dir].filter((f) => f.includes('tsbuildinfo'))).toEqual([]);
    expect(files[dir]).toEqual(expect.arrayContaining(['package/LICENSE', 'package/README.md', 'package/package.json']));
  });

  it('passes publint, suggestions included', async () => {
    const tarball = readFileSync(tarballs[dir]);
    const { messages, pkg } = await publint({ pack: { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength) as ArrayBuffer }, level: 'suggestion', strict: true });
    expect(messages.map((m) => `${m.type}: ${formatMessage(m, pkg) ?? m.code}`)).toEqual([]);
  });

  it('passes arethetypeswrong (ESM only: every entry resolves with types under node16 and bundlers)', () => {
    let output = '';
    try {
      output = tool('@arethetypeswrong/cli/dist/index.js', [tarballs[dir], '--profile', 'esm-only', '--format', 'ascii', '--no-color']);
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      expect.fail(`attw found problems in ${PACKAGES[dir]}:\n${stdout ?? ''}${stderr ?? ''}`);
    }
    // Under esm-only, CommonJS resolution (node10, node16 from require) is out of scope: what
    // attw lists there is marked "(ignored per resolution)", and it exits 0.
    expect(output).toMatch(/ignoring resolutions: 'node10', 'node16-cjs'|No problems found/);
  });

  it('holds the published package.json: license, repository, engines, keywords, sideEffects', () => {
    const pkg = JSON.parse(execFileSync('tar', ['xzOf', tarballs[dir], 'package/package.json'], { encoding: 'utf8' }));
    expect(pkg).toMatchObject({ name: PACKAGES[dir], license: 'MIT', engines: { node: '>=20' }, type: 'module' });
    expect(pkg.repository).toMatchObject({ type: 'git', directory: `packages/${dir}` });
    expect(pkg.keywords.length).toBeGreaterThan(0);
    expect(pkg).toHaveProperty('sideEffects');
    expect(JSON.stringify(pkg)).not.toContain('workspace:');
  });
});

describe('the core tarball', () => {
  it('ships the bundle, declarations and maps, and none of the unbundled modules', () => {
    const js = files.core.filter((f) => f.endsWith('.js'));
    expect(js.length).toBeGreaterThan(0);
    expect(js.filter((f) => !f.startsWith('package/dist/bundle/'))).toEqual([]);
    expect(files.core).toEqual(expect.arrayContaining(['package/dist/bundle/index.js', 'package/dist/bundle/testing.js', 'package/dist/index.d.ts', 'package/dist/testing.d.ts']));
    expect(files.core.filter((f) => !/^package\/(dist\/bundle\/[\w-]+\.js(\.map)?|dist\/([\w-]+\/)*[\w.-]+\.d\.ts(\.map)?|src\/([\w-]+\/)*[\w.-]+\.ts|src\/wasm\/[\w.-]+\.wat|LICENSE|README\.md|package\.json)$/.test(f))).toEqual([]);
    expect(files.core.some((f) => f.includes('dist/kill/')), 'the test build with kill points never ships').toBe(false);
  });
});

describe('the workers tarball', () => {
  it("ships the modules its entries and threads load, with comlink and core as peers", () => {
    // pool/entry-cjs.cjs is piscina's filename (CommonJS on purpose, see its header).
    expect(files.workers).toEqual(expect.arrayContaining(['package/dist/index.js', 'package/dist/pool/entry.js', 'package/dist/pool/entry-cjs.cjs', 'package/dist/comlink/node-map-worker.js']));
    expect(files.workers.filter((f) => !/^package\/(dist\/.+\.(js|cjs|js\.map|d\.ts|d\.ts\.map)|src\/.+\.c?ts|LICENSE|README\.md|package\.json)$/.test(f))).toEqual([]);
    const pkg = JSON.parse(execFileSync('tar', ['xzOf', tarballs.workers, 'package/package.json'], { encoding: 'utf8' }));
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['piscina']);
    expect(Object.keys(pkg.peerDependencies).sort()).toEqual(['@shardmap/core', 'comlink']);
    expect(pkg.peerDependenciesMeta).toEqual({ comlink: { optional: true } });
  });
});

describe('the redis tarball', () => {
  it('ships its modules and the testing entry, with node-redis as its one dependency and core as a peer', () => {
    expect(files.redis).toEqual(expect.arrayContaining(['package/dist/index.js', 'package/dist/testing.js', 'package/dist/index.d.ts', 'package/README.md']));
    expect(files.redis.filter((f) => !/^package\/(dist\/.+\.(js|js\.map|d\.ts|d\.ts\.map)|src\/.+\.ts|LICENSE|README\.md|package\.json)$/.test(f))).toEqual([]);
    const pkg = JSON.parse(execFileSync('tar', ['xzOf', tarballs.redis, 'package/package.json'], { encoding: 'utf8' }));
    expect(Object.keys(pkg.dependencies)).toEqual(['redis']);
    expect(Object.keys(pkg.peerDependencies)).toEqual(['@shardmap/core']);
  });
});

describe('a Node project that installs the tarballs, without comlink and without the DOM lib', () => {
  let project: string;
  beforeAll(() => {
    project = join(temp, 'project');
    const modules = join(project, 'node_modules');
    for (const dir of Object.keys(PACKAGES) as Dir[]) {
      const into = join(modules, PACKAGES[dir]);
      mkdirSync(into, { recursive: true });
      execFileSync('tar', ['xzf', tarballs[dir], '-C', into, '--strip-components=1']);
    }
    // Their dependencies as the workspace resolved them; not comlink, an optional peer.
    const link = (name: string, from: string) => {
      mkdirSync(dirname(join(modules, name)), { recursive: true });
      symlinkSync(realpathSync(join(ROOT, from, 'node_modules', name)), join(modules, name), 'dir');
    };
    link('cbor-x', 'packages/core');
    link('piscina', 'packages/workers');
    link('@types/node', '.');
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, skipLibCheck: false, lib: ['es2022'], types: ['node'],
        target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext',
      },
      files: ['main.ts'],
    }));
    writeFileSync(join(project, 'main.ts'), [
      "import { ShardedMap, type ShardMapError } from '@shardmap/core';",
      "import { createMapPool, nodeEndpoint, type MapPoolOptions, type MapPoolStats, type WorkersErrorCode } from '@shardmap/workers';",
      "import { mapsInWorker } from '@shardmap/workers/worker';",
      "import { Worker } from 'node:worker_threads';",
      '',
      "const users = ShardedMap.create<string, number>({ keys: 'string', values: 'number' });",
      "const options: MapPoolOptions<{ users: typeof users }> = { maps: { users }, threads: 2, maxQueue: 8, resourceLimits: { maxOldGenerationSizeMb: 64 } };",
      'const pool = createMapPool(options);',
      'const stats: MapPoolStats = pool.stats;',
      "const code: WorkersErrorCode | ShardMapError['code'] = 'ERR_SHARDMAP_FULL';",
      "const endpoint = nodeEndpoint(new Worker('data:text/javascript,'));",
      'export { code, endpoint, mapsInWorker, stats };',
      'await pool.close();',
      '',
    ].join('\n'));
  });

  it('imports @shardmap/workers and runs a pool with comlink absent', () => {
    writeFileSync(join(project, 'run.mjs'), [
      "import { ShardedMap } from '@shardmap/core';",
      "import { createMapPool } from '@shardmap/workers';",
      "import { writeFileSync } from 'node:fs';",
      "writeFileSync(new URL('./task.mjs', import.meta.url), 'export default (task, { m }) => m.add(task, 1);');",
      'const m = ShardedMap.create();',
      "const pool = createMapPool({ maps: { m }, threads: 1, filename: new URL('./task.mjs', import.meta.url) });",
      "await Promise.all([pool.run('k'), pool.run('k')]);",
      'await pool.close();',
      "let comlink = 'absent';",
      "try { await import('comlink'); comlink = 'present'; } catch {}",
      "console.log(JSON.stringify({ k: m.get('k'), comlink }));",
    ].join('\n'));
    const out = execFileSync(process.execPath, ['run.mjs'], { cwd: project, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ k: 2, comlink: 'absent' });
  });
  it('type-checks a strict TS file importing @shardmap/workers with lib es2022 and no DOM, comlink installed or not', () => {
    // With comlink installed too (as in a project that uses it elsewhere), its declarations, which
    // name DOM types, must not be reached from the main or worker entry.
    symlinkSync(realpathSync(join(ROOT, 'packages/workers/node_modules/comlink')), join(project, 'node_modules/comlink'), 'dir');
    try {
      tool('typescript/bin/tsc', ['-p', project]);
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      expect.fail(`tsc failed:\n${stdout ?? ''}${stderr ?? ''}`);
    }
  });

});
