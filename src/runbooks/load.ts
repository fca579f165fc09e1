/** Reads runbook files and reports every problem as file:line:column with the offending YAML path. */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { Runbook } from './schema.js';
import { validateRunbook } from './validate.js';
import { positionOf } from './yaml-position.js';

export interface RunbookError {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** Dotted data path (`levels.2.steps.1.run`), empty for file-level problems. */
  path: string;
  message: string;
}

export interface LoadedRunbook {
  runbook: Runbook | undefined;
  errors: RunbookError[];
}

export interface LoadedRunbooks {
  runbooks: Map<string, Runbook>;
  errors: RunbookError[];
}

const RUNBOOK_EXTENSIONS = ['.yml', '.yaml'];

/** Parses one runbook's text; `file` names it in errors and must be `<service>.yml`. */
export function parseRunbookText(text: string, file: string): LoadedRunbook {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => counter.linePos(offset);
  if (doc.errors.length > 0) {
    const errors = doc.errors.map((e) => {
      const { line, col } = at(e.pos[0]);
      return { file, line, column: col, path: '', message: `YAML: ${firstLine(e.message)}` };
    });
    return { runbook: undefined, errors };
  }
  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (err) {
    return { runbook: undefined, errors: [fileError(file, `YAML: ${(err as Error).message}`)] };
  }
  if (raw === null || raw === undefined)
    return { runbook: undefined, errors: [fileError(file, 'the file is empty')] };

  const result = validateRunbook(raw);
  const errors: RunbookError[] = result.ok
    ? []
    : result.issues.map((issue) => {
        const { line, column } = positionOf(doc, counter, issue.path, issue.atKey);
        return { file, line, column, path: issue.path.join('.'), message: issue.message };
      });
  const service = (raw as { service?: unknown }).service;
  const expected = basename(file, extname(file));
  if (typeof service === 'string' && service !== expected) {
    const { line, column } = positionOf(doc, counter, ['service'], false);
    const message = `service "${service}" does not match the file name: ${basename(file)} must say service: ${expected}`;
    errors.push({ file, line, column, path: 'service', message });
  }
  errors.sort((a, b) => a.line - b.line || a.column - b.column);
  return { runbook: result.ok && errors.length === 0 ? result.runbook : undefined, errors };
}

export function loadRunbookFile(path: string): LoadedRunbook {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { runbook: undefined, errors: [fileError(path, `cannot read: ${(err as Error).message}`)] };
  }
  return parseRunbookText(text, path);
}

/** Loads every `*.yml` / `*.yaml` in `dir` (not recursive); invalid files are left out and reported. */
export function loadRunbooks(dir: string): LoadedRunbooks {
  const runbooks = new Map<string, Runbook>();
  const errors: RunbookError[] = [];
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() && RUNBOOK_EXTENSIONS.includes(extname(e.name)))
      .map((e) => e.name)
      .sort();
  } catch (err) {
    return { runbooks, errors: [fileError(dir, `cannot read runbook folder: ${(err as Error).message}`)] };
  }
  const fileOf = new Map<string, string>();
  for (const name of names) {
    const file = join(dir, name);
    const loaded = loadRunbookFile(file);
    errors.push(...loaded.errors);
    const runbook = loaded.runbook;
    if (!runbook) continue;
    const first = fileOf.get(runbook.service);
    if (first) {
      errors.push({
        ...fileError(file, `service "${runbook.service}" is already defined in ${first}`),
        path: 'service',
      });
      continue;
    }
    fileOf.set(runbook.service, file);
    runbooks.set(runbook.service, runbook);
  }
  return { runbooks, errors };
}

/** One line per error: `runbooks/mimo.yml:12:7 levels.2.steps.1.run: Unknown param {{verison}} ...`. */
export function formatRunbookErrors(errors: readonly RunbookError[]): string {
  return errors
    .map((e) => `${e.file}:${e.line}:${e.column} ${e.path ? `${e.path}: ` : ''}${e.message}`)
    .join('\n');
}

function fileError(file: string, message: string): RunbookError {
  return { file, line: 1, column: 1, path: '', message };
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
