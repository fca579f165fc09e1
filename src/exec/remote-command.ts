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
function wrapperScript(graceSeconds: number): string {
  return [
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

/** The full command line for the remote login shell. The script must not contain NUL. */
export function remoteCommand(script: string, killGraceMs: number): string {
  const graceSeconds = Math.max(1, Math.ceil(killGraceMs / 1000));
  return `exec /bin/sh -c ${shellQuote(wrapperScript(graceSeconds))} rollbot-step ${shellQuote(script)}`;
}
