/**
 * The remote half of a release, as POSIX sh scripts. Every value reaches them as a positional
 * argument ("$1" ...) or on stdin, never spliced into the script text, so no target path, release
 * id or file name can become shell syntax. Scripts print `key NUL value NUL` records on stdout.
 *
 * Layout under the target: releases/<id>/ (complete releases), releases/.<id>.partial/ (one
 * being built), current -> releases/<id>, .deploy/lock/ (owner, heartbeat), .deploy/nginx-*.
 */

/**
 * Gated scripts are started (their channel opened, the command sent) before they are needed, and
 * wait for a `go` line on stdin: the round trips of opening a channel overlap earlier work. Without
 * `go` (stdin closed) they exit having done nothing. `read` takes exactly one line from a pipe,
 * so what follows it on stdin (an archive) is left for the script.
 */
const GATE = `IFS= read -r gate || exit 0
[ "$gate" = go ] || exit 0
`;

export function gated(script: string): string {
  return script.replace(PRELUDE, PRELUDE + GATE);
}

/** Exit codes the client tells apart. */
export const EXIT = { lockTimeout: 75, notSymlink: 76, missingRelease: 77, reloadFailed: 78, nginxTest: 79 } as const;

const PRELUDE = `set -eu
record() { printf '%s\\0%s\\0' "$1" "$2"; }
# A file as a record's value without holding it in a variable (manifests can be megabytes).
record_file() { printf '%s\\0' "$1"; cat "$2" 2>/dev/null || true; printf '\\0'; }
token_of() { sed -n 's/^token=//p' "$1/owner" 2>/dev/null || true; }
`;

/**
 * Takes the lock (mkdir is atomic), waiting up to $2 seconds for a live holder. A holder whose
 * heartbeat is older than the timeout (and at least 3 s) is gone (a killed runner) and its lock is taken over.
 * Then reports what the deploy needs to plan: the live release, its manifest, the manifest of
 * a release already built under this id, and every release's record.
 * args: target, timeout seconds, release id; stdin: the owner record (run, host, time, token).
 */
export const BEGIN_SCRIPT = `${PRELUDE}
T=$1; TIMEOUT=$2; ID=$3
# The heartbeat beats every second: younger than 3 s is alive whatever the timeout.
STALE=$TIMEOUT
[ "$STALE" -ge 3 ] || STALE=3
owner=$(cat)
mkdir -p "$T/releases" "$T/.deploy"
L="$T/.deploy/lock"
start=$(date +%s)
while :; do
  if mkdir "$L" 2>/dev/null; then
    printf '%s\\n' "$owner" > "$L/owner"
    date +%s > "$L/heartbeat"
    break
  fi
  now=$(date +%s)
  holder=$(cat "$L/owner" 2>/dev/null || true)
  beat=$(cat "$L/heartbeat" 2>/dev/null || true)
  case $beat in ''|*[!0-9]*) beat=$start ;; esac
  if [ $((now - beat)) -ge "$STALE" ]; then
    stale="$L.stale.$$"
    if mv "$L" "$stale" 2>/dev/null; then
      if [ "$(cat "$stale/owner" 2>/dev/null || true)" = "$holder" ]; then
        rm -rf "$stale"
        record took-over "$holder"
      else
        mv "$stale" "$L" 2>/dev/null || rm -rf "$stale"
      fi
      continue
    fi
  fi
  if [ $((now - start)) -ge "$TIMEOUT" ]; then
    printf '%s' "$holder" >&2
    exit ${EXIT.lockTimeout}
  fi
  sleep 1
done
cd "$T"
if [ -e current ] || [ -L current ]; then
  if [ ! -L current ]; then
    echo "$T/current exists and is not a symlink; move it away once so releases can be switched atomically" >&2
    exit ${EXIT.notSymlink}
  fi
  record current "$(readlink current)"
fi
for partial in releases/.*.partial; do
  [ -e "$partial" ] || continue
  rm -rf "$partial"
  record cleaned "\${partial#releases/}"
done
rm -f current.tmp
if [ -L current ] && [ -f current/.release-manifest.json ]; then
  record_file current-manifest current/.release-manifest.json
fi
if [ -f "releases/$ID/.release-manifest.json" ]; then
  record_file existing-manifest "releases/$ID/.release-manifest.json"
fi
for dir in releases/*; do
  [ -d "$dir" ] || continue
  record release "\${dir#releases/}"
  record_file release-info "$dir/.release.json"
done
`;

/**
 * Keeps the lock's heartbeat fresh for as long as the client holds this channel open. When the
 * client goes away (finished, or killed) sshd closes stdin, \`cat\` returns and the beating stops,
 * so the lock goes stale on its own. args: lock dir, token.
 */
export const HEARTBEAT_SCRIPT = `${PRELUDE}
L=$1; TOKEN=$2
(
  while [ "$(token_of "$L")" = "$TOKEN" ]; do
    date +%s > "$L/heartbeat"
    sleep 1
  done
) </dev/null >/dev/null 2>&1 &
beater=$!
cat > /dev/null
kill "$beater" 2>/dev/null || true
`;

/**
 * Builds the release from the archive on stdin into releases/.<id>.partial (tar makes the hard
 * links to the live release itself), then renames it into place: a release directory without
 * the dot is always complete. args: target, release id.
 */
export const UPLOAD_SCRIPT = `${PRELUDE}
T=$1; ID=$2
cd "$T"
P="releases/.$ID.partial"
rm -rf "$P"
tar -xzf - --no-same-owner -p
[ -d "$P" ] || { echo "the release archive did not contain $P" >&2; exit 1; }
rm -rf "releases/$ID"
mv "$P" "releases/$ID"
record built "$ID"
`;

/** Rewrites a release's record (e.g. to mark it failed). args: target, release id; stdin: the JSON. */
export const WRITE_INFO_SCRIPT = `${PRELUDE}
T=$1; ID=$2
R="$T/releases/$ID"
[ -d "$R" ] || { echo "release $ID does not exist in $T/releases" >&2; exit ${EXIT.missingRelease}; }
cat > "$R/.release.json.tmp"
mv -f "$R/.release.json.tmp" "$R/.release.json"
`;

/**
 * The atomic switch: a new symlink under a temporary name renamed over \`current\` (rename(2)
 * replaces it in one step; \`ln -sfn\` would unlink first and leave a moment without a site).
 * Then the reload (user commands run in the target directory); if nginx refuses it, the previous release goes back so link and server agree.
 * args: target, release id (empty: no live release, as before a first deploy), reload command (may be empty).
 */
export const SWITCH_SCRIPT = `${PRELUDE}
T=$1; ID=$2; RELOAD=$3
cd "$T"
[ -z "$ID" ] || [ -d "releases/$ID" ] || { echo "release $ID does not exist in $T/releases" >&2; exit ${EXIT.missingRelease}; }
previous=$(readlink current 2>/dev/null || true)
point_current_at() {
  rm -f current.tmp
  ln -s "$1" current.tmp
  mv -T current.tmp current
}
if [ -n "$ID" ]; then point_current_at "releases/$ID"; else rm -f current; fi
record previous "$previous"
[ -n "$RELOAD" ] || exit 0
if ! output=$(sh -c "$RELOAD" 2>&1); then
  if [ -n "$previous" ]; then point_current_at "$previous"; else rm -f current; fi
  sh -c "$RELOAD" >/dev/null 2>&1 || true
  printf '%s\\n' "$output" >&2
  exit ${EXIT.reloadFailed}
fi
`;

/**
 * Installs a rendered nginx site config (stdin) after keeping a backup under .deploy (not beside
 * it: nginx includes whole directories, and a backup there would load twice), then runs the
 * test command; when nginx refuses the config the backup goes back and nginx's words are the error.
 * args: target, config path, test command (may be empty).
 */
export const NGINX_INSTALL_SCRIPT = `${PRELUDE}
T=$1; P=$2; TEST=$3
cd "$T"
D="$T/.deploy"
cat > "$D/nginx-config.new"
rm -f "$D/nginx-config.backup" "$D/nginx-config.absent"
if [ -e "$P" ]; then cp -p "$P" "$D/nginx-config.backup"; else : > "$D/nginx-config.absent"; fi
cat "$D/nginx-config.new" > "$P"
rm -f "$D/nginx-config.new"
[ -n "$TEST" ] || exit 0
if ! output=$(sh -c "$TEST" 2>&1); then
  if [ -e "$D/nginx-config.backup" ]; then cat "$D/nginx-config.backup" > "$P"; else rm -f "$P"; fi
  printf '%s\\n' "$output" >&2
  exit ${EXIT.nginxTest}
fi
`;

/** Puts the config from before this deploy back (another host failed, or the smoke check did). args: target, config path. */
export const NGINX_RESTORE_SCRIPT = `${PRELUDE}
T=$1; P=$2
D="$T/.deploy"
if [ -e "$D/nginx-config.backup" ]; then cat "$D/nginx-config.backup" > "$P"; elif [ -e "$D/nginx-config.absent" ]; then rm -f "$P"; fi
`;

/**
 * Prunes the named releases and releases the lock, in one round trip. The lock is only removed
 * while it is still ours (a deploy that outlived its lock must not free someone else's).
 * args: target, token; stdin: release ids to remove, one per line.
 */
export const FINISH_SCRIPT = `${PRELUDE}
T=$1; TOKEN=$2
while IFS= read -r id; do
  [ -n "$id" ] || continue
  rm -rf "$T/releases/$id"
  record pruned "$id"
done
L="$T/.deploy/lock"
if [ "$(token_of "$L")" = "$TOKEN" ]; then rm -rf "$L"; record unlocked yes; fi
`;

/** Lists releases and the live one, for rollback. args: target. */
export const LIST_SCRIPT = `${PRELUDE}
T=$1
cd "$T" 2>/dev/null || exit 0
if [ -L current ]; then record current "$(readlink current)"; fi
for dir in releases/*; do
  [ -d "$dir" ] || continue
  record release "\${dir#releases/}"
  record_file release-info "$dir/.release.json"
done
`;

/** `key NUL value NUL ...` as printed by \`record\`. */
export function parseRecords(stdout: string): Array<[string, string]> {
  const parts = stdout.split('\0');
  const records: Array<[string, string]> = [];
  for (let index = 0; index + 1 < parts.length; index += 2) records.push([parts[index], parts[index + 1]]);
  return records;
}
