// Web API front door: records each call, injects faults, checks the token, the app's scopes and required args, dispatches.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Faults } from './faults.js';
import { parseBody, readRaw, sendJson, sendText, tokenOf } from './http-body.js';
import { fail, type MethodSpec } from './method-kit.js';
import { METHOD_SCOPES, scopesFor } from './scopes.js';
import type { FakeSlackOptions, Json, MethodResult, RecordedCall } from './types.js';
import type { Workspace } from './workspace.js';

export class WebApi {
  readonly calls: RecordedCall[] = [];

  constructor(
    private readonly ws: Workspace,
    private readonly faults: Faults,
    private readonly options: FakeSlackOptions,
    private readonly methods: Record<string, MethodSpec>,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    const at = this.ws.now();
    const contentType = req.headers['content-type'];
    const parsed = await parseBody(await readRaw(req), contentType);
    const token = tokenOf(req, parsed.args);
    const { token: _token, ...args } = parsed.args;
    const userAgent = req.headers['user-agent'];
    const record = (status: number, result: MethodResult | undefined) => {
      const call: RecordedCall = { method, args, at, token, status, ok: result?.ok === true };
      if (userAgent) call.userAgent = userAgent;
      if (result && typeof result.error === 'string') call.error = result.error;
      else if (!result) call.error = status === 429 ? 'ratelimited' : 'http_error';
      this.calls.push(call);
      return call;
    };

    const spec = this.methods[method];
    const channel = spec?.channelArg ? args[spec.channelArg] : undefined;
    const channelId =
      typeof channel === 'string' ? (this.ws.resolveChannel(channel)?.id ?? channel) : undefined;
    const failure = this.faults.take(method, channelId, args);
    if (failure?.status === 'lost-answer') {
      // Slack does the work; the answer is lost on the way back.
      const effective =
        spec?.formOnly && (contentType ?? '').toLowerCase().startsWith('application/json') ? {} : args;
      record(200, this.dispatch(method, spec, token, effective, parsed.binaries, parsed.badJson));
      return;
    }
    if (failure?.status === 'hang') {
      // Read, never answered: the caller's own timeout is all that ends it.
      const call = record(0, undefined);
      res.once('close', () => {
        call.abandonedAt = Date.now();
      });
      return;
    }
    if (failure?.status === 429) {
      record(429, undefined);
      const retryAfter = String(failure.retryAfter ?? 1);
      return sendJson(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': retryAfter });
    }
    if (failure) {
      record(failure.status, undefined);
      return sendText(res, failure.status, 'Internal Server Error');
    }

    const isJson = (contentType ?? '').toLowerCase().startsWith('application/json');
    const effective = spec?.formOnly && isJson ? {} : args;
    const result = this.dispatch(method, spec, token, effective, parsed.binaries, parsed.badJson);
    record(200, result);
    sendJson(res, 200, result);
  }

  private dispatch(
    method: string,
    spec: MethodSpec | undefined,
    token: string | undefined,
    args: Json,
    binaries: Record<string, Buffer>,
    badJson: string | undefined,
  ): MethodResult {
    if (!spec) return fail('unknown_method');
    const denied = this.checkToken(spec, token);
    if (denied) return denied;
    const unscoped = spec.token === 'bot' ? this.checkScopes(method, args) : undefined;
    if (unscoped) return unscoped;
    if (badJson === 'blocks') return fail('invalid_blocks_format');
    if (badJson) return fail('invalid_arguments', [`invalid JSON [json-pointer:/${badJson}]`]);
    const missing = spec.required.filter((k) => args[k] === undefined || args[k] === '');
    if (missing.length > 0) {
      return fail(
        'invalid_arguments',
        missing.map((k) => `missing required field: ${k}`),
      );
    }
    return spec.handle({ ws: this.ws, args, binaries, options: this.options });
  }

  /** Slack distinguishes a missing token, the wrong kind of token, and an unknown one. */
  private checkToken(spec: MethodSpec, token: string | undefined): MethodResult | undefined {
    if (!token) return fail('not_authed');
    const expected = spec.token === 'app' ? this.options.appToken : this.options.botToken;
    if (token === expected) return undefined;
    const other = spec.token === 'app' ? this.options.botToken : this.options.appToken;
    return token === other ? fail('not_allowed_token_type') : fail('invalid_auth');
  }

  /** `missing_scope` names what the method needed and what the app was installed with, as Slack does. */
  private checkScopes(method: string, args: Json): MethodResult | undefined {
    const rule = METHOD_SCOPES[method];
    if (!rule) throw new Error(`fake Slack: no scope rule for ${method} (add it to scopes.ts)`);
    const channel = typeof args.channel === 'string' ? this.ws.visibleToBot(args.channel) : undefined;
    const needed = scopesFor(rule, args, channel ? this.ws.kindOf(channel) : undefined);
    const missing = needed.filter((s) => !this.ws.hasScope(s));
    if (missing.length === 0) return undefined;
    return fail('missing_scope', [], {
      needed: missing.join(','),
      provided: this.ws.installation.scopes.join(','),
    });
  }
}
