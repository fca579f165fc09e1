/** Sizes as operators write them: `50MB`, `512KB`, `1GB`, `1048576` (bytes). Units are powers of 1024. */
const UNITS: Record<string, number> = { '': 1, B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };

export function parseByteSize(text: string): number | undefined {
  const match = /^(\d+)\s*(B|KB|MB|GB|)$/i.exec(text.trim());
  if (!match) return undefined;
  const bytes = Number(match[1]) * (UNITS[match[2]!.toUpperCase()] ?? 1);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

export function formatByteSize(bytes: number): string {
  for (const unit of ['GB', 'MB', 'KB'] as const) {
    const size = UNITS[unit]!;
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes} bytes`;
}
