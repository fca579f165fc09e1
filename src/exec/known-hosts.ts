/** OpenSSH known_hosts parsing and host key verification (plain, hashed, [host]:port, @revoked). */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

type HostMatcher = { kind: 'hashed'; salt: Buffer; hash: Buffer } | { kind: 'patterns'; patterns: string[] };

export interface KnownHostEntry {
  revoked: boolean;
  hosts: HostMatcher;
  keyType: string;
  key: Buffer;
  /** 1-based line number in the file, for messages. */
  line: number;
}

export type HostKeyVerdict =
  | { ok: true }
  | { ok: false; reason: 'unknown' | 'changed' | 'revoked'; message: string };

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) return;
    let revoked = false;
    if (fields[0].startsWith('@')) {
      // @cert-authority lines describe CAs, not host keys; certificates are not supported here.
      if (fields[0] !== '@revoked') return;
      revoked = true;
      fields.shift();
    }
    const [hostField, keyType, keyBase64] = fields;
    if (!hostField || !keyType || !keyBase64) return;
    const hosts = parseHostField(hostField);
    const key = Buffer.from(keyBase64, 'base64');
    if (!hosts || key.length === 0) return;
    entries.push({ revoked, hosts, keyType, key, line: index + 1 });
  });
  return entries;
}

function parseHostField(field: string): HostMatcher | undefined {
  if (field.startsWith('|1|')) {
    const [salt, hash] = field.slice(3).split('|');
    if (!salt || !hash) return undefined;
    return { kind: 'hashed', salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
  }
  return { kind: 'patterns', patterns: field.split(',').filter((p) => p.length > 0) };
}

/** The name known_hosts uses for a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** `SHA256:<unpadded base64>`, the same text `ssh-keygen -lf` prints. */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type is the first length-prefixed string of an SSH public key blob. */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const length = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + length).toString('latin1');
}

function matchesHost(matcher: HostMatcher, name: string): boolean {
  if (matcher.kind === 'hashed') {
    const digest = createHmac('sha1', matcher.salt).update(name).digest();
    return digest.length === matcher.hash.length && timingSafeEqual(digest, matcher.hash);
  }
  let matched = false;
  for (const pattern of matcher.patterns) {
    const negated = pattern.startsWith('!');
    if (!wildcardToRegExp(negated ? pattern.slice(1) : pattern).test(name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function wildcardToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/** Key types known_hosts holds (not revoked) for this host, in file order. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], host: string, port: number): string[] {
  const name = knownHostsName(host, port);
  return [...new Set(entries.filter((e) => !e.revoked && matchesHost(e.hosts, name)).map((e) => e.keyType))];
}

export function verifyHostKey(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
  keyBlob: Buffer,
  opts: { file?: string } = {},
): HostKeyVerdict {
  const name = knownHostsName(host, port);
  const file = opts.file ?? 'known_hosts';
  const presented = `${keyTypeOf(keyBlob)} ${fingerprint(keyBlob)}`;
  const forHost = entries.filter((e) => matchesHost(e.hosts, name));
  const revoked = forHost.find((e) => e.revoked && e.key.equals(keyBlob));
  if (revoked) {
    return {
      ok: false,
      reason: 'revoked',
      message:
        `Host key for ${name} (${presented}) is REVOKED in ${file} line ${revoked.line}. ` +
        'Refusing to connect; nothing was run. Find out why the key was revoked before touching this host.',
    };
  }
  const known = forHost.filter((e) => !e.revoked);
  if (known.some((e) => e.key.equals(keyBlob))) return { ok: true };
  const keyscan = `ssh-keyscan -p ${port} ${host} >> ${file}`;
  if (known.length > 0) {
    const expected = known.map((e) => `${e.keyType} ${fingerprint(e.key)} (line ${e.line})`).join(', ');
    return {
      ok: false,
      reason: 'changed',
      message:
        `HOST KEY CHANGED for ${name}! It presented ${presented}, but ${file} expects ${expected}. ` +
        'Someone may be intercepting the connection, or the host was reinstalled. Nothing was run. ' +
        'Verify the new fingerprint out of band (ssh-keygen -lf on the host); only if it matches, ' +
        `remove the old entry (ssh-keygen -R '${name}' -f ${file}) and add the new one (${keyscan}).`,
    };
  }
  return {
    ok: false,
    reason: 'unknown',
    message:
      `Host key for ${name} is not in ${file} (it presented ${presented}). Nothing was run. ` +
      'Check that fingerprint out of band (ssh-keygen -lf on the host), then add it: ' +
      `${keyscan}`,
  };
}
