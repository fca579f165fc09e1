/** Finds placeholders a runbook author put inside shell quotes, backticks or a heredoc of a `run` script. */
import { findPlaceholders } from './placeholders.js';

type Where = 'single quotes' | 'double quotes' | 'backticks' | 'a heredoc';

export interface QuotedPlaceholder {
  name: string;
  where: Where;
}

const HEREDOC_RE = /^<<(-?)[ \t]*(['"]?)([A-Za-z0-9_.-]+)\2/;

/**
 * rollbot quotes every value itself; wrapped again in the author's quotes, a value such as
 * `a'; rm -rf /` would close them and run, so such scripts are rejected when the runbook loads.
 */
export function quotedPlaceholders(script: string): QuotedPlaceholder[] {
  const placeholders = findPlaceholders(script);
  const contexts = shellContexts(script);
  const found: QuotedPlaceholder[] = [];
  for (const p of placeholders) {
    const where = contexts[p.start];
    if (where && where !== 'comment') found.push({ name: p.name, where });
  }
  return found;
}

/** The quoting context of every character of `script` (undefined = plain shell words). */
function shellContexts(script: string): (Where | 'comment' | undefined)[] {
  const out: (Where | 'comment' | undefined)[] = new Array(script.length);
  let state: Where | 'comment' | undefined;
  const heredocs: { delimiter: string; stripTabs: boolean }[] = [];
  let i = 0;
  while (i < script.length) {
    const ch = script[i]!;
    out[i] = state;
    if (state === undefined) {
      const heredoc = script[i - 1] !== '<' ? HEREDOC_RE.exec(script.slice(i)) : null;
      if (ch === '\\') i++;
      else if (ch === "'") state = 'single quotes';
      else if (ch === '"') state = 'double quotes';
      else if (ch === '`') state = 'backticks';
      else if (ch === '#' && (i === 0 || /[\s;&|()]/.test(script[i - 1]!))) state = 'comment';
      else if (heredoc && script[i + 2] !== '<') {
        heredocs.push({ delimiter: heredoc[3]!, stripTabs: heredoc[1] === '-' });
        i += heredoc[0].length - 1;
      }
    } else if (state === 'single quotes') {
      if (ch === "'") state = undefined;
    } else if (state === 'double quotes' || state === 'backticks') {
      if (ch === '\\') i++;
      else if ((state === 'double quotes' && ch === '"') || (state === 'backticks' && ch === '`'))
        state = undefined;
    }
    if (ch === '\n' && (state === undefined || state === 'comment')) {
      state = undefined;
      i = skipHeredocBodies(script, i + 1, heredocs.splice(0), out);
      continue;
    }
    i++;
  }
  return out;
}

/** Marks heredoc bodies starting at `start`; returns the index after the last delimiter line. */
function skipHeredocBodies(
  script: string,
  start: number,
  heredocs: { delimiter: string; stripTabs: boolean }[],
  out: (Where | 'comment' | undefined)[],
): number {
  let i = start;
  for (const { delimiter, stripTabs } of heredocs) {
    while (i < script.length) {
      const end = script.indexOf('\n', i);
      const lineEnd = end === -1 ? script.length : end;
      const line = script.slice(i, lineEnd);
      const done = (stripTabs ? line.replace(/^\t+/, '') : line) === delimiter;
      for (let j = i; j < lineEnd; j++) out[j] = done ? undefined : 'a heredoc';
      i = lineEnd + 1;
      if (done) break;
    }
  }
  return i;
}
