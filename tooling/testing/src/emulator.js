// The local AWS for tests and the demo: a moto server on a free 127.0.0.1 port, or the endpoint already
// given in AWS_ENDPOINT_URL. It never degrades silently: if the emulator cannot start, this throws.
import { spawn } from "node:child_process";
import { existsSync, openSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const INSTALL_HINT =
  "Install the local AWS emulator with `./run setup` (it puts moto[server] into .venv/), " +
  "or `python3 -m pip install 'moto[server]==5.2.5'`, or point AWS_ENDPOINT_URL at a running moto server.";

/**
 * Dummy credentials and region: moto accepts any, and they keep a real account out of reach. Request compression
 * off: the SDK gzips a PutMetricData body over 10 KiB, and moto's server (5.2.x) fails such a request with HTTP
 * 500 (BadGzipFile), so a batch of metrics (a few dozen datums) never reached the emulator.
 */
export const EMULATOR_ENV = {
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "testing",
  AWS_SECRET_ACCESS_KEY: "testing",
  AWS_DISABLE_REQUEST_COMPRESSION: "true",
};

/** The virtual environment `./run setup` creates at the repository root (this file is in tooling/testing/src). */
const SETUP_PYTHON = fileURLToPath(new URL("../../../.venv/bin/python", import.meta.url));

/** moto server plus the IoT OTA semantics moto lacks (streams, jobs data plane, job events); same arguments. */
const MOTO_WITH_EXTENSION = fileURLToPath(new URL("./moto_extension.py", import.meta.url));

function pythonForMoto() {
  if (process.env.MOTO_PYTHON) return process.env.MOTO_PYTHON;
  return existsSync(SETUP_PYTHON) ? SETUP_PYTHON : "python3";
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function isServing(endpoint) {
  try {
    const res = await fetch(`${endpoint}/moto-api/data.json`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * Starts moto server (or adopts AWS_ENDPOINT_URL) and returns `{ endpoint, env, stop, reset }`.
 * `env` holds the variables that point every AWS SDK v3 client at it.
 */
export async function startEmulator({ timeoutMs = 30_000, detached = false, logFile } = {}) {
  const given = process.env.AWS_ENDPOINT_URL;
  if (given) {
    if (!(await isServing(given))) {
      throw new Error(`AWS_ENDPOINT_URL=${given} does not answer as a moto server. ${INSTALL_HINT}`);
    }
    return emulatorHandle(given, async () => {});
  }

  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const python = pythonForMoto();
  // Detached: outlives this process (the local emulator that `pnpm invoke` calls keep state in).
  const child = spawn(python, [MOTO_WITH_EXTENSION, "-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", detached && logFile ? openSync(logFile, "a") : "pipe"],
    detached,
  });
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code ?? -1)));
  child.once("error", (err) => {
    stderr += String(err);
  });

  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `moto server (${python} ${MOTO_WITH_EXTENSION}) exited before serving: ${stderr.trim()}\n${INSTALL_HINT}`,
      );
    }
    if (await isServing(endpoint)) break;
    if (Date.now() - started > timeoutMs) {
      child.kill("SIGKILL");
      throw new Error(
        `moto server did not answer on ${endpoint} within ${timeoutMs} ms: ${stderr.trim()}\n${INSTALL_HINT}`,
      );
    }
    await new Promise((r) => setTimeout(r, 150));
  }

  if (detached) {
    child.stderr?.destroy();
    child.unref();
  }
  return emulatorHandle(
    endpoint,
    async () => {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
        await exited;
        clearTimeout(timer);
      }
    },
    child.pid,
  );
}

function emulatorHandle(endpoint, stop, pid) {
  return {
    endpoint,
    pid,
    env: { ...EMULATOR_ENV, AWS_ENDPOINT_URL: endpoint },
    stop,
    /** Forgets every resource the emulator holds. */
    async reset() {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
      if (!res.ok) throw new Error(`moto reset failed: HTTP ${res.status}`);
    },
  };
}
