/** Matching Bolt-style custom routes (`/blocked/:service`): literal segments, and `:name` for one segment. */
import type { CustomRoute } from '@slack/bolt';

export interface CompiledRoute {
  /** The route's params when path and method match it, else undefined. */
  match(path: string, method: string): Record<string, string> | undefined;
  handler: CustomRoute['handler'];
}

export function compileRoute(route: CustomRoute): CompiledRoute {
  const methods = (Array.isArray(route.method) ? route.method : [route.method]).map((m) => m.toUpperCase());
  const segments = route.path.split('/');
  return {
    handler: route.handler,
    match(path, method) {
      if (!methods.includes(method)) return undefined;
      const parts = path.split('/');
      if (parts.length !== segments.length) return undefined;
      const params: Record<string, string> = {};
      for (const [i, segment] of segments.entries()) {
        const part = parts[i] ?? '';
        if (segment.startsWith(':')) {
          if (part === '') return undefined;
          const decoded = decodeSegment(part);
          if (decoded === undefined) return undefined;
          params[segment.slice(1)] = decoded;
        } else if (segment !== part) return undefined;
      }
      return params;
    },
  };
}

function decodeSegment(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}
