/**
 * The remote half of a release, as POSIX sh scripts. Every value reaches them as a positional
 * argument ("$1" ...) or on stdin, never spliced into the script text, so no target path, release
 * id or file name can become shell syntax. Scripts print `key NUL value NUL` records on stdout.
 *
 * Layout under the target: releases/<id>/ (complete releases, nothing but the build),
 * releases/.<id>.partial/ (one being built), current -> releases/<id>, .deploy/records/<id>/ (each
 * release's record, manifest, file stats and the site config it went live with), .deploy/lock/ (owner, heartbeat), .deploy/nginx-*,
 * .deploy/current.before (the link the last switch replaced). Scratch names start with a dot;
 * release ids never do.
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

/**
 * `script` changed to wait for a `go` line on stdin before doing anything (see GATE), so its channel can be opened
 * ahead of time.
 */
export function gated(script: string): string {
  return script.replace(PRELUDE, PRELUDE + GATE);
}

/** Exit codes the client tells apart. */
export const EXIT = {
  lockTimeout: 75,
  notSymlink: 76,
  missingRelease: 77,
  reloadFailed: 78,
  nginxTest: 79,
  buildFailed: 80,
} as const;

/**
 * Where a release's records live, relative to the target: beside the served tree, never in it
 * (`root .../current;` would publish them). Releases built before this layout carry them inside
 * as `.release.json` and `.release-manifest.json`; the next deploy moves them here.
 */
export const RECORDS_DIR = '.deploy/records';
/** The release's record file name (see ReleaseInfo) in its records directory. */
export const RECORD_INFO = 'release.json';
/** The release's manifest file name in its records directory. */
export const RECORD_MANIFEST = 'manifest.json';
/**
 * The release manifest's digest (manifestDigest, 64 hex characters), written beside it: the deploy
 * compares it on the host with its own build's, and reads a manifest back only when they differ.
 */
export const RECORD_DIGEST = 'manifest.sha256';
/**
 * Every release file as `size mode mtime inode ctime path` (NUL-ended, sorted), taken right after the
 * release was built. The change time is there because utimes(2) can put back a file's mtime after an
 * in-place edit of the same length, but not its ctime (the kernel sets it on every change, see
 * inode(7)). Unchanged files are hard links shared by every release that kept them, so an edit made
 * through any of them (an older release's path included) changes the one inode, and with it the
 * stat every sharing release sees. ctime also moves when a hard link to the file is made or removed
 * (the next release, a prune), so a file whose stat differs is only a candidate: it is hashed, and
 * the client counts it as drift when its bytes or mode are not the release's.
 */
export const RECORD_STAT = 'file-stat';
const STAT_FORMAT = '%s %m %T@ %i %C@ %P\\0';

/**
 * Drift: a file of release $1 (records in $2) whose size, mode, mtime, inode or ctime is not what was
 * recorded when it was written (edited, touched, replaced or removed on the server, or linked
 * again) is reported as "$3 <path>", then "$3-now <sha256 size mode>" (empty when it is gone, is
 * no longer a regular file or cannot be read). A release without that record (built before it was
 * kept, or with an older one lacking ctime, which cannot see an edit whose mtime was put back) has
 * every file hashed, announced by "$3-full": the client then counts a file of the manifest not
 * reported as gone. Cost: one read of the candidates, at most the release's bytes, on the server,
 * under the lock. The candidates are read in batches (one find, one sha256sum per batch of
 * xargs, one awk to pair them up), never a process per file: after a prune every file the release
 * shared with the pruned one is a candidate (see RECORD_STAT). Paths travel NUL-ended throughout,
 * as "./<path>" so none reads as an option or a find expression.
 */
const DRIFT_PAIRS = `BEGIN { RS = "\\0"; key = ENVIRON["DRIFT_KEY"] }
/^C/ { n++; asked[n] = substr($0, 2); next }
/^S/ {
  s = substr($0, 2); i = index(s, " "); size = substr(s, 1, i - 1); s = substr(s, i + 1)
  i = index(s, " "); kept[substr(s, i + 1)] = size " " substr(s, 1, i - 1); next
}
{ hash[substr($0, 67)] = substr($0, 1, 64) }
END {
  for (i = 1; i <= n; i++) {
    p = asked[i]; now = ""
    if ((p in kept) && (p in hash)) now = hash[p] " " kept[p]
    printf "%s%c%s%c%s-now%c%s%c", key, 0, substr(p, 3), 0, key, 0, now, 0
  }
}`;
const REPORT_DRIFT = `report_drift() {
  [ -f "$2/${RECORD_STAT}" ] || record "$3-full" yes
  if [ -f "$2/${RECORD_STAT}" ]; then
    find "$1/" -type f -printf '${STAT_FORMAT}' | sort -z | comm -z -3 "$2/${RECORD_STAT}" - |
      sed -z 's/^\\t//' | cut -z -d ' ' -f 6- | sort -zu
  else
    find "$1/" -type f -printf '%P\\0'
  fi | sed -z 's|^|./|' | (cd "$1" && xargs -0 -r sh -c '
      for f; do printf "C%s\\0" "$f"; done
      find "$@" -maxdepth 0 -type f -printf "S%s %m %p\\0" -exec sha256sum -z -- {} + 2>/dev/null
      exit 0' drift) | DRIFT_KEY=$3 awk '${DRIFT_PAIRS}'
}
`;

const PRELUDE = `set -eu
record() { printf '%s\\0%s\\0' "$1" "$2"; }
# Whether the release whose records are in $1 has the manifest digest $DIGEST (never when none is given).
same_manifest() { [ -n "\${DIGEST:-}" ] && [ "$(cat "$1/${RECORD_DIGEST}" 2>/dev/null || true)" = "$DIGEST" ]; }
# Puts back the site config at $1 that the last config install replaced (run in the target directory).
restore_config() {
  if [ -e .deploy/nginx-config.backup ]; then cat .deploy/nginx-config.backup > "$1"
  elif [ -e .deploy/nginx-config.absent ]; then rm -f "$1"; fi
}
# A file as a record's value without holding it in a variable (manifests can be megabytes).
record_file() { printf '%s\\0' "$1"; cat "$2" 2>/dev/null || true; printf '\\0'; }
token_of() { sed -n 's/^token=//p' "$1/owner" 2>/dev/null || true; }
free_kib() { df -Pk . 2>/dev/null | awk 'NR == 2 { print $4 }' || true; }
# Failures the script did not foresee (a full disk, a read-only file system) end with how much space there is.
space_note() { [ "$1" -ge 64 ] || printf 'free space in %s: %s KiB\\n' "$PWD" "$(free_kib)" >&2; }
# Runs a user command ($2, named $1 in errors) for at most $BOUND seconds, so a command that never
# ends cannot hold the deploy and its lock forever; on failure $command_error holds its words and
# exit status, or that it timed out. GNU timeout signals the command's whole process group (a
# \`sh -c\` and what it started); -k: KILL 5 s later for a command that ignores TERM.
run_bounded() {
  command_error=
  set +e
  output=$(timeout -k 5 "$BOUND" sh -c "$2" 2>&1)
  rc=$?
  set -e
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    command_error="the $1 command timed out: $2 did not finish within $BOUND s\${output:+: $output}"
  elif [ "$rc" -ne 0 ]; then
    command_error="the $1 command exited with status $rc\${output:+: $output}"
  fi
}
`;

/** Reads every release and its record (a release built before the records moved has them inside). */
const LIST_RELEASES = `for dir in releases/*; do
  [ -d "$dir" ] || continue
  id=\${dir#releases/}
  record release "$id"
  if [ -d "${RECORDS_DIR}/$id" ]; then record_file release-info "${RECORDS_DIR}/$id/${RECORD_INFO}"
  else record_file release-info "$dir/.release.json"; fi
done
`;

/**
 * Commands the switch and its revert need beyond POSIX sh and coreutils: flock(1), from util-linux,
 * holds SWITCH_LOCK. Checked when the lock is taken, so a host without one fails before any host
 * switches, with an error naming the command, never halfway through a switch.
 */
const REQUIRE_COMMANDS = `for required in flock; do
  command -v "$required" >/dev/null 2>&1 && continue
  printf 'this host has no %s command, which the deploy needs to switch releases safely: install util-linux (see "Host setup" in the action README)\\n' "$required" >&2
  exit 1
done`;

/**
 * How a release is built on the host, shared by the upload and by a lock that clones a kept release
 * (see BEGIN_SCRIPT). Need $ID, $P (releases/.<id>.partial) and $R (its records' partial directory);
 * run in the target directory. clone_release hard-links kept release $1 whole into $P (\`cp -al\`, one
 * process) and copies its manifest and digest into $R; stat_release records the stat of every file
 * of $P as written (RECORD_STAT); place_release renames both into place, so a release directory
 * without the dot is always complete and has its records. The first two print their failure's words.
 */
const BUILD_RELEASE = `clone_release() {
  cp -al "releases/$1" "$P" 2>&1 &&
    cp -p "${RECORDS_DIR}/$1/${RECORD_MANIFEST}" "${RECORDS_DIR}/$1/${RECORD_DIGEST}" "$R/" 2>&1
}
stat_release() {
  find "$P/" -type f -printf '${STAT_FORMAT}' 2>&1 > "$R/stat.all" &&
    sort -z -o "$R/${RECORD_STAT}" "$R/stat.all" 2>&1 && rm -f "$R/stat.all"
}
place_release() {
  rm -rf "releases/$ID" "${RECORDS_DIR}/$ID"
  mv "$R" "${RECORDS_DIR}/$ID"
  mv "$P" "releases/$ID"
}
`;

/**
 * Takes the lock (mkdir is atomic), waiting up to $2 seconds for a live holder. A holder whose
 * heartbeat is older than the timeout (and at least 3 s) is gone (a killed runner) and its lock is taken over.
 * A lock directory that cannot be made although nobody holds it is an error at once (a read-only or
 * unwritable target), never a wait. Then, still under the lock: removes what interrupted runs left,
 * moves records out of releases built before they lived beside them, and reports what the deploy
 * needs to plan: the live release, its manifest, files of it changed on the server since it was
 * built (with their hash now), the manifest and changed files of a release already built under this
 * id, and every release's record. Any failure after the lock was taken frees it again.
 * A manifest whose recorded digest is the build's ($4, see RECORD_DIGEST) is not sent back: only
 * \`current-same\` or \`existing-same\`. When the live release is not the build, the newest kept
 * release that is (by when its file stats were recorded: the one least likely to have been linked
 * since) is named as \`match\` with its drift (\`match-drift\`): the deploy can clone it whole, so
 * a redeploy after a rollback sends no file again. Without a match, each kept release built after
 * the live one (the live one was rolled back to) is reported as \`newer\` with its manifest and
 * drift, so files only it holds are linked, not sent; in the usual flow the live release is the
 * newest and nothing more is read.
 * A live manifest whose recorded digest is $6 (the digest of a manifest the runner kept from an
 * earlier deploy to this target, see TargetLock.acquire's \`known\`) is not sent back either: only
 * \`current-known\`, and the deploy uses the copy it holds.
 * When that release (the live one or the match) has no file whose stat moved since it was built, and
 * the new release's record is given ($7), the release is cloned here as the upload would clone it
 * (see BUILD_RELEASE) and \`cloned <from>\` is recorded: a redeploy of a kept build needs no upload
 * channel and no round trip of its own.
 * args: target, timeout seconds, release id, the build's manifest digest (may be empty), the owner
 * record (run, host, time, token), a kept manifest's digest (may be empty), the new release's record
 * (JSON, may be empty: no clone). The owner and record are arguments, not stdin: the script starts on
 * the exec request itself, a round trip before stdin could reach it.
 */
export const BEGIN_SCRIPT = `${PRELUDE}
T=$1; TIMEOUT=$2; ID=$3; DIGEST=\${4:-}; owner=$5; KNOWN=\${6:-}; INFO=\${7:-}
# The heartbeat beats every second: younger than 3 s is alive whatever the timeout.
STALE=$TIMEOUT
[ "$STALE" -ge 3 ] || STALE=3
${REQUIRE_COMMANDS}
mkdir -p "$T/releases" "$T/${RECORDS_DIR}"
cd "$T"
L=.deploy/lock
locked=
${REPORT_DRIFT}
${BUILD_RELEASE}
# report_drift, noting in $unchanged whether no file of the release was even a candidate.
report_drift_noting() {
  report_drift "$@" > "$L/drift"
  unchanged=
  [ -s "$L/drift" ] || unchanged=yes
  cat "$L/drift"
  rm -f "$L/drift"
}
FROM=
trap 'rc=$?; [ -z "$locked" ] || [ "$rc" -eq 0 ] || rm -rf "$L"; [ "$rc" -eq 0 ] || space_note "$rc"' EXIT
start=$(date +%s)
while :; do
  if err=$(mkdir "$L" 2>&1); then
    locked=yes
    printf '%s\\n' "$owner" > "$L/owner"
    date +%s > "$L/heartbeat"
    break
  fi
  if [ ! -d "$L" ]; then
    printf 'cannot take the deploy lock %s/%s: %s\\n' "$T" "$L" "$err" >&2
    exit 1
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
live=
if [ -e current ] || [ -L current ]; then
  if [ ! -L current ]; then
    echo "$T/current exists and is not a symlink; move it away once so releases can be switched atomically" >&2
    exit ${EXIT.notSymlink}
  fi
  live=$(readlink current)
  record current "$live"
fi
for partial in releases/.*.partial ${RECORDS_DIR}/.*.partial; do
  [ -e "$partial" ] || continue
  # A live release is never debris, whatever its name (ids were not always kept apart from scratch names).
  [ "$partial" != "$live" ] || continue
  rm -rf "$partial"
  case $partial in releases/*) record cleaned "\${partial#releases/}" ;; esac
done
rm -f current.tmp
for dir in releases/*; do
  [ -d "$dir" ] || continue
  id=\${dir#releases/}
  if [ -f "$dir/.release.json" ] && [ ! -d "${RECORDS_DIR}/$id" ]; then
    R="${RECORDS_DIR}/.$id.partial"
    mkdir -p "$R"
    mv "$dir/.release.json" "$R/${RECORD_INFO}"
    if [ -f "$dir/.release-manifest.json" ]; then mv "$dir/.release-manifest.json" "$R/${RECORD_MANIFEST}"; fi
    mv "$R" "${RECORDS_DIR}/$id"
    record migrated "$id"
  fi
done
for rec in ${RECORDS_DIR}/*; do
  [ -d "$rec" ] || continue
  [ -d "releases/\${rec##*/}" ] || rm -rf "$rec"
done
LR=
case $live in releases/*/*) ;; releases/?*) LR="${RECORDS_DIR}/\${live#releases/}" ;; esac
found=
if [ -n "$LR" ] && same_manifest "$LR"; then found=yes; fi
if [ -n "$ID" ] && [ -f "${RECORDS_DIR}/$ID/${RECORD_MANIFEST}" ]; then
  if same_manifest "${RECORDS_DIR}/$ID"; then record existing-same yes; found=yes
  else record_file existing-manifest "${RECORDS_DIR}/$ID/${RECORD_MANIFEST}"; fi
  [ "releases/$ID" = "$live" ] || report_drift "releases/$ID" "${RECORDS_DIR}/$ID" existing-drift
fi
match=
newer=
if [ -n "$DIGEST" ] && [ -z "$found" ]; then
  seen_live=
  for R in $(find ${RECORDS_DIR} -mindepth 2 -maxdepth 2 -name ${RECORD_STAT} -printf '%T@ %h\\n' | sort -rn | cut -d ' ' -f 2); do
    id=\${R##*/}
    case $id in .*) continue ;; esac
    [ -d "releases/$id" ] || continue
    if same_manifest "$R"; then
      match=$id
      record match "$id"
      report_drift_noting "releases/$id" "$R" match-drift
      [ -z "$unchanged" ] || FROM=$id
      break
    fi
    if [ "releases/$id" = "$live" ]; then seen_live=yes
    elif [ -z "$seen_live" ] && [ "$id" != "$ID" ] && [ -f "$R/${RECORD_MANIFEST}" ]; then newer="$newer $id"; fi
  done
fi
# With a match the live release is not linked from: neither its manifest nor its drift is needed.
if [ -n "$LR" ] && [ -z "$match" ]; then
  same=
  if same_manifest "$LR"; then record current-same yes; same=yes
  elif [ -n "$KNOWN" ] && [ "$(cat "$LR/${RECORD_DIGEST}" 2>/dev/null || true)" = "$KNOWN" ]; then record current-known yes
  elif [ -f "$LR/${RECORD_MANIFEST}" ]; then record_file current-manifest "$LR/${RECORD_MANIFEST}"; fi
  report_drift_noting "$live" "$LR" drift
  [ -z "$same" ] || [ -z "$unchanged" ] || FROM=\${live#releases/}
fi
# The build is a kept release none of whose files changed: with the new release's record ($INFO) it is
# cloned now, under the lock, so that the deploy needs no upload. A clone that fails (a full disk)
# leaves nothing behind and no \`cloned\`: the deploy then uploads, and reports the failure as such.
if [ -n "$FROM" ] && [ -n "$INFO" ] && [ -n "$ID" ] && [ ! -e "releases/$ID" ] && [ "$FROM" != "$ID" ]; then
  P="releases/.$ID.partial"
  R="${RECORDS_DIR}/.$ID.partial"
  rm -rf "$P" "$R"
  if mkdir -p "$R" && printf '%s' "$INFO" > "$R/${RECORD_INFO}" && clone_release "$FROM" >/dev/null &&
    stat_release >/dev/null; then
    place_release
    record cloned "$FROM"
  else
    rm -rf "$P" "$R"
  fi
fi
# Releases built after the live one (it was rolled back to): their new files can be linked too.
if [ -z "$match" ]; then
  for id in $newer; do
    record newer "$id"
    record_file newer-manifest "${RECORDS_DIR}/$id/${RECORD_MANIFEST}"
    report_drift "releases/$id" "${RECORDS_DIR}/$id" "newer-drift:$id"
  done
fi
${LIST_RELEASES}
trap - EXIT
`;

/**
 * Keeps the lock's heartbeat fresh for as long as the client holds this channel open. When the
 * client goes away (finished, or killed) sshd closes stdin, \`cat\` returns and the beating stops,
 * so the lock goes stale on its own. A beat that cannot be written (a full disk) is skipped, not fatal.
 * args: lock dir, token.
 */
export const HEARTBEAT_SCRIPT = `${PRELUDE}
L=$1; TOKEN=$2
(
  while [ "$(token_of "$L")" = "$TOKEN" ]; do
    date +%s > "$L/heartbeat" 2>/dev/null || true
    sleep 1
  done
) </dev/null >/dev/null 2>&1 &
beater=$!
cat > /dev/null
kill "$beater" 2>/dev/null || true
`;

/**
 * Builds the release from the archive on stdin into releases/.<id>.partial and its records into
 * ${RECORDS_DIR}/.<id>.partial (tar makes the hard links to the live release itself), records every
 * file's stat (RECORD_STAT) as written, then renames both into place: a release directory without the
 * dot is always complete and has its records. A failed build removes what it wrote and reports the
 * free space left. The first line of stdin names a kept release to clone (empty: none): one whose
 * manifest is the build's and none of whose files changed on the server. Its tree is then hard-linked
 * whole (\`cp -al\`, one process) and its manifest and digest copied, and the archive carries only
 * the new release's record: a redeploy of the same build sends no file and no manifest.
 * args: target, release id.
 */
export const UPLOAD_SCRIPT = `${PRELUDE}
T=$1; ID=$2
cd "$T"
${BUILD_RELEASE}
IFS= read -r FROM || FROM=
case $FROM in
  '') ;;
  .*|*/*) echo "cannot clone release '$FROM': not a release id" >&2; exit 1 ;;
esac
P="releases/.$ID.partial"
R="${RECORDS_DIR}/.$ID.partial"
rm -rf "$P" "$R"
if ! err=$(tar -xzf - --no-same-owner -p 2>&1) ||
  { [ -n "$FROM" ] && ! err=$(clone_release "$FROM"); } ||
  [ ! -d "$P" ] || [ ! -d "$R" ] || ! err=$(stat_release); then
  rm -rf "$P" "$R"
  record available-kib "$(free_kib)"
  printf '%s\\n' "\${err:-the release archive did not contain $P and $R}" >&2
  exit ${EXIT.buildFailed}
fi
place_release
record built "$ID"
`;

/** Rewrites a release's record (e.g. to mark it failed). args: target, release id; stdin: the JSON. */
export const WRITE_INFO_SCRIPT = `${PRELUDE}
T=$1; ID=$2
cd "$T"
[ -d "releases/$ID" ] || { echo "release $ID does not exist in $T/releases" >&2; exit ${EXIT.missingRelease}; }
R="${RECORDS_DIR}/$ID"
mkdir -p "$R"
cat > "$R/${RECORD_INFO}.tmp"
mv -f "$R/${RECORD_INFO}.tmp" "$R/${RECORD_INFO}"
`;

/**
 * Where a release lives: `<target>/releases/<id>`, the directory `current` links to while it is
 * live (the layout above). The one place a release path is built.
 */
export function releasePath(target: string, releaseId: string): string {
  return `${target}/releases/${releaseId}`;
}

/**
 * The switch's critical section: SWITCH_SCRIPT holds this flock(1) lock while it moves \`current\`,
 * REVERT_SCRIPT while it puts it back, so a revert never looks at \`current\` while a switch whose
 * client is gone (a cancelled run) is still landing: the revert waits for it, then undoes it too.
 * The kernel frees it when the holder dies, whatever killed it.
 */
const SWITCH_LOCK = '.deploy/switch.lock';
/** Which run installed a site config, for which release, at which path: `token`, `id`, `path` lines under .deploy. */
const CONFIG_RUN = 'nginx-config.run';
/** The token of the run whose switch replaced the link kept in .deploy/current.before. */
const SWITCHED_BY = '.deploy/current.by';

/**
 * restat_live: a prune removes a hard link to every file the kept releases shared with the pruned
 * one, and the kernel moves those files' ctime (inode(7)), so the live release's stat record (see
 * RECORD_STAT) no longer matches any of them: the next deploy would hash every shared file under
 * the lock, send each back as a drift candidate, and, with candidates, not clone a build the host
 * already holds. So after a prune the live release's record is taken again, but only when nothing
 * but ctimes moved (size, mode, mtime, inode and path of every file as recorded) and the record was
 * written under the lock this run still holds ($L, its owner file older than the record): this run
 * built that release, so the only edit a fresh record could hide is one made during this run, to a
 * file shared with the pruned release, that also put back its mtime. Anything else that moved keeps
 * the old record, so the next deploy checks it. Run in the target directory.
 */
const RESTAT_LIVE = `restat_live() {
  S=$(readlink current 2>/dev/null || true)
  case $S in releases/*/* | releases/.*) return 0 ;; releases/?*) ;; *) return 0 ;; esac
  RS="${RECORDS_DIR}/\${S#releases/}"
  [ -f "$RS/${RECORD_STAT}" ] && [ "$RS/${RECORD_STAT}" -nt "$L/owner" ] || return 0
  find "$S/" -type f -printf '${STAT_FORMAT}' | sort -z > "$RS/stat.now" &&
    cut -z -d ' ' -f 1-4,6- "$RS/${RECORD_STAT}" > "$RS/stat.was" &&
    cut -z -d ' ' -f 1-4,6- "$RS/stat.now" | cmp -s "$RS/stat.was" - &&
    mv "$RS/stat.now" "$RS/${RECORD_STAT}"
  rm -f "$RS/stat.now" "$RS/stat.was"
}`;

/**
 * finish_run: prunes the release ids read from stdin, one per line (never releases/$KEEP when set),
 * and frees the lock while it is still run $TOKEN's. A release that cannot be removed is reported
 * (\`prune-failed\`), never a reason to keep the lock; \`unlocked\` says the lock was freed. A site
 * config this run installed (CONFIG_RUN names its token) for a release that \`current\` does not
 * point at goes back to the one it replaced: a run cancelled between the config and the switch
 * leaves the config that matches the live release; a run that switched leaves its own. Run in the
 * target directory.
 */
const FINISH_RUN = `${RESTAT_LIVE}
finish_run() {
  pruned_any=
  while IFS= read -r id; do
    [ -n "$id" ] || continue
    # The release a switch just replaced is never pruned, whatever the client computed.
    [ "releases/$id" != "\${KEEP:-}" ] || continue
    if err=$(rm -rf -- "releases/$id" 2>&1) && err=$(rm -rf -- "${RECORDS_DIR}/$id" 2>&1); then
      record pruned "$id"
      pruned_any=yes
    else
      record prune-failed "$id"
      printf '%s\\n' "$err" >&2
    fi
  done
  L=.deploy/lock
  M=.deploy/${CONFIG_RUN}
  if [ "$(token_of "$L")" = "$TOKEN" ]; then
    [ -z "$pruned_any" ] || restat_live || true
    # A config this run installed for a release it did not switch to (cancelled in between) goes back;
    # a failure here never keeps the lock.
    if [ -f "$M" ] && [ "$(sed -n 1p "$M")" = "$TOKEN" ]; then
      P=$(sed -n 3p "$M")
      if [ "$(readlink current 2>/dev/null || true)" != "releases/$(sed -n 2p "$M")" ]; then
        if err=$(restore_config "$P" 2>&1); then record config-restored "$P"
        else record config-restore-failed "$P: $err"; fi
      fi
      rm -f "$M"
    fi
    rm -rf "$L"; record unlocked yes
  fi
}
`;

/**
 * put_back: the link the switch to releases/$ID by run $TOKEN replaced goes back (or \`current\` goes
 * when there was none), only while \`current\` still points there and that run made the last switch:
 * a host another run has switched since is left alone. Sets $reverted when it changed the link.
 * Needs $ID, $TOKEN, and fd 9 open on SWITCH_LOCK and locked.
 */
const PUT_BACK = `reverted=
put_back() {
  [ "$(readlink current 2>/dev/null || true)" = "releases/$ID" ] || return 0
  [ "$(cat ${SWITCHED_BY} 2>/dev/null || true)" = "$TOKEN" ] || return 0
  if [ -L .deploy/current.before ]; then mv -T .deploy/current.before current
  elif [ -e .deploy/current.none ]; then rm -f current .deploy/current.none
  else echo "no record of what was live before releases/$ID; current is left as it is" >&2; return 1
  fi
  reverted=yes
}
`;

/**
 * The atomic switch: a new symlink under a temporary name renamed over \`current\` (rename(2)
 * replaces it in one step; \`ln -sfn\` would unlink first and leave a moment without a site).
 * The link it replaces is kept as .deploy/current.before, and the run's token as SWITCHED_BY, so
 * REVERT_SCRIPT can put back exactly what was live, whatever the client understood, and only its
 * own switch. Then the reload (user commands run in the target directory, outside SWITCH_LOCK, so
 * a hung reload never holds a revert); if it fails, the previous link goes back so link and server
 * agree, and the error carries the command's words and exit status. A script that stops in between
 * for any other reason (a failing command, TERM) puts the previous link back on its way out.
 * After a switch that went through, a line \`unlock\` on stdin (after the gate's \`go\`) followed by
 * release ids, one per line, prunes them and frees the lock (see finish_run; the release just
 * replaced is kept): for a run where nothing after the switch can send the host back, this saves
 * the unlock its round trip. A failed switch leaves the lock to the run.
 * args: target, release id, reload command (may be empty), its bound in seconds, the run's lock token.
 */
export const SWITCH_SCRIPT = `${PRELUDE}
T=$1; ID=$2; RELOAD=$3; BOUND=$4; TOKEN=$5
cd "$T"
[ -d "releases/$ID" ] || { echo "release $ID does not exist in $T/releases" >&2; exit ${EXIT.missingRelease}; }
${PUT_BACK}
${FINISH_RUN}
exec 9> ${SWITCH_LOCK}
flock 9
moved=
trap 'rc=$?; if [ -n "$moved" ] && [ "$rc" -ne 0 ]; then flock 9; put_back || true; fi' EXIT
# A client gone mid-switch (its output pipe closed) or a stop request ends the script through the guard above.
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE
previous=$(readlink current 2>/dev/null || true)
rm -f .deploy/current.before .deploy/current.none
if [ -L current ]; then cp -P current .deploy/current.before; else : > .deploy/current.none; fi
printf '%s\\n' "$TOKEN" > ${SWITCHED_BY}
rm -f current.tmp
ln -s "releases/$ID" current.tmp
moved=yes
mv -T current.tmp current
record previous "$previous"
flock -u 9
reload_error=
if [ -n "$RELOAD" ]; then run_bounded reload "$RELOAD"; reload_error=$command_error; fi
if [ -n "$reload_error" ]; then
  flock 9
  put_back
  flock -u 9
  run_bounded reload "$RELOAD" >/dev/null 2>&1 || true
  printf '%s\\n' "$reload_error" >&2
  exit ${EXIT.reloadFailed}
fi
moved=
IFS= read -r then || then=
if [ "$then" = unlock ]; then
  KEEP=$previous
  finish_run || true
fi
`;

/**
 * Undoes run $TOKEN's deploy or rollback to releases/<id>: the site config that run installed (see
 * CONFIG_RUN) goes back, then the link its switch replaced (see put_back), then the reload, so nginx
 * loads the config as it was with the release as it was. A switch of this run still landing (its
 * client cancelled) is waited for up to the bound, then undone too. A host whose \`current\` points
 * elsewhere (the switch never happened, was undone already, or another run switched since) keeps its
 * link. Records what is live afterwards, \`reverted\` when the link went back, \`config-restored\`.
 * It ignores HUP and PIPE and prints its records only once everything is done: a client gone mid-revert
 * (the connection dropped) must not stop it between the config and the link, which would leave nginx
 * on the restored config with \`current\` still on the cancelled release.
 * args: target, release id this run switched to, reload command (may be empty), its bound in seconds, lock token.
 */
export const REVERT_SCRIPT = `${PRELUDE}
T=$1; ID=$2; RELOAD=$3; BOUND=$4; TOKEN=$5
trap '' HUP PIPE
cd "$T"
${PUT_BACK}
M=.deploy/${CONFIG_RUN}
changed=
restored=
if [ -d .deploy ]; then
  exec 9> ${SWITCH_LOCK}
  if ! flock -w "$BOUND" 9; then
    echo "a switch on $T was still running after $BOUND s; current is left as it is" >&2
    exit 1
  fi
  if [ -f "$M" ] && [ "$(sed -n 1p "$M")" = "$TOKEN" ]; then
    restored=$(sed -n 3p "$M")
    restore_config "$restored"
    rm -f "$M"
    changed=yes
  fi
  put_back
  [ -z "$reverted" ] || changed=yes
  flock -u 9
fi
reload_error=
if [ -n "$changed" ] && [ -n "$RELOAD" ]; then run_bounded reload "$RELOAD"; reload_error=$command_error; fi
[ -z "$restored" ] || record config-restored "$restored"
[ -z "$reverted" ] || record reverted yes
if [ -n "$reload_error" ]; then printf '%s\\n' "$reload_error" >&2; exit ${EXIT.reloadFailed}; fi
record current "$(readlink current 2>/dev/null || true)"
`;

/** The rendered site config a release went live with, and the path it was installed to, in its records. */
export const RECORD_NGINX_CONFIG = 'nginx-config';
/** The records file holding the path the site config was installed to. */
export const RECORD_NGINX_CONFIG_PATH = 'nginx-config-path';

/**
 * install_config SRC P: installs the site config in file SRC at path P after keeping a backup under
 * .deploy (not beside it: nginx includes whole directories, and a backup there would load twice),
 * then runs $TEST (if any); when nginx refuses the config the backup goes back and nginx's words
 * (and the exit status) are the error. Before it changes anything it notes the run ($TOKEN), release
 * ($ID) and path in CONFIG_RUN, so that freeing the lock can put the config back when the run ended
 * before its switch (see FINISH_SCRIPT). Needs $D (the target's .deploy), $TOKEN, $ID, $TEST and $BOUND.
 */
const INSTALL_CONFIG = `install_config() {
  printf '%s\\n%s\\n%s\\n' "$TOKEN" "$ID" "$2" > "$D/${CONFIG_RUN}"
  rm -f "$D/nginx-config.backup" "$D/nginx-config.absent"
  if [ -e "$2" ]; then cp -p "$2" "$D/nginx-config.backup"; else : > "$D/nginx-config.absent"; fi
  if ! err=$(cat "$1" 2>&1 > "$2"); then
    printf 'cannot write %s as %s (%s); the deploy user writes only this one file, never /etc/nginx itself: create it once, owned by that user (see "Host setup" in the action README)\n' "$2" "$(id -un)" "$err" >&2
    exit 1
  fi
  [ -n "$TEST" ] || return 0
  run_bounded test "$TEST"
  if [ -n "$command_error" ]; then
    restore_config "$2"
    printf '%s\\n' "$command_error" >&2
    exit ${EXIT.nginxTest}
  fi
}
`;

/**
 * Installs a rendered nginx site config (stdin) for release <id> (see install_config), and keeps it
 * and its path in the release's records, so that a rollback to this release puts back the config it
 * went live with. args: target, config path, test command (may be empty), its bound in seconds, release
 * id, lock token.
 */
export const NGINX_INSTALL_SCRIPT = `${PRELUDE}
T=$1; P=$2; TEST=$3; BOUND=$4; ID=$5; TOKEN=$6
cd "$T"
D="$T/.deploy"
${INSTALL_CONFIG}
cat > "$D/nginx-config.new"
install_config "$D/nginx-config.new" "$P"
R="${RECORDS_DIR}/$ID"
mkdir -p "$R"
mv -f "$D/nginx-config.new" "$R/${RECORD_NGINX_CONFIG}"
printf '%s' "$P" > "$R/${RECORD_NGINX_CONFIG_PATH}.tmp"
mv -f "$R/${RECORD_NGINX_CONFIG_PATH}.tmp" "$R/${RECORD_NGINX_CONFIG_PATH}"
`;

/**
 * Installs the site config release <id> went live with (kept in its records by NGINX_INSTALL_SCRIPT),
 * for a rollback to it, and records the path it went to as \`config-path\`. A release deployed
 * without a config has none recorded: the installed config is left as it is and nothing is recorded.
 * args: target, release id, test command (may be empty), its bound in seconds, lock token.
 */
export const NGINX_REINSTALL_SCRIPT = `${PRELUDE}
T=$1; ID=$2; TEST=$3; BOUND=$4; TOKEN=$5
cd "$T"
D="$T/.deploy"
R="${RECORDS_DIR}/$ID"
[ -f "$R/${RECORD_NGINX_CONFIG}" ] && [ -f "$R/${RECORD_NGINX_CONFIG_PATH}" ] || exit 0
P=$(cat "$R/${RECORD_NGINX_CONFIG_PATH}")
${INSTALL_CONFIG}
install_config "$R/${RECORD_NGINX_CONFIG}" "$P"
record config-path "$P"
`;

/** Puts the config from before this run back (another host failed, the reload or the smoke check did). args: target, config path. */
export const NGINX_RESTORE_SCRIPT = `${PRELUDE}
T=$1; P=$2
cd "$T"
restore_config "$P"
`;

/**
 * Prunes the named releases (and their records) and releases the lock, in one round trip (see
 * finish_run). Records what \`current\` points at afterwards (for a post step to say what an
 * interrupted run left live).
 * args: target, token; stdin: release ids to remove, one per line.
 */
export const FINISH_SCRIPT = `${PRELUDE}
T=$1; TOKEN=$2
cd "$T"
${FINISH_RUN}
finish_run
if [ -L current ]; then record current "$(readlink current)"; fi
`;

/**
 * A release's manifest and its drift (see REPORT_DRIFT), for a rollback about to switch to it:
 * unlike a deploy, a rollback has no build to send a changed file again from. Run under the lock.
 * args: target, release id.
 */
export const RELEASE_DRIFT_SCRIPT = `${PRELUDE}
T=$1; ID=$2
cd "$T"
[ -d "releases/$ID" ] || { echo "release $ID does not exist in $T/releases" >&2; exit ${EXIT.missingRelease}; }
${REPORT_DRIFT}
R="${RECORDS_DIR}/$ID"
if [ -f "$R/${RECORD_MANIFEST}" ]; then record_file manifest "$R/${RECORD_MANIFEST}"; fi
report_drift "releases/$ID" "$R" drift
`;

/**
 * What a deploy plan reads, changing nothing: no lock is taken, no debris cleaned, no record moved.
 * Reports the live release (\`current\`), then its manifest (only \`current-same\` when its
 * recorded digest is the build's, $2, see RECORD_DIGEST; a release built before the records moved
 * out of it has its manifest inside), the files of it changed on the server since it was built
 * (see REPORT_DRIFT: it reads the candidates, at most the release's bytes), a lock another run
 * holds now (\`locked\`, its owner record), and the site config installed at $3 (\`config\`, or
 * \`config-absent\`) when a path is given. A target that does not exist yet reports nothing.
 * args: target, the build's manifest digest (may be empty), site config path (may be empty).
 */
export const PLAN_SCRIPT = `${PRELUDE}
T=$1; DIGEST=\${2:-}; P=\${3:-}
${REPORT_DRIFT}
# A relative config path is relative to the target, as the install reads it.
there=
if cd "$T" 2>/dev/null; then there=yes; fi
if [ -n "$P" ]; then
  if [ -f "$P" ]; then record_file config "$P"; else record config-absent yes; fi
fi
[ -n "$there" ] || exit 0
if [ -d .deploy/lock ]; then record_file locked .deploy/lock/owner; fi
if [ -L current ]; then
  live=$(readlink current)
  record current "$live"
  case $live in releases/*/*) exit 0 ;; releases/?*) ;; *) exit 0 ;; esac
  [ -d "$live" ] || exit 0
  LR="${RECORDS_DIR}/\${live#releases/}"
  if same_manifest "$LR"; then record current-same yes
  elif [ -f "$LR/${RECORD_MANIFEST}" ]; then record_file current-manifest "$LR/${RECORD_MANIFEST}"
  elif [ -f "$live/.release-manifest.json" ]; then record_file current-manifest "$live/.release-manifest.json"; fi
  report_drift "$live" "$LR" drift
elif [ -e current ]; then
  record not-symlink yes
fi
`;

/** Lists releases and the live one, for rollback. args: target. */
export const LIST_SCRIPT = `${PRELUDE}
T=$1
cd "$T" 2>/dev/null || exit 0
if [ -L current ]; then record current "$(readlink current)"; fi
${LIST_RELEASES}`;

/** `key NUL value NUL ...` as printed by \`record\`. */
export function parseRecords(stdout: string): Array<[string, string]> {
  const parts = stdout.split('\0');
  const records: Array<[string, string]> = [];
  for (let index = 0; index + 1 < parts.length; index += 2) records.push([parts[index], parts[index + 1]]);
  return records;
}
