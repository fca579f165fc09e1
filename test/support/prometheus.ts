/**
 * A real Prometheus server (Debian's /usr/bin/prometheus) on loopback scraping a fixture exporter
 * every second, the fixture exporter itself, and a fake Prometheus HTTP API for the fault cases.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './rollbot-harness.js';

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';
const START_DEADLINE_MS = 60_000;

/** Polls `check` until it returns a value (not undefined), or throws after `ms`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface PrometheusHandle {
  url: string;
  pid: number;
  /** An instant query's `data.result`, straight from the API. */
  query(promql: string): Promise<{ value: [number, string] }[]>;
  stop(): Promise<void>;
}

/** Starts Prometheus scraping `targets` (host:port) as job "fixture" every second; waits until it is ready. */
export async function startPrometheus(targets: string[]): Promise<PrometheusHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'rollbot-prom-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }',
      'scrape_configs:',
      '  - job_name: fixture',
      `    static_configs: [ { targets: [${targets.map((t) => `"${t}"`).join(', ')}] } ]`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const child = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      'Prometheus to be ready',
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}: ${stderr}`);
        const res = await fetch(`${url}/-/ready`);
        return res.ok ? true : undefined;
      },
      START_DEADLINE_MS,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    pid: child.pid!,
    async query(promql) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
      return body.data.result;
    },
    stop,
  };
}

export interface ExporterState {
  /** Share of each scrape's 100 requests answered 5xx. */
  errorRatio: number;
  /** Latency of every request, in seconds. */
  latencySeconds: number;
}

export interface FixtureExporter {
  /** `127.0.0.1:port`, for the scrape config. */
  target: string;
  /** `POST /set?errors=0.2&latency=0.3`, answered once 3 scrapes have served the new state. */
  setUrl: string;
  scrapes(): number;
  set(state: Partial<ExporterState>): void;
  /** Resolves once `n` more scrapes have been served. */
  scraped(n: number): Promise<void>;
  close(): Promise<void>;
}

const REQUESTS_PER_SCRAPE = 100;
const BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Scrapes served with the new state before `/set` answers: Prometheus then holds two clean samples. */
const SETTLE_SCRAPES = 3;

/**
 * A service's /metrics as a real one looks: request counters by status code and a latency histogram.
 * Every scrape adds 100 requests with the current error ratio and latency, so `irate` over two
 * scrapes gives exactly the ratio and latency set. Series exist at 0 from the start (a labelled
 * counter absent until its first increment would make the error query empty).
 */
export async function startFixtureExporter(initial: ExporterState): Promise<FixtureExporter> {
  const state = { ...initial };
  const counts = { ok: 0, error: 0 };
  const buckets = new Map<number, number>(BUCKETS.map((le) => [le, 0]));
  let sum = 0;
  let scrapes = 0;
  const waiters: { at: number; resolve: () => void }[] = [];

  const metrics = () => {
    const errors = Math.round(REQUESTS_PER_SCRAPE * state.errorRatio);
    counts.error += errors;
    counts.ok += REQUESTS_PER_SCRAPE - errors;
    for (const le of BUCKETS)
      if (state.latencySeconds <= le) buckets.set(le, buckets.get(le)! + REQUESTS_PER_SCRAPE);
    sum += REQUESTS_PER_SCRAPE * state.latencySeconds;
    const total = counts.ok + counts.error;
    return [
      '# TYPE http_requests_total counter',
      `http_requests_total{code="200"} ${counts.ok}`,
      `http_requests_total{code="500"} ${counts.error}`,
      '# TYPE http_request_duration_seconds histogram',
      ...BUCKETS.map((le) => `http_request_duration_seconds_bucket{le="${le}"} ${buckets.get(le)}`),
      `http_request_duration_seconds_bucket{le="+Inf"} ${total}`,
      `http_request_duration_seconds_sum ${sum}`,
      `http_request_duration_seconds_count ${total}`,
      '',
    ].join('\n');
  };
  const scraped = (n: number) => new Promise<void>((resolve) => waiters.push({ at: scrapes + n, resolve }));

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fixture');
    if (url.pathname === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics());
      scrapes += 1;
      for (const w of waiters.filter((w) => w.at <= scrapes)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      return;
    }
    if (url.pathname === '/set' && req.method === 'POST') {
      const errors = url.searchParams.get('errors');
      const latency = url.searchParams.get('latency');
      if (errors !== null) state.errorRatio = Number(errors);
      if (latency !== null) state.latencySeconds = Number(latency);
      void scraped(SETTLE_SCRAPES).then(() => res.writeHead(200).end('ok\n'));
      return;
    }
    res.writeHead(404).end();
  });
  const port = await listen(server);
  return {
    target: `127.0.0.1:${port}`,
    setUrl: `http://127.0.0.1:${port}/set`,
    scrapes: () => scrapes,
    set(next) {
      Object.assign(state, next);
    },
    scraped,
    close: () => closeServer(server),
  };
}

/** A fake Prometheus API: each request is answered by `answer`, which may stall, fail or lie. */
export async function startFakePrometheusApi(
  answer: (query: string, res: ServerResponse) => void,
): Promise<{ url: string; queries: string[]; close(): Promise<void> }> {
  const queries: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.pathname !== '/api/v1/query') {
      res.writeHead(404).end();
      return;
    }
    const query = url.searchParams.get('query') ?? '';
    queries.push(query);
    answer(query, res);
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, queries, close: () => closeServer(server) };
}

/** A vector answer as Prometheus sends it. */
export function vectorBody(values: string[]): string {
  const result = values.map((v, i) => ({ metric: { instance: `i${i}` }, value: [1_700_000_000, v] }));
  return JSON.stringify({ status: 'success', data: { resultType: 'vector', result } });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (typeof address === 'object' && address) resolve(address.port);
      else reject(new Error('no port'));
    });
  });
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
