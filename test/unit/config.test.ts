import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { configSecrets, loadConfig, slackProblems } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';

describe('config', () => {
  it('runs on embedded defaults with an empty environment', () => {
    const result = loadConfig({});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({
      port: 3000,
      incidentChannel: '#engineering-incidents',
      runbooksDir: './runbooks',
      dbFile: './data/rollbot.db',
      logLevel: 'info',
    });
    expect(result.config.slack.apiUrl).toBe('https://slack.com/api/');
    expect(result.config.sshKeyFile).toMatch(/\.ssh\/id_ed25519$/);
    expect(result.config.sshKeyFile.startsWith('~')).toBe(false);
  });

  it('lists every problem at once, without echoing secret values', () => {
    const result = loadConfig({
      SLACK_BOT_TOKEN: 'xoxp-user-token-not-bot',
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
      ROLLBOT_INCIDENT_CHANNEL: 'engineering incidents',
      SLACK_API_URL: 'ftp://example',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    for (const name of [
      'SLACK_BOT_TOKEN',
      'PORT',
      'LOG_LEVEL',
      'ROLLBOT_INCIDENT_CHANNEL',
      'SLACK_API_URL',
    ]) {
      expect(result.message).toContain(name);
    }
    expect(result.message).not.toContain('xoxp-user-token-not-bot');
  });

  it('refuses an empty PORT instead of reading it as any free port', () => {
    for (const PORT of ['', '  ', '0', '70000', '80a']) {
      const result = loadConfig({ PORT });
      expect(result, `PORT=${JSON.stringify(PORT)}`).toMatchObject({ ok: false });
      if (!result.ok) expect(result.message).toMatch(/^ {2}PORT: (is empty|must be a port number)/m);
    }
    expect(loadConfig({ ROLLBOT_OPS_PORT: '' })).toMatchObject({ ok: false });
    expect(loadConfig({ PORT: '8080', ROLLBOT_OPS_PORT: '9090' })).toMatchObject({
      ok: true,
      config: { port: 8080, opsPort: 9090 },
    });
  });

  it('reads ROLLBOT_STEP_LOG_MAX as bytes, KB, MB or GB', () => {
    const bytes = (value?: string) => {
      const result = loadConfig(value === undefined ? {} : { ROLLBOT_STEP_LOG_MAX: value });
      return result.ok ? result.config.stepLogMaxBytes : result.message;
    };
    expect(bytes()).toBe(50 * 1024 * 1024);
    expect(bytes('512KB')).toBe(512 * 1024);
    expect(bytes('2gb')).toBe(2 * 1024 ** 3);
    expect(bytes('1048576')).toBe(1048576);
    for (const bad of ['50 MiB', '-1', '10', 'lots'])
      expect(bytes(bad)).toMatch(/ROLLBOT_STEP_LOG_MAX: must be a size of at least 1KB/);
  });

  it('requires Slack credentials only for serve', () => {
    const result = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1' });
    if (!result.ok) throw new Error(result.message);
    expect(slackProblems(result.config).join('\n')).toContain('SLACK_SIGNING_SECRET');
    const socket = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' });
    if (!socket.ok) throw new Error(socket.message);
    expect(slackProblems(socket.config)).toEqual([]);
  });
});

describe('logger', () => {
  it('masks tokens by path and secret values anywhere in a line', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const parsed = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-canary-token-123',
      ROLLBOT_SSH_KEY_PASSPHRASE: 'pass"phrase',
    });
    if (!parsed.ok) throw new Error(parsed.message);
    const log = createLogger({ level: 'info', secrets: configSecrets(parsed.config), destination: sink });
    log.info(
      { token: 'xoxb-canary-token-123', detail: 'the passphrase is pass"phrase' },
      'got xoxb-canary-token-123',
    );
    const out = lines.join('');
    expect(out).not.toContain('xoxb-canary-token-123');
    expect(out).not.toContain('pass\\"phrase');
    expect(out).toContain('••••••');
  });
});
