// Starts a real `hoptrace serve` for one test: loopback only, ephemeral ports, a fresh temporary
// data dir; stop() always ends the process (SIGTERM, then SIGKILL) and removes the data dir.
//
// The binary: $HOPTRACE_BIN (CTest sets it to the target just built), else the newest
// <repo>/build*/hoptrace.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function findBinary() {
  if (process.env.HOPTRACE_BIN) return process.env.HOPTRACE_BIN;
  let best = null;
  for (const d of fs.readdirSync(repoRoot).filter((d) => d.startsWith('build'))) {
    const f = path.join(repoRoot, d, 'hoptrace');
    try {
      const st = fs.statSync(f);
      if (st.isFile() && (!best || st.mtimeMs > best.mtimeMs)) best = { f, mtimeMs: st.mtimeMs };
    } catch {}
  }
  if (!best) throw new Error('no hoptrace binary: set HOPTRACE_BIN or build the project under build*/');
  return best.f;
}

// A port that was free a moment ago on 127.0.0.1.
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The servers this process started and not yet stopped, so that a test runner that dies or is
// interrupted does not leave one behind (nor, best effort, its temporary dir).
const running = new Map();  // child -> temporary dir
process.on('exit', () => {
  for (const [child, tmp] of running) {
    try {
      child.kill('SIGKILL');
      fs.rmSync(tmp, { recursive: true, force: true });
    } catch {}
  }
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => process.exit(128 + (signal === 'SIGINT' ? 2 : 15)));
}

// extraArgs: more `hoptrace serve` flags after the ones above (e.g. ['--diagnose-after', '1s']).
export async function startServer({ readyMs = 20000, extraArgs = [] } = {}) {
  const bin = findBinary();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hoptrace-clients-'));
  const dataDir = path.join(tmp, 'data');
  const logPath = path.join(tmp, 'serve.log');
  const httpPort = await freePort();
  const grpcPort = await freePort();
  const args = ['serve', '--data', dataDir, '--http', `127.0.0.1:${httpPort}`,
                '--grpc', `127.0.0.1:${grpcPort}`, ...extraArgs];
  const log = fs.openSync(logPath, 'a');
  const child = spawn(bin, args, { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  running.set(child, tmp);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.once('exit', () => running.delete(child));

  const server = {
    base: `http://127.0.0.1:${httpPort}`,
    httpPort,
    grpcPort,
    dataDir,
    log: () => {
      try {
        return fs.readFileSync(logPath, 'utf8');
      } catch {
        return '';
      }
    },
    alive: () => child.exitCode === null && child.signalCode === null,
    // Idempotent; never throws. SIGTERM (the server flushes and exits 0), SIGKILL after 15 s.
    async stop() {
      if (server.alive()) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 15000);
        await exited;
        clearTimeout(t);
      }
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };

  const t0 = Date.now();
  for (;;) {
    if (!server.alive()) {
      const text = server.log();
      await server.stop();
      throw new Error(`hoptrace serve exited with ${child.exitCode ?? child.signalCode}: ${text.slice(-2000)}`);
    }
    try {
      if ((await get(server.base, '/healthz')).status === 200) break;
    } catch {}
    if (Date.now() - t0 > readyMs) {
      const text = server.log();
      await server.stop();
      throw new Error(`hoptrace serve not healthy within ${readyMs} ms: ${text.slice(-2000)}`);
    }
    await sleep(50);
  }
  return server;
}

// GET over a connection of its own that is closed after the answer (no keep-alive: an idle
// kept-alive connection holds up the server's shutdown until it times out).
export function get(base, pathname) {
  return new Promise((resolve, reject) => {
    const req = http.get(base + pathname, { agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10000, () => req.destroy(new Error(`GET ${pathname}: timed out`)));
  });
}

export async function getText(base, pathname) {
  const { status, text } = await get(base, pathname);
  if (status !== 200) throw new Error(`GET ${pathname}: ${status} ${text.slice(0, 500)}`);
  return text;
}

export async function getJSON(base, pathname) {
  return JSON.parse(await getText(base, pathname));
}

// POST `body` (a string or Buffer) over a connection of its own, like get(); resolves to
// {status, text} whatever the status.
export function post(base, pathname, body, headers = {}, timeoutMs = 60000) {
  return new Promise((resolve, reject) => {
    const data = typeof body === 'string' ? Buffer.from(body) : body;
    const req = http.request(base + pathname, {
      method: 'POST', agent: false, headers: { 'Content-Length': data.length, ...headers },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`POST ${pathname}: timed out`)));
    req.end(data);
  });
}
