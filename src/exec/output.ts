/** Output capture for one step: masks secrets, writes the full log to a file, keeps a bounded tail. */
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { formatByteSize } from '../domain/byte-size.js';
import { createSecretMasker, type SecretMasker } from '../domain/mask.js';

export type OutputSource = 'stdout' | 'stderr';

export interface OutputCaptureOptions {
  logFile: string;
  secrets: readonly string[];
  /** How much of the end of the combined output is kept in memory (default 16 KiB). */
  tailBytes?: number;
  /**
   * Cap of the log file (ROLLBOT_STEP_LOG_MAX; default 50 MiB): past it the output is counted, not
   * written, so a runaway step cannot fill the disk the database shares. The tail is still kept.
   */
  logMaxBytes?: number;
}

export interface CapturedOutput {
  /** Last `tailBytes` of the combined masked output, as text. */
  tail: string;
  logFile: string;
  /** Set when the log file could not be written; the tail is still valid. */
  writeError?: string;
}

export interface OutputCapture {
  /** Returns false when the log file is backed up: stop reading until `onDrain` fires. */
  write(source: OutputSource, chunk: Buffer): boolean;
  onDrain(listener: () => void): void;
  /** Reads a stream into the capture, pausing it while the log file is backed up. */
  attach(source: OutputSource, stream: Readable): void;
  /** True while writers should be paused. */
  readonly backedUp: boolean;
  /** Flushes held-back bytes and the file; call once, after every source has ended. */
  finish(): Promise<CapturedOutput>;
}

const FILE_HIGH_WATER_MARK = 1024 * 1024;
export const DEFAULT_STEP_LOG_MAX = 50 * 1024 * 1024;

/** The line that marks where a capped log stops; `dropped` is known only at the end. */
export function logCutMarker(limit: number, dropped?: number): string {
  const where = `[rollbot] log cut at ${formatByteSize(limit)} (ROLLBOT_STEP_LOG_MAX)`;
  return dropped === undefined
    ? `\n${where}: the rest of this step's output is not written here\n`
    : `\n${where}: ${dropped} more bytes of output were not written; the end of the output is in the step's tail\n`;
}

export function createOutputCapture(opts: OutputCaptureOptions): OutputCapture {
  const tailBytes = opts.tailBytes ?? 16 * 1024;
  // One masker per source: stdout and stderr chunks interleave, and a secret split across two
  // stdout chunks must still be seen whole even when a stderr chunk arrives in between.
  const maskers: Record<OutputSource, SecretMasker> = {
    stdout: createSecretMasker(opts.secrets),
    stderr: createSecretMasker(opts.secrets),
  };
  const tail = createTail(tailBytes);
  // The run's log folder does not exist before its first step; without it every SSH step's full
  // output was lost (the error only surfaced on a failed step, the tail hid it on a passing one).
  try {
    mkdirSync(dirname(opts.logFile), { recursive: true });
  } catch {
    // The write stream reports the problem as writeError below.
  }
  const file = createWriteStream(opts.logFile, { flags: 'a', highWaterMark: FILE_HIGH_WATER_MARK });
  const drainListeners = new Set<() => void>();
  const paused = new Set<Readable>();
  let backedUp = false;
  let writeError: string | undefined;
  let finished = false;
  const logMax = opts.logMaxBytes ?? DEFAULT_STEP_LOG_MAX;
  let logged = 0;
  let dropped = 0;

  const releaseBackpressure = (): void => {
    backedUp = false;
    for (const stream of paused) stream.resume();
    paused.clear();
    for (const listener of drainListeners) listener();
  };
  file.on('drain', releaseBackpressure);
  file.on('error', (err) => {
    // A full disk must not stall the remote command: keep the tail, stop writing the file.
    writeError ??= `could not write ${opts.logFile}: ${err.message}`;
    releaseBackpressure();
  });

  const emit = (masked: Buffer): boolean => {
    if (masked.length === 0) return !backedUp;
    tail.add(masked);
    if (writeError !== undefined || file.destroyed) return true;
    const room = Math.max(logMax - logged, 0);
    const kept = masked.length > room ? masked.subarray(0, room) : masked;
    if (kept.length > 0 && !file.write(kept)) backedUp = true;
    logged += kept.length;
    if (kept.length < masked.length) {
      // The marker goes where the first byte was left out.
      if (dropped === 0 && !file.write(logCutMarker(logMax))) backedUp = true;
      dropped += masked.length - kept.length;
    }
    return !backedUp;
  };

  const capture: OutputCapture = {
    write(source, chunk) {
      // Late data (after a lost connection was given up on) is dropped rather than written after end.
      if (finished) return true;
      return emit(maskers[source].push(chunk));
    },
    onDrain(listener) {
      drainListeners.add(listener);
    },
    attach(source, stream) {
      stream.on('data', (chunk: Buffer | string) => {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        if (!capture.write(source, buf)) {
          stream.pause();
          paused.add(stream);
        }
      });
    },
    get backedUp() {
      return backedUp;
    },
    async finish() {
      finished = true;
      emit(maskers.stdout.flush());
      emit(maskers.stderr.flush());
      await new Promise<void>((resolve) => {
        if (file.destroyed) return resolve();
        file.once('close', () => resolve());
        file.end(dropped > 0 ? logCutMarker(logMax, dropped) : undefined);
      });
      const result: CapturedOutput = { tail: tail.text(), logFile: opts.logFile };
      if (writeError !== undefined) result.writeError = writeError;
      return result;
    },
  };
  return capture;
}

/** Keeps the last `limit` bytes seen, as a short list of chunks. */
function createTail(limit: number): { add(chunk: Buffer): void; text(): string } {
  let chunks: Buffer[] = [];
  let size = 0;
  return {
    add(chunk) {
      // Copy small slices so a tail never pins a large upstream buffer.
      const kept = chunk.length > limit ? chunk.subarray(chunk.length - limit) : chunk;
      chunks.push(Buffer.from(kept));
      size += kept.length;
      while (chunks.length > 0 && size - chunks[0]!.length >= limit) {
        size -= chunks[0]!.length;
        chunks.shift();
      }
      if (chunks.length > 64) {
        const all = Buffer.concat(chunks);
        chunks = [all.subarray(Math.max(0, all.length - limit))];
        size = chunks[0]!.length;
      }
    },
    text() {
      const all = Buffer.concat(chunks);
      let start = Math.max(0, all.length - limit);
      // Do not start the tail in the middle of a UTF-8 character.
      while (start < all.length && ((all[start] ?? 0) & 0xc0) === 0x80) start++;
      return all.subarray(start).toString('utf8');
    },
  };
}
