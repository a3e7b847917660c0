// Starts a real redis-server on 127.0.0.1 with a free port for the integration suites and the bench:
// installs the Debian package first when it is missing (CI runs on a clean machine as root).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createConnection, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Kills the server at once (SIGKILL, like a crash): clients see their connections reset. */
  kill(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open, commands are received but not answered. */
  freeze(): void;
  /** Resumes a frozen server (SIGCONT): it runs and answers what it received meanwhile. */
  thaw(): void;
  /** Starts a new, empty server on the same port. */
  restart(): Promise<void>;
  /** Stops the server (SIGTERM) and waits for its exit. Idempotent. */
  stop(): Promise<void>;
}

/** Makes sure `redis-server` is installed: runs `.ci/ensure-system-packages.sh` when it is not. */
export function ensureRedisServer(): void {
  if (spawnSync('redis-server', ['--version']).status === 0) return;
  const install = spawnSync('bash', ['.ci/ensure-system-packages.sh'], { cwd: repoRoot, stdio: 'inherit' });
  if (install.status !== 0 || spawnSync('redis-server', ['--version']).status !== 0) {
    throw new Error('redis-server is missing and could not be installed: apt-get install redis-server');
  }
}

/** `args`: more `redis-server` arguments, e.g. `['--replicaof', '127.0.0.1', String(primary.port)]`. */
export async function startRedisServer(args: readonly string[] = []): Promise<RedisServer> {
  ensureRedisServer();
  const port = await freePort();
  let child: ChildProcess | undefined = await launch(port, args);
  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    running.kill(signal);
    if (signal !== 'SIGKILL') running.kill('SIGCONT'); // a frozen server acts on SIGTERM only once resumed
    await exited;
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: () => halt('SIGKILL'),
    freeze: () => {
      child?.kill('SIGSTOP');
    },
    thaw: () => {
      child?.kill('SIGCONT');
    },
    stop: () => halt('SIGTERM'),
    restart: async () => {
      await halt('SIGTERM');
      child = await launch(port, args);
    },
  };
}

async function launch(port: number, args: readonly string[]): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--loglevel',
      'warning',
      ...args,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`redis-server exited with ${code} before accepting connections on port ${port}`);
  });
  exited.catch(() => {});
  await Promise.race([waitForPong(port), exited]);
  return child;
}

/** Resolves when the server answers PING, trying every 50 ms for up to 10 s. */
async function waitForPong(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (await ping(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not answer PING on 127.0.0.1:${port} within 10 s`);
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(1_000, () => socket.destroy());
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => {
      resolve(data.toString().startsWith('+PONG'));
      socket.destroy();
    });
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(false));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}
