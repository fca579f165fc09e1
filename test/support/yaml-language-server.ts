/**
 * The real yaml-language-server (the npm package editors run), driven over LSP on stdio the way an
 * editor drives it: documents are opened with their text and the server's own diagnostics and hovers
 * are read back. Schemas come from the `# yaml-language-server: $schema=...` line, as in an editor.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface Diagnostic {
  /** 1-based, like `rollbot validate`. */
  line: number;
  message: string;
  severity: number | undefined;
}

export interface YamlLanguageServer {
  /**
   * Opens `text` as the document at `path` (it need not exist) and returns the server's diagnostics.
   * The document is closed again unless `keepOpen` (for hovers); use a new path for each call.
   */
  diagnostics(path: string, text: string, options?: { keepOpen?: boolean }): Promise<Diagnostic[]>;
  /** Hover text at a 0-based line and character of an opened document, or null. */
  hover(path: string, line: number, character: number): Promise<string | null>;
  close(): Promise<void>;
}

interface Message {
  id?: number;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { message: string };
}

const ANSWER_TIMEOUT_MS = 30_000;

function serverEntry(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('yaml-language-server/package.json')), 'bin', 'yaml-language-server');
}

export async function startYamlLanguageServer(): Promise<YamlLanguageServer> {
  const child = spawn(process.execPath, [serverEntry(), '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const rpc = connect(child);
  await rpc.request('initialize', {
    processId: process.pid,
    rootUri: null,
    capabilities: { textDocument: { hover: { contentFormat: ['plaintext', 'markdown'] } } },
  });
  rpc.notify('initialized', {});
  rpc.notify('workspace/didChangeConfiguration', {
    settings: { yaml: { validate: true, hover: true, completion: true, schemaStore: { enable: false } } },
  });
  let version = 0;
  return {
    async diagnostics(path, text, options = {}) {
      const uri = pathToFileURL(path).href;
      const published = rpc.nextNotification(
        'textDocument/publishDiagnostics',
        (p) => (p as { uri: string }).uri === uri,
      );
      rpc.notify('textDocument/didOpen', {
        textDocument: { uri, languageId: 'yaml', version: ++version, text },
      });
      const params = (await published.finally(() => {
        if (!options.keepOpen) rpc.notify('textDocument/didClose', { textDocument: { uri } });
      })) as {
        diagnostics: { range: { start: { line: number } }; message: string; severity?: number }[];
      };
      return params.diagnostics.map((d) => ({
        line: d.range.start.line + 1,
        message: d.message,
        severity: d.severity,
      }));
    },
    async hover(path, line, character) {
      const result = (await rpc.request('textDocument/hover', {
        textDocument: { uri: pathToFileURL(path).href },
        position: { line, character },
      })) as { contents?: string | { value: string } } | null;
      if (!result?.contents) return null;
      return typeof result.contents === 'string' ? result.contents : result.contents.value;
    },
    async close() {
      await rpc.request('shutdown', null).catch(() => {});
      rpc.notify('exit', null);
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
        await exited;
      }
    },
  };
}

/** JSON-RPC with LSP's Content-Length framing over the child's stdio. */
function connect(child: ChildProcessWithoutNullStreams) {
  let buffer = Buffer.alloc(0);
  let nextId = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const waiters: { method: string; match: (p: unknown) => boolean; resolve: (p: unknown) => void }[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  child.on('exit', (code) => {
    for (const { reject } of pending.values())
      reject(new Error(`yaml-language-server exited ${code}: ${stderr}`));
    pending.clear();
  });

  const write = (message: object) => {
    const json = JSON.stringify({ jsonrpc: '2.0', ...message });
    child.stdin.write(`Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
  };
  const onMessage = (msg: Message) => {
    if (msg.id !== undefined && msg.method === undefined) {
      const call = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) call?.reject(new Error(msg.error.message));
      else call?.resolve(msg.result);
      return;
    }
    if (msg.id !== undefined && msg.method !== undefined) {
      // Requests from the server: settings (null = defaults) and registrations.
      const items = (msg.params as { items?: unknown[] } | undefined)?.items;
      write({
        id: msg.id,
        result: msg.method === 'workspace/configuration' ? (items ?? []).map(() => null) : null,
      });
      return;
    }
    const i = waiters.findIndex((w) => w.method === msg.method && w.match(msg.params));
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(msg.params);
  };
  child.stdout.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const headerEnd = buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(buffer.subarray(0, headerEnd).toString())?.[1]);
      if (buffer.length < headerEnd + 4 + length) return;
      const body = buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString('utf8');
      buffer = buffer.subarray(headerEnd + 4 + length);
      onMessage(JSON.parse(body) as Message);
    }
  });

  const deadline = <T>(promise: Promise<T>, what: string): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no ${what} from yaml-language-server: ${stderr}`)),
        ANSWER_TIMEOUT_MS,
      );
    });
    return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
  };

  return {
    request(method: string, params: unknown): Promise<unknown> {
      const id = ++nextId;
      const answer = new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
      write({ id, method, params });
      return deadline(answer, `answer to ${method}`);
    },
    notify(method: string, params: unknown): void {
      write({ method, params });
    },
    /** Resolves with the first notification of `method` whose params match, from now on. */
    nextNotification(method: string, match: (params: unknown) => boolean): Promise<unknown> {
      return deadline(new Promise((resolve) => waiters.push({ method, match, resolve })), method);
    },
  };
}
