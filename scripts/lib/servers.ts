// Real servers for the scale-out tests and fault scripts: redis-server and nginx from Debian on free loopback ports in temp folders, and paperscope children.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROJECT_ROOT as ROOT } from '../../src/config.js';

export const REDIS_SERVER = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));
export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
export const RSYNC = ['/usr/bin/rsync'].find((p) => existsSync(p));
export const CLI = path.join(ROOT, 'scripts', 'paperscope.js');

/** A port nothing listens on right now (the OS picks it; a tiny window remains before the server binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A child process with its output collected (and echoed with a prefix when DEBUG_SERVERS is set). */
export interface Child {
  proc: ChildProcess;
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(sig?: NodeJS.Signals): Promise<void>;
}

export function startChild(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; name?: string; cwd?: string } = {}): Child {
  const proc = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const onData = (d: Buffer) => {
    out += d;
    if (process.env.DEBUG_SERVERS) process.stderr.write(`[${opts.name ?? path.basename(cmd)}] ${d}`);
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('close', (code, signal) => resolve({ code, signal })));
  return {
    proc,
    output: () => out,
    exited,
    kill: async (sig = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(sig);
      await exited;
    },
  };
}

/** Runs `paperscope ARGS` as a child, with the model and index settings of the caller's environment cleared. */
export function paperscope(args: string[], env: NodeJS.ProcessEnv = {}, name = 'paperscope'): Child {
  return startChild(process.execPath, [CLI, ...args], { env: { ...process.env, PAPERSCOPE_MODEL: '', PAPERSCOPE_INDEX: '', PAPERSCOPE_QUEUE: '', ...env }, name });
}

/**
 * Starts `paperscope serve ARGS --port 0 --json` and resolves once it listens, with the URL of its first JSON line
 * on stdout; rejects with its last line of output when it exits first.
 */
export async function startServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ child: Child; url: string }> {
  const child = paperscope(['serve', ...args, '--port', '0', '--json'], env, 'serve');
  let stdout = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.proc.stdout!.on('data', (d: Buffer) => {
      stdout += d;
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    void child.exited.then(({ code }) => reject(new Error(`serve exited ${code}: ${child.output().trim().split('\n').pop()}`)));
  });
  return { child, url };
}

export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 60_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export interface RedisServer {
  port: number;
  url: string;
  dir: string;
  child: Child;
  /** Stops the server (SIGKILL: nothing saved) and starts it again on the same port. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** redis-server on a free port, no persistence (a restart loses everything: the worst case). */
export async function startRedis(dir: string, extra: string[] = [], opts: { tlsPort?: boolean } = {}): Promise<RedisServer> {
  if (!REDIS_SERVER) throw new Error('redis-server is not installed');
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  const portArgs = opts.tlsPort ? ['--port', '0', '--tls-port', String(port)] : ['--port', String(port)];
  const args = [...portArgs, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extra];
  const launch = async (): Promise<Child> => {
    const c = startChild(REDIS_SERVER, args, { name: 'redis' });
    await waitFor('redis-server to accept connections', () => /Ready to accept connections/.test(c.output()) || c.proc.exitCode !== null, 20_000);
    if (c.proc.exitCode !== null) throw new Error(`redis-server exited:\n${c.output()}`);
    return c;
  };
  const server: RedisServer = {
    port,
    url: `${opts.tlsPort ? 'rediss' : 'redis'}://127.0.0.1:${port}/0`,
    dir,
    child: await launch(),
    async restart(downMs = 0) {
      await server.child.kill('SIGKILL');
      if (downMs) await sleep(downMs);
      server.child = await launch();
    },
    stop: () => server.child.kill('SIGKILL'),
  };
  return server;
}

/** A self-signed CA and a server certificate for 127.0.0.1, made with the openssl command. */
export async function makeTlsCerts(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  await mkdir(dir, { recursive: true });
  const f = (n: string) => path.join(dir, n);
  const ossl = (...a: string[]) => execFileSync('openssl', a, { stdio: 'pipe' });
  ossl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=paperscope test CA', '-keyout', f('ca.key'), '-out', f('ca.crt'));
  ossl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', f('server.key'), '-out', f('server.csr'));
  await writeFile(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ossl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f('ext.cnf'), '-out', f('server.crt'));
  return { ca: f('ca.crt'), cert: f('server.crt'), key: f('server.key') };
}

export interface Nginx {
  port: number;
  url: string;
  child: Child;
  stop(): Promise<void>;
}

/**
 * nginx with the repository's deploy/nginx.conf, the only changes being the ports: its listen port and the
 * upstream servers (in the file: 8080, and 8081 and 8082).
 */
export async function startNginx(dir: string, upstreamPorts: number[]): Promise<Nginx> {
  if (!NGINX) throw new Error('nginx is not installed');
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  const conf = nginxConfFor(readFileSync(path.join(ROOT, 'deploy', 'nginx.conf'), 'utf8'), port, upstreamPorts);
  const file = path.join(dir, 'nginx.conf');
  await writeFile(file, conf);
  const child = startChild(NGINX, ['-p', dir, '-c', file, '-e', 'stderr', '-g', 'daemon off;'], { name: 'nginx' });
  await waitFor('nginx to listen', async () => {
    if (child.proc.exitCode !== null) throw new Error(`nginx exited:\n${child.output()}`);
    try {
      await fetch(`http://127.0.0.1:${port}/nginx-ping`);
      return true;
    } catch {
      return false;
    }
  }, 20_000);
  return { port, url: `http://127.0.0.1:${port}`, child, stop: () => child.kill('SIGQUIT') };
}

/** deploy/nginx.conf with other ports: the listen line and the upstream server lines, nothing else. */
export function nginxConfFor(conf: string, listenPort: number, upstreamPorts: number[]): string {
  const servers = conf.match(/^\s*server 127\.0\.0\.1:\d+[^\n]*$/gm) ?? [];
  if (servers.length < 1) throw new Error('deploy/nginx.conf has no "server 127.0.0.1:PORT" upstream lines');
  const template = servers[0]!;
  let out = conf.replace(/^(\s*listen )(?:127\.0\.0\.1:)?\d+/m, `$1127.0.0.1:${listenPort}`);
  const lines = upstreamPorts.map((p) => template.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${p}`)).join('\n');
  out = out.replace(servers.join('\n'), lines);
  if (!out.includes(lines)) throw new Error('the upstream server lines of deploy/nginx.conf are not consecutive');
  return out;
}
