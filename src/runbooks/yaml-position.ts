/** Maps a data path (levels.2.steps.1.run) back to the line and column of its YAML node. */
import {
  type Document,
  isAlias,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  type LineCounter,
  type Node,
} from 'yaml';
import type { IssuePath } from './refs.js';

export interface Position {
  line: number;
  column: number;
}

/**
 * The node at `path`, or the deepest node that exists on the way (a missing key is reported at the
 * key of the map that should hold it). `atKey` points at the key itself (unknown keys, bad names).
 */
export function positionOf(doc: Document, counter: LineCounter, path: IssuePath, atKey: boolean): Position {
  let node: unknown = doc.contents;
  let keyNode: Node | undefined;
  let complete = true;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(segment));
      if (!pair) {
        complete = false;
        break;
      }
      keyNode = isScalar(pair.key) ? pair.key : undefined;
      node = pair.value ?? keyNode;
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
      keyNode = undefined;
      node = node.items[segment];
    } else {
      complete = false;
      break;
    }
  }
  const preferKey = atKey || !complete || isCollection(node);
  const target = (preferKey && keyNode) || (node as Node | undefined);
  const offset = target?.range?.[0] ?? 0;
  const { line, col } = counter.linePos(offset);
  return { line, column: col };
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}
