/**
 * The lock holder that runs on a remote machine (POSIX sh + coreutils), one per SSH connection, speaking the lock-file
 * protocol of provider/host/files/file-lock.ts so a qemu-lab process running ON that machine and one reaching it over
 * SSH exclude each other:
 *
 * - a lock is an `O_EXCL` file (sh's `set -C` redirection) holding `pid starttime` — here the pid and start time
 *   (field 22 of /proc/PID/stat) of this shell, which lives exactly as long as its SSH session;
 * - a lock whose holder is dead or whose start time differs (pid reused) is stale; it is broken only while holding
 *   the `<lock>.break` file, after re-reading it still holds the stale token; an empty or garbled lock file is given
 *   2 s (its writer may be between open and write);
 * - waiting backs off from 1 ms to 50 ms and is bounded.
 *
 * Requests, one per line on stdin: `L <id> <timeoutMs> <path>` (take; answered `ok <id>`, `timeout <id> <holder pid>`
 * or `err <id> <reason>`, each waiter in a background subshell so locks are taken concurrently) and `U <id> <path>`
 * (release if still ours; answered `released <id>`). It prints `ready <pid> <starttime>` first. At end of input — the
 * connection closed or dropped — it stops its waiters and releases every lock it holds.
 */
// A plain template: every shell `${` is written `\${` and every backslash doubled.
export const LOCK_AGENT_SCRIPT = `
set -f
umask 022
trap '' PIPE
st() {
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  s=\${s##*) }
  set -- $s
  [ $# -ge 20 ] || return 1
  shift 19
  printf '%s' "$1"
}
now() { date +%s%3N; }
tok="$$ $(st $$)"
stop=$(mktemp) || exit 1
live() {
  lp=\${1%% *}
  ls=\${1#* }
  case $lp in ''|*[!0-9]*) ls= ;; esac
  case $ls in *[[:space:]]*) ls= ;; esac
  [ "$lp $ls" = "$1" ] || ls=
  if [ -z "$ls" ]; then
    m=$(stat -c %.3Y -- "$2" 2>/dev/null) || return 1
    [ $(( $(now) - $(printf '%s' "$m" | tr -d .) )) -lt 2000 ]
    return
  fi
  cur=$(st "$lp") || return 1
  [ "$ls" = "?" ] || [ "$ls" = "$cur" ]
}
mk() {
  e=$( (set -C; printf '%s\\n' "$tok" > "$1") 2>&1 )
}
brk() {
  if ! mk "$1.break"; then
    bt=$(cat -- "$1.break" 2>/dev/null) && ! live "$bt" "$1.break" && rm -f -- "$1.break"
    return 1
  fi
  cur_t=$(cat -- "$1" 2>/dev/null) && [ "$cur_t" = "$2" ] && rm -f -- "$1"
  rm -f -- "$1.break"
  return 0
}
acq() {
  end=$(( $(now) + $2 ))
  d=1
  while :; do
    [ -s "$stop" ] && return
    if mk "$3"; then echo "ok $1"; return; fi
    if [ ! -e "$3" ] && [ ! -L "$3" ]; then
      mkdir -p -- "$(dirname -- "$3")" 2>/dev/null
      if mk "$3"; then echo "ok $1"; return; fi
      if [ ! -e "$3" ] && [ ! -L "$3" ]; then echo "err $1 $(printf '%s' "$e" | tr '\\n' ' ')"; return; fi
    fi
    h=$(cat -- "$3" 2>/dev/null) || continue
    if ! live "$h" "$3" && brk "$3" "$h"; then continue; fi
    if [ "$(now)" -ge "$end" ]; then echo "timeout $1 \${h%% *}"; return; fi
    sleep "0.$(printf %03d "$d")"
    d=$(( d * 2 > 50 ? 50 : d * 2 ))
  done
}
rel() {
  h=$(cat -- "$1" 2>/dev/null) && [ "$h" = "$tok" ] && rm -f -- "$1"
}
held=''
cleanup() {
  echo stop > "$stop"
  wait
  printf '%s' "$held" | while IFS= read -r q; do rel "$q"; done
  rm -f -- "$stop"
}
trap 'cleanup; exit 0' HUP TERM INT
echo "ready $tok"
while IFS= read -r line; do
  op=\${line%% *}
  rest=\${line#* }
  case $op in
  L)
    id=\${rest%% *}; rest=\${rest#* }; t=\${rest%% *}; p=\${rest#* }
    held="$held$p
"
    ( acq "$id" "$t" "$p" ) &
    ;;
  U)
    id=\${rest%% *}; p=\${rest#* }
    rel "$p"
    echo "released $id"
    ;;
  esac
done
cleanup
`;
