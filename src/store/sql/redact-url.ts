/** A database URL as it may be shown (errors, logs, `--help` output): its password replaced by `***`. */

const MASK = '***';

/**
 * Masks the password in the user-info part and in any `…password=` query parameter. Everything up
 * to the LAST `@` counts as user info, so a password with a raw `@`, `/` or `:` is still covered,
 * even when it makes the URL unparseable; when in doubt, more is masked, never less.
 */
export function redactDatabaseUrl(url: string): string {
  let shown = url;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(shown);
  const at = shown.lastIndexOf('@');
  if (scheme && at > scheme[0].length) {
    const userInfo = shown.slice(scheme[0].length, at);
    shown = `${scheme[0]}${maskUserInfo(userInfo)}${shown.slice(at)}`;
  }
  return shown.replace(/(password\s*=\s*)('[^']*'|[^&\s#]*)/gi, `$1${MASK}`);
}

/** `user:secret` → `user:***`; user info that is not plainly `user` or `user:…` is masked whole. */
function maskUserInfo(userInfo: string): string {
  const colon = userInfo.indexOf(':');
  if (colon >= 0) {
    const user = userInfo.slice(0, colon);
    return /^[^/?#]*$/.test(user) ? `${user}:${MASK}` : MASK;
  }
  return /^[^/?#]*$/.test(userInfo) ? userInfo : MASK;
}
