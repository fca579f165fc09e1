/** Builds the command string sent over SSH: the step script inside a signal-forwarding wrapper. */

/** POSIX single-quoting: safe for sh, bash, dash, zsh and ksh login shells. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/*
 * Why a wrapper: without a pty, sshd runs the session under setsid() and an SSH `signal` request
 * reaches only that one process (the login shell), never the script's children, and closing the
 * channel stops nothing. So the wrapper (which `exec` makes the session leader, and therefore the
 * process group leader) runs the script in the background with stdin from /dev/null, and `wait`s
 * for it: `wait` is interrupted by a trapped signal, so the trap runs at once. On TERM/INT/HUP it
 * ignores further TERMs itself, sends TERM to the whole process group (`kill -TERM 0`), and starts a
 * detached watchdog that sends KILL to the group after the grace period, because the KILL that the
 * client sends later over SSH can only reach the wrapper. In the normal case the wrapper exits with
 * the script's own status. Our stdin is never closed, since OpenSSH ignores signals after EOF.
 */
function wrapperScript(graceSeconds: number, secretVars: readonly string[]): string {
  return [
    // Secret values come first on stdin, one line each (they cannot contain a newline), and reach
    // the script through its environment: never on a command line that `ps` shows.
    ...secretVars.flatMap((name) => [
      `IFS= read -r ${name} || { echo 'rollbot: the secret values did not arrive' >&2; exit 125; }`,
      `export ${name}`,
    ]),
    'rollbot_stop() {',
    "  trap '' TERM INT HUP",
    '  kill -TERM 0 2>/dev/null',
    `  (sleep ${graceSeconds}; kill -KILL 0) >/dev/null 2>&1 </dev/null &`,
    '}',
    'trap rollbot_stop TERM INT HUP',
    '/bin/sh -c "$1" </dev/null &',
    'rollbot_child=$!',
    'wait "$rollbot_child"; rollbot_status=$?',
    // After a trap interrupted `wait`, wait again for the script's real status.
    'while kill -0 "$rollbot_child" 2>/dev/null; do wait "$rollbot_child"; rollbot_status=$?; done',
    'exit "$rollbot_status"',
  ].join('\n');
}

const VARIABLE_RE = /^[A-Z_][A-Z0-9_]*$/;

/**
 * The full command line for the remote login shell. The script must not contain NUL. With
 * `secretVars`, the wrapper first reads that many lines from stdin into those variables
 * (secretInput writes them).
 */
export function remoteCommand(
  script: string,
  killGraceMs: number,
  secretVars: readonly string[] = [],
): string {
  const bad = secretVars.find((name) => !VARIABLE_RE.test(name));
  if (bad !== undefined) throw new Error(`not a shell variable name: ${JSON.stringify(bad)}`);
  const graceSeconds = Math.max(1, Math.ceil(killGraceMs / 1000));
  const wrapper = wrapperScript(graceSeconds, secretVars);
  return `exec /bin/sh -c ${shellQuote(wrapper)} rollbot-step ${shellQuote(script)}`;
}

/** What goes to the wrapper's stdin for remoteCommand(…, Object.keys(env)): one value per line. */
export function secretInput(env: Readonly<Record<string, string>>): string {
  return Object.values(env)
    .map((value) => `${value}\n`)
    .join('');
}
