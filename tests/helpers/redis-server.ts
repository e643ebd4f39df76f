/**
 * A real redis-server for one test file, on a port picked at random (other test runs share the
 * machine): no persistence, so a restart starts empty, as after a crash of a cache-only Redis.
 * kill() is SIGKILL (no goodbye to clients), start() again reuses the port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { describe, it } from 'vitest';
import { inCi } from './ci.js';

export const REDIS_SERVER = '/usr/bin/redis-server';
export const haveRedis = existsSync(REDIS_SERVER);

/**
 * describe() for tests that need a redis-server. Without one: under CI the suite fails (CI
 * installs it, so its absence is a broken machine, and a skip would hide every Redis test);
 * elsewhere it is skipped with a loud message.
 */
export function describeWithRedis(name: string, body: () => void): void {
  if (haveRedis) {
    describe(name, body);
    return;
  }
  if (inCi()) {
    describe(name, () => {
      it('has a redis-server to run against', () => {
        throw new Error(`${REDIS_SERVER} is missing and CI is set: install Debian's redis-server package (.ci/run does)`);
      });
    });
    return;
  }
  console.warn(`\n${'!'.repeat(78)}\n!! SKIPPING "${name}": ${REDIS_SERVER} not found. Install it with: apt-get install -y redis-server\n${'!'.repeat(78)}\n`);
  describe.skip(name, body);
}

export class RedisServer {
  readonly port: number;
  #process: ChildProcess | undefined;

  constructor(port = 20_000 + Math.floor(Math.random() * 40_000)) {
    this.port = port;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server and resolves once it answers PING. */
  async start(): Promise<void> {
    const child = spawn(REDIS_SERVER, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#process = child;
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const deadline = Date.now() + 10_000;
    while (!(await ping(this.port))) {
      if (child.exitCode !== null) throw new Error(`redis-server on port ${this.port} exited (${child.exitCode}): ${stderr}`);
      if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not answer within 10 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** SIGKILL, and resolves once the process is gone. */
  async kill(): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }
}

/** True if something on 127.0.0.1:port answers PING with PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}
