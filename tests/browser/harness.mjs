// Shared by the browser tests: start the built `dateline` binary on a free port with a
// fresh SQLite store, and launch Debian's headless Chromium through playwright-core.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixtures = join(root, '..', 'shared', 'fixtures');
export const screenshots = join(root, 'tests', 'browser', 'screenshots');

/** Options for a test that needs ../shared/fixtures: skipped, saying why, in a checkout without
 *  them; under CI (CI=true), where they must be there, it runs (and fails if they are not). */
export const needsFixtures = {
  skip: !existsSync(fixtures) && process.env.CI !== 'true' ? 'needs ../shared/fixtures, which this checkout does not have' : false,
};
const binary = process.env.DATELINE_BIN ?? join(root, 'target', 'debug', 'dateline');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Starts `dateline serve` with the given arguments (and dateline.toml text, if any);
 *  resolves to { base, dir, stop }. */
export async function startServer(args = [], config = null) {
  const dir = mkdtempSync(join(tmpdir(), 'dateline-browser-'));
  if (config) writeFileSync(join(dir, 'dateline.toml'), config);
  const child = spawn(binary, ['serve', '--listen', '127.0.0.1:0', '--db', `sqlite:${join(dir, 'dateline.db')}`, ...args], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const base = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`dateline exited with ${code} before serving`)));
    lines.once('line', (line) => {
      const url = line.split(/\s+/).find((w) => w.startsWith('http://'));
      url ? resolve(url.replace(/\/$/, '')) : reject(new Error(`no address in: ${line}`));
    });
  });
  return { base, dir, stop: () => child.kill() };
}

/** Runs `dateline ARGS` against a server's store (for setup such as creating accounts). */
export function runDateline(server, args, input = '') {
  const result = spawnSync(binary, ['--db', `sqlite:${join(server.dir, 'dateline.db')}`, ...args], { cwd: server.dir, input, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`dateline ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/** Launches headless Chromium with the flags this closed network needs. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

export function screenshotPath(name) {
  mkdirSync(screenshots, { recursive: true });
  return join(screenshots, name);
}
