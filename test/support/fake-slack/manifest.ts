// What installing rollbot's manifest.yml gives an app: its bot scopes, event subscriptions and Home tab.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface Installation {
  scopes: string[];
  botEvents: string[];
  homeTabEnabled: boolean;
}

const MANIFEST = new URL('../../../manifest.yml', import.meta.url);

interface ManifestShape {
  oauth_config?: { scopes?: { bot?: unknown } };
  settings?: { event_subscriptions?: { bot_events?: unknown } };
  features?: { app_home?: { home_tab_enabled?: unknown } };
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);

/** Parses a manifest's YAML text (tests pass a modified copy to see what a missing scope breaks). */
export function installationOf(yamlText: string): Installation {
  const m = (parse(yamlText) ?? {}) as ManifestShape;
  return {
    scopes: strings(m.oauth_config?.scopes?.bot),
    botEvents: strings(m.settings?.event_subscriptions?.bot_events),
    homeTabEnabled: m.features?.app_home?.home_tab_enabled === true,
  };
}

/** The repository's manifest.yml, read fresh each time (tests may run while it is being edited). */
export function manifestInstallation(): Installation {
  return installationOf(readFileSync(MANIFEST, 'utf8'));
}
