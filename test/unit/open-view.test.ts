import { describe, expect, it } from 'vitest';
import { viewsOpenError } from '../../src/slack/open-view.js';

describe('views.open answers', () => {
  it('takes ok:true from the start of the answer, in any JSON spacing, without parsing the echoed view', () => {
    expect(viewsOpenError(200, '{"ok":true,"view":{"id":"V1"}}')).toBeUndefined();
    expect(viewsOpenError(200, ' {\n  "ok" : true }')).toBeUndefined();
  });

  it('falls back to parsing when ok is not the first key', () => {
    expect(viewsOpenError(200, '{"view":{"id":"V1"},"ok":true}')).toBeUndefined();
    expect(viewsOpenError(200, '{"view":{"ok":true},"ok":false,"error":"invalid_arguments"}')).toBe(
      'invalid_arguments',
    );
  });

  it("reports Slack's error, or the HTTP status when there is no JSON", () => {
    expect(viewsOpenError(200, '{"ok":false,"error":"expired_trigger_id"}')).toBe('expired_trigger_id');
    expect(viewsOpenError(200, '{"ok":truest}')).toBe('HTTP 200');
    expect(viewsOpenError(429, '{"ok":true}')).toBe('HTTP 429');
    expect(viewsOpenError(502, '<html>bad gateway</html>')).toBe('HTTP 502');
    expect(viewsOpenError(200, '')).toBe('HTTP 200');
  });
});
