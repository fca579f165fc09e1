// The bundled demo service: an HTTP server whose /health reports the release it runs.
// Release v1.1.0 ships a bug behind the ENABLE_NEW_CACHE flag, so its health fails while the flag is on.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

const stateDir = process.env.DEMO_STATE_DIR ?? join(process.cwd(), 'data', 'demo');
const port = Number(process.env.DEMO_PORT ?? 4780);
const release = readFileSync(join(stateDir, 'current'), 'utf8').trim();
const flags = readFlags();
const broken = release === 'v1.1.0' && flags.ENABLE_NEW_CACHE !== 'false';

function readFlags() {
  try {
    const lines = readFileSync(join(stateDir, 'flags.env'), 'utf8').split('\n');
    return Object.fromEntries(lines.filter((l) => l.includes('=')).map((l) => l.split('=', 2)));
  } catch {
    return {};
  }
}

createServer((req, res) => {
  if (req.url === '/health') {
    const body = broken
      ? { status: 'error', version: release, error: 'cache layer rejects every request' }
      : { status: 'ok', version: release, services: { database: 'healthy', cache: 'healthy' } };
    res.writeHead(broken ? 503 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
    return;
  }
  res.writeHead(broken ? 500 : 200, { 'content-type': 'text/plain' });
  res.end(broken ? 'internal error\n' : `hello from demo ${release}\n`);
}).listen(port, '127.0.0.1');
