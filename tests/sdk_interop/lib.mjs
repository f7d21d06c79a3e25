// Shared by the sdk_interop tests: the pinned OpenTelemetry JS packages of tests/clients (loaded
// from tests/clients/node_modules, which the clients_node_modules CTest fixture installs), and
// running the C++ interop_driver.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');

// require() resolving from tests/clients, so node_modules there is found.
export const requireClient = createRequire(path.join(repoRoot, 'tests', 'clients', 'package.json'));

// The protobufjs-generated OTLP definitions (opentelemetry-proto compiled by pbjs) shipped in
// @opentelemetry/otlp-transformer 0.216.0, the last release that carried them; installed under
// the alias otlp-transformer-protobufjs (tests/clients/package.json).
export function otlpRoot() {
  return requireClient('otlp-transformer-protobufjs/build/src/generated/root.js');
}

// $HOPTRACE_SDK_INTEROP_DRIVER (CTest sets it), else the newest build*/tests/sdk_interop/interop_driver.
export function driverPath() {
  if (process.env.HOPTRACE_SDK_INTEROP_DRIVER) return process.env.HOPTRACE_SDK_INTEROP_DRIVER;
  let best = null;
  for (const d of fs.readdirSync(repoRoot).filter((d) => d.startsWith('build'))) {
    const f = path.join(repoRoot, d, 'tests', 'sdk_interop', 'interop_driver');
    try {
      const st = fs.statSync(f);
      if (st.isFile() && (!best || st.mtimeMs > best.mtimeMs)) best = { f, mtimeMs: st.mtimeMs };
    } catch {}
  }
  if (!best) throw new Error('no interop_driver: set HOPTRACE_SDK_INTEROP_DRIVER or build it');
  return best.f;
}

// Runs the driver; resolves { code, stdout, stderr }. Killed after `timeoutMs`.
export function runDriver(args, { env = {}, input = '', timeoutMs = 60000 } = {}) {
  return new Promise((resolve, reject) => {
    // Only what the test sets: no OTEL_* of the caller's environment leaks in.
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')));
    const child = spawn(driverPath(), args, { env: { ...clean, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [], err = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.end(input);
  });
}

export function jsonLines(text) {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
}
