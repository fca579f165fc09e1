import { describe, expect, it } from 'vitest';
import { shellQuote } from '../../src/runbooks/quote.js';
import { quotedPlaceholders } from '../../src/runbooks/shell-context.js';
import { renderTemplate } from '../../src/runbooks/template.js';

const values = {
  version: 'v1.2.3',
  note: "it's a; $(test)",
  path: 'a b/c?d=e&f',
  'host.address': '10.0.0.1',
};

describe('shellQuote', () => {
  it.each([
    ['v1.2.3', 'v1.2.3'],
    ['user@host:/a,b=c+d%e_f-g', 'user@host:/a,b=c+d%e_f-g'],
    ['', "''"],
    ['a b', "'a b'"],
    ["it's", `'it'\\''s'`],
    ['$(rm -rf /)', "'$(rm -rf /)'"],
    ['*', "'*'"],
    ['~root', "'~root'"],
  ])('quotes %j as %s', (value, quoted) => {
    expect(shellQuote(value)).toBe(quoted);
  });
});

describe('renderTemplate', () => {
  it('shell-quotes values in shell context', () => {
    const rendered = renderTemplate('echo {{ version }} {{note}} > /tmp/{{path}}', values, 'shell');
    expect(rendered).toEqual({ ok: true, text: `echo v1.2.3 'it'\\''s a; $(test)' > /tmp/'a b/c?d=e&f'` });
  });

  it('inserts values as they are in argv and text contexts', () => {
    expect(renderTemplate('--note={{note}}', values, 'argv')).toEqual({
      ok: true,
      text: "--note=it's a; $(test)",
    });
    expect(renderTemplate('Roll back to {{version}}?', values, 'text')).toEqual({
      ok: true,
      text: 'Roll back to v1.2.3?',
    });
  });

  it('percent-encodes values in URLs', () => {
    const rendered = renderTemplate('http://{{host.address}}:4000/health?p={{path}}', values, 'url');
    expect(rendered).toEqual({ ok: true, text: 'http://10.0.0.1:4000/health?p=a%20b%2Fc%3Fd%3De%26f' });
  });

  it.each(['a\nb', 'a\rb', 'a\0b'])('refuses %j without echoing it', (bad) => {
    const rendered = renderTemplate('echo {{x}}', { x: bad }, 'argv');
    expect(rendered.ok).toBe(false);
    if (!rendered.ok) {
      expect(rendered.code).toBe('invalid_input');
      expect(rendered.message).toMatch(
        /^value of \{\{x\}\} contains (a newline|a NUL character), which is refused$/,
      );
    }
  });

  it('fails on a placeholder without a value, including prototype names', () => {
    const rendered = renderTemplate('{{missing}} {{constructor}}', values, 'text');
    expect(rendered).toEqual({
      ok: false,
      code: 'invalid_input',
      message: 'no value for {{missing}}; no value for {{constructor}}',
    });
  });
});

describe('quotedPlaceholders', () => {
  it('accepts placeholders outside quotes, in comments and after closed heredocs', () => {
    const script = [
      "printf '%s\\n' ok {{a}} && tar -xzf /b/{{b}}",
      'echo "$HOME" {{c}} # {{d}} in a comment',
      'cat <<EOF > /tmp/x',
      'plain',
      'EOF',
      'echo {{e}}',
    ].join('\n');
    expect(quotedPlaceholders(script)).toEqual([]);
  });

  it.each([
    ["echo '{{a}}'", 'single quotes'],
    ['echo "x {{a}}"', 'double quotes'],
    ['echo `cat {{a}}`', 'backticks'],
    ['cat <<EOF\n{{a}}\nEOF', 'a heredoc'],
    ["cat <<-'END'\n\t{{a}}\n\tEND", 'a heredoc'],
  ])('flags %j as inside %s', (script, where) => {
    expect(quotedPlaceholders(script)).toEqual([{ name: 'a', where }]);
  });
});
