#!/bin/sh
# `make verify-systemd`: checks the systemd files as `make install` writes them,
# offline (no systemd as PID 1 needed, nothing touches the host):
#   1. `make install-systemd PREFIX=<temp>/usr`: the unit's ExecStart then names
#      <temp>/usr/bin/edge-agent, where a stub executable is put, because
#      systemd-analyze verify insists that ExecStart's binary exists;
#   2. systemd-analyze verify on that unit. It exits 0 on most unit errors
#      (an unknown key, a bad value: "ignoring"), so any message it prints
#      fails the check too;
#   3. systemd-sysusers and systemd-tmpfiles --create into a temporary root;
#      the directories must come out with the unit's modes (and owners, when
#      run as root; as another user the chown messages are expected).
# Environment: MAKE, UNIT_SRC (the unit to install, default
# systemd/edge-agent.service), SYSTEMD_ANALYZE. Without systemd-analyze it
# prints a skip line and succeeds, unless CI=true.
set -eu

MAKE=${MAKE:-make}
UNIT_SRC=${UNIT_SRC:-systemd/edge-agent.service}
SYSTEMD_ANALYZE=${SYSTEMD_ANALYZE:-systemd-analyze}

missing=""
for tool in "$SYSTEMD_ANALYZE" systemd-sysusers systemd-tmpfiles; do
	command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
	if [ "${CI:-}" = true ]; then
		echo "verify-systemd: FAIL: not found:$missing (apt-get install systemd)" >&2
		exit 1
	fi
	echo "verify-systemd: skipped: not found:$missing (apt-get install systemd)"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() {
	echo "verify-systemd: FAIL: $*" >&2
	exit 1
}

# 1. Install into a temporary prefix.
env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS "$MAKE" -s --no-print-directory install-systemd \
	PREFIX="$tmp/usr" DESTDIR= UNIT_SRC="$UNIT_SRC" >"$tmp/install.log" 2>&1 ||
	fail "make install-systemd: $(cat "$tmp/install.log")"
unit="$tmp/usr/lib/systemd/system/edge-agent.service"
grep -q "^ExecStart=$tmp/usr/bin/edge-agent " "$unit" ||
	fail "the installed unit's ExecStart does not follow PREFIX ($tmp/usr): $(grep '^ExecStart=' "$unit" || echo 'no ExecStart=')"
mkdir -p "$tmp/usr/bin"
printf '#!/bin/sh\nexit 0\n' >"$tmp/usr/bin/edge-agent"
chmod 0755 "$tmp/usr/bin/edge-agent"

# 2. The unit.
rc=0
out=$("$SYSTEMD_ANALYZE" verify "$unit" 2>&1) || rc=$?
if [ "$rc" != 0 ] || [ -n "$out" ]; then
	fail "systemd-analyze verify $UNIT_SRC (exit $rc):
$out"
fi

# 3. sysusers and tmpfiles in a temporary root.
root="$tmp/root"
mkdir -p "$root/etc/edge-agent"
: >"$root/etc/edge-agent/config.yaml"
rc=0
out=$(systemd-sysusers --root="$root" "$tmp/usr/lib/sysusers.d/edge-agent.conf" 2>&1) || rc=$?
[ "$rc" = 0 ] || fail "systemd-sysusers (exit $rc):
$out"
grep -q '^edge-agent:' "$root/etc/passwd" || fail "systemd-sysusers created no edge-agent user"
for g in edge-agent edge-agent-admin video render; do
	grep -q "^$g:" "$root/etc/group" || fail "systemd-sysusers created no $g group"
done
rc=0
out=$(systemd-tmpfiles --root="$root" --create "$tmp/usr/lib/tmpfiles.d/edge-agent.conf" 2>&1) || rc=$?
if [ "$(id -u)" != 0 ]; then
	# Only root may chown: drop those messages, keep any other.
	out=$(printf '%s\n' "$out" | grep -v '^fchownat() of .* failed: Operation not permitted$' || true)
	[ -z "$out" ] || fail "systemd-tmpfiles --create (exit $rc):
$out"
elif [ "$rc" != 0 ] || [ -n "$out" ]; then
	fail "systemd-tmpfiles --create (exit $rc):
$out"
fi
uid=$(grep '^edge-agent:' "$root/etc/passwd" | cut -d: -f3)
check() { # path mode owner-uid
	[ -d "$root$1" ] || [ -f "$root$1" ] || fail "systemd-tmpfiles did not create $1"
	got=$(stat -c %a "$root$1")
	[ "$got" = "$2" ] || fail "$1 has mode $got, want $2"
	if [ "$(id -u)" = 0 ]; then
		got=$(stat -c %u "$root$1")
		[ "$got" = "$3" ] || fail "$1 is owned by uid $got, want $3"
	fi
}
check /var/lib/edge-agent 750 "$uid"
check /run/edge-agent 750 "$uid"
check /etc/edge-agent 755 0
check /etc/edge-agent/config.yaml 640 0

echo "verify-systemd: ok ($UNIT_SRC, sysusers, tmpfiles)"
