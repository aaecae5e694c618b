# checks_lib.sh — the helpers the shell end-to-end checks share (sourced by every
# tests/apps/*_checks.sh that runs hqc). The sourcing script sets $tmp (its scratch folder) and defines
# `flunk DESCRIPTION`, which reports a failed check and marks the run as failed.

# expect CODE DESCRIPTION COMMAND...: runs COMMAND with its stdout in $tmp/out and its stderr in
# $tmp/err, and checks docs/cli.md's contract: the exit code, and for a failure exactly one
# `hqc: error:` line on stderr.
expect() {
  local want=$1 what=$2
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [ "$got" -ne "$want" ]; then
    flunk "$what: exit $got, expected $want"; cat "$tmp/err"
  elif [ "$want" -ne 0 ] && [ "$(grep -c "^hqc: error: " "$tmp/err")" -ne 1 ]; then
    flunk "$what: stderr has not exactly one 'hqc: error:' line"; cat "$tmp/err"
  fi
}

# err_has TEXT DESCRIPTION: the last command's stderr contains TEXT.
err_has() { grep -qF -- "$1" "$tmp/err" || { flunk "$2: the error does not mention '$1'"; cat "$tmp/err"; }; }
