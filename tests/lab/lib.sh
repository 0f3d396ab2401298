# Lab library: hosts as network namespaces, each with a private mount namespace
# so that its /run/wireguard (wireguard-go's UAPI socket directory, otherwise shared
# by all namespaces) is its own and every host may call its interface wg0.
#
# Sourcing it only defines functions and variables (and sources tests/tap.sh, the
# reporter: ok, fail, skip, check, tap_done). A test starts with
#
#   . tests/lab/lib.sh
#   lab_start "${1:-build}"   # root?, BUILD and WGF (absolute), lab_init; a missing
#                             # wgf is a counted failure and ends the test
#   lab_need jq               # more tools: each missing one is a counted failure
#   lab_host hub              # namespace + mount namespace
#   lab_link hub 198.51.100.1/24 alice 198.51.100.10/24   # veth pair between two hosts
#   in_host hub ip addr       # run a command on a host
#   ...
#   lab_done                  # the summary line; exit status 1 on any failure
#
# lab_init alone (the demo) makes LAB_DIR and the mount point and sets the trap that
# cleans up on any exit. Everything is named with a per-run prefix, and lab_cleanup
# kills only processes inside this run's namespaces (by PID), deletes its namespaces
# and unmounts its mount namespaces, also when the test fails.

LAB_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$LAB_LIB_DIR/../tap.sh"
LAB_RUN=${LAB_RUN:-w$$}
# Which WireGuard the hosts use: userspace (wireguard-go, the default here) or
# kernel (the module; tests/vm/ runs the lab that way in a qemu guest).
LAB_WG=${LAB_WG:-userspace}
LAB_DIR=
LAB_HOSTS=()
LAB_NLINK=0
LAB_MON=0
WGF=${WGF:-wgf}

# lab_init: the run's directory (LAB_DIR), the private mount point for the hosts'
# mount namespaces, and the trap that removes everything on exit.
# A step that fails says which (on stderr) and returns 1; what was made is
# removed by the trap, which is set as soon as there is something to remove.
lab_init() {
	[ -z "$LAB_DIR" ] || return 0
	LAB_DIR=$(mktemp -d /tmp/wgf-lab.XXXXXX) || { echo "# lab_init: mktemp -d /tmp/wgf-lab.XXXXXX failed" >&2; return 1; }
	trap lab_cleanup EXIT
	trap 'exit 130' INT TERM
	mkdir -p "$LAB_DIR/mnt" /run/wireguard || { echo "# lab_init: mkdir $LAB_DIR/mnt /run/wireguard failed" >&2; return 1; }
	mount --bind "$LAB_DIR/mnt" "$LAB_DIR/mnt" &&
		mount --make-private "$LAB_DIR/mnt" || { echo "# lab_init: a private mount at $LAB_DIR/mnt failed" >&2; return 1; }
	TAP_TIMES=${LAB_TIMES:-${TAP_TIMES:-0}}
	TAP_T0=$(date +%s%N)
}

# lab_start BUILD_DIR: the prologue of every lab test. Sets TAP_NAME (the script's
# name), BUILD and WGF (absolute paths), checks root and wgf, then lab_init. Any
# problem is a counted failure and ends the test with its summary line.
lab_start() {
	TAP_NAME=${TAP_NAME:-$(basename "$0" .sh)}
	if [ "$(id -u)" -ne 0 ]; then
		fail "the lab needs root (network namespaces, wireguard-go)"; lab_done; exit 1
	fi
	if ! BUILD=$(cd "${1:-build}" 2>/dev/null && pwd); then
		fail "build directory ${1:-build} missing"; lab_done; exit 1
	fi
	WGF=$BUILD/wgf
	if [ ! -x "$WGF" ]; then
		fail "$WGF missing (make O=${1:-build})"; lab_done; exit 1
	fi
	export BUILD WGF
	lab_init || { fail "lab_init (temporary directory, mounts)"; lab_done; exit 1; }
}

# lab_need TOOL...: every tool is on PATH; each missing one is a counted failure
# (make deps installs them). Returns 1 when any is missing.
lab_need() {
	local t rc=0
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || { fail "needs $t (make deps installs it)"; rc=1; }
	done
	return $rc
}

# lab_need_bin PATH: a helper program of the build (make O=... labbins) exists;
# if not, a counted failure that ends the test.
lab_need_bin() {
	[ -x "$1" ] && return 0
	fail "$1 missing (make O=... labbins)"; lab_done; exit 1
}

lab_ns() { echo "${LAB_RUN}-$1"; }

lab_host() {
	local name=$1 ns
	ns=$(lab_ns "$name")
	ip netns add "$ns" || return 1
	LAB_HOSTS+=("$name")
	touch "$LAB_DIR/mnt/$name"
	unshare --mount="$LAB_DIR/mnt/$name" --propagation private \
		sh -c 'mount -t tmpfs -o mode=0755 wgf-lab /run/wireguard' || return 1
	in_host "$name" ip link set lo up
}

in_host() {
	local name=$1; shift
	nsenter --net="/run/netns/$(lab_ns "$name")" --mount="$LAB_DIR/mnt/$name" -- "$@"
}

# lab_link A ADDR_A B ADDR_B [ADDR6_A ADDR6_B]: a veth pair, one end in each host.
lab_link() {
	local a=$1 aa=$2 b=$3 ba=$4 a6=${5:-} b6=${6:-} ia ib
	LAB_NLINK=$((LAB_NLINK + 1))
	ia="v${LAB_NLINK}${b:0:6}"; ib="v${LAB_NLINK}${a:0:6}"
	ip link add "$ia" netns "$(lab_ns "$a")" type veth peer name "$ib" netns "$(lab_ns "$b")" || return 1
	in_host "$a" ip addr add "$aa" dev "$ia"
	in_host "$b" ip addr add "$ba" dev "$ib"
	if [ -n "$a6" ]; then
		in_host "$a" ip addr add "$a6" dev "$ia" nodad
		in_host "$b" ip addr add "$b6" dev "$ib" nodad
	fi
	in_host "$a" ip link set "$ia" up
	in_host "$b" ip link set "$ib" up
	echo "$ia $ib"
}

# lab_wg_up HOST IFNAME: a plain (non-wgf) WireGuard device, as LAB_WG says.
lab_wg_up() {
	if [ "$LAB_WG" = kernel ]; then
		in_host "$1" ip link add "$2" type wireguard
	else
		in_host "$1" wireguard-go "$2" >/dev/null 2>&1
	fi
}

# lab_wg_stop HOST: every WireGuard device of HOST stops carrying traffic: its
# wireguard-go processes are killed, or (kernel WireGuard, no process) its
# WireGuard links are set down.
lab_wg_stop() {
	local p l
	if [ "$LAB_WG" = kernel ]; then
		for l in $(in_host "$1" ip -o link show type wireguard | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'); do
			in_host "$1" ip link set "$l" down
		done
	else
		for p in $(ip netns pids "$(lab_ns "$1")"); do
			[ "$(cat /proc/"$p"/comm 2>/dev/null)" = wireguard-go ] && kill "$p"
		done
	fi
	return 0
}

# wgf_traced HOST OUT SUBCOMMAND [ARGS...]: wgf_on under strace, which records in
# OUT what wgf sends (writes and netlink messages); wg_writes OUT reads it.
# (LeakSanitizer cannot run under ptrace: leak checks are off for the traced runs only)
wgf_traced() {
	local h=$1 out=$2 sub=$3 calls=write,sendto,sendmsg; shift 3
	# generic netlink goes out with sendto; tracing less keeps big applies fast
	[ "$LAB_WG" = kernel ] && calls=sendto
	in_host "$h" strace -f -qq -xx -s 100000 -e trace=$calls -e signal=none -o "$out" \
		env ASAN_OPTIONS=detect_leaks=0 WGF_KEY_FILE="$LAB_DIR/$h.key" WGF_STATE_DIR="$LAB_DIR/state-$h" \
		NO_COLOR=1 "$WGF" "$sub" --host "$h" "$@"
}

# wg_writes OUT: "SETS PEERS", the configuration writes to WireGuard (UAPI or
# generic netlink) in a wgf_traced record and the distinct peers they carried.
wg_writes() {
	python3 "$LAB_LIB_DIR/wg_writes.py" "$1"
}

lab_cleanup() {
	local name ns pid
	[ -n "$LAB_DIR" ] || return 0
	for name in "${LAB_HOSTS[@]}"; do
		ns=$(lab_ns "$name")
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done
	done
	sleep 0.2
	for name in "${LAB_HOSTS[@]}"; do
		ns=$(lab_ns "$name")
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
		umount "$LAB_DIR/mnt/$name" 2>/dev/null
	done
	umount "$LAB_DIR/mnt" 2>/dev/null
	rm -rf "$LAB_DIR"
	LAB_HOSTS=()
}

# lab_done: the summary line (tap_done), "NAME: N passed, N failed"; status 1 on any failure.
# (LAB_TIMES=1: after each check, the milliseconds since the previous one)
lab_done() { tap_done; }

# An "internet": one bridge in its own namespace that every host plugs into.
lab_switch() {
	lab_host sw || return 1
	in_host sw ip link add br0 type bridge
	in_host sw ip link set br0 up
}

# lab_port HOST ADDR4 [ADDR6]: plug HOST into the switch with these addresses.
lab_port() {
	local h=$1 a4=$2 a6=${3:-} ih ib
	LAB_NLINK=$((LAB_NLINK + 1))
	ih="u${LAB_NLINK}"; ib="p${LAB_NLINK}${h:0:8}"
	ip link add "$ih" netns "$(lab_ns "$h")" type veth peer name "$ib" netns "$(lab_ns sw)" || return 1
	in_host sw ip link set "$ib" master br0
	in_host sw ip link set "$ib" up
	in_host "$h" ip link set "$ih" name eth0
	in_host "$h" ip addr add "$a4" dev eth0
	[ -n "$a6" ] && in_host "$h" ip addr add "$a6" dev eth0 nodad
	in_host "$h" ip link set eth0 up
}

# Runs wgf on a lab host with that host's own key file and state directory.
# usage: wgf_on HOST SUBCOMMAND [ARGS...]
wgf_on() {
	local h=$1 sub=$2; shift 2
	in_host "$h" env WGF_KEY_FILE="$LAB_DIR/$h.key" WGF_STATE_DIR="$LAB_DIR/state-$h" NO_COLOR=1 \
		"$WGF" "$sub" --host "$h" "$@"
}

# wgf_host_key HOST: creates HOST's key with `wgf host init`, prints the public key.
wgf_host_key() {
	WGF_KEY_FILE="$LAB_DIR/$1.key" "$WGF" host init
}

# set_public_key DIR NAME KEY: puts KEY into the publicKey of the object named NAME,
# in whichever YAML file (and document of it) below DIR defines it.
set_public_key() {
	python3 - "$1" "$2" "$3" <<'PY'
import pathlib, re, sys
root, name, key = sys.argv[1:]
hits = 0
for f in sorted(pathlib.Path(root).rglob("*.y*ml")):
    docs = re.split(r"(?m)^---\s*$", f.read_text())
    for i, d in enumerate(docs):
        if re.search(r"(?m)^\s+name:\s*%s\s*$" % re.escape(name), d):
            docs[i] = re.sub(r"(?m)^(\s*publicKey:).*$", r"\g<1> " + key, d)
            hits += 1
    f.write_text("---".join(docs))
sys.exit(0 if hits == 1 else 1)
PY
}

# A device that does not run wgf, set up like wg-quick would: plain wg + ip.
# usage: plain_peer HOST KEYFILE "ADDR4/len ADDR6/len" HUBKEY HUB_ENDPOINT "ALLOWED,IPS"
plain_peer() {
	local h=$1 key=$2 addrs=$3 hubkey=$4 ep=$5 allowed=$6 a
	lab_wg_up "$h" wg0 || return 1
	in_host "$h" wg set wg0 private-key "$key" peer "$hubkey" endpoint "$ep" \
		allowed-ips "$allowed" persistent-keepalive 25 || return 1
	for a in $addrs; do in_host "$h" ip addr add "$a" dev wg0; done
	in_host "$h" ip link set wg0 up
	local IFS=,
	for a in $allowed; do
		in_host "$h" ip route replace "$a" dev wg0 2>/dev/null
	done
}

# lab_whoami HOST [6]: a TCP server on HOST, port 8080 (IPv4, or IPv6 with 6),
# that answers each connection with the address it came from: which exit a
# flow left through; on port 8081 it answers each line of a connection held
# open with that address (tests/lab/tcp_stream.py's stream). Sets WHOAMI_PID (lab_cleanup ends it with the namespace's
# other processes too).
lab_whoami() {
	local fam=AF_INET bind=0.0.0.0
	[ "${2:-}" = 6 ] && fam=AF_INET6 bind=::
	cat >"$LAB_DIR/whoami.py" <<PY
import socket, socketserver, threading
class S(socketserver.ThreadingTCPServer):
    address_family = socket.$fam
    allow_reuse_address = True
class H(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.sendall((self.client_address[0] + "\n").encode())
class E(socketserver.StreamRequestHandler):
    def handle(self):
        for _ in self.rfile:
            self.wfile.write((self.client_address[0] + "\n").encode())
threading.Thread(target=S(("$bind", 8081), E).serve_forever, daemon=True).start()
S(("$bind", 8080), H).serve_forever()
PY
	nsenter --net="/run/netns/$(lab_ns "$1")" -- python3 "$LAB_DIR/whoami.py" >/dev/null 2>&1 &
	WHOAMI_PID=$!
}

# lab_resumed_after LOG T: seconds from T (epoch s) to the end of the outage that
# follows it: the first reply after the longest silence (over 0.5 s: pings go
# every 0.1 or 0.2 s, `ping -D`) among the replies from T on (replies in flight
# at T come first)
lab_resumed_after() {
	python3 - "$1" "$2" <<'PY'
import re, sys
t = float(sys.argv[2])
ts = [float(m.group(1)) for m in re.finditer(r"^\[(\d+\.\d+)\] \d+ bytes from", open(sys.argv[1]).read(), re.M)]
ts = [x for x in ts if x > t - 1]
best = None
for a, b in zip([t] + ts, ts):
    if b > t and b - max(a, t) > 0.5 and (best is None or b - max(a, t) > best[0]):
        best = (b - max(a, t), b)
if best is None:
    sys.exit(1)
print("%.3f" % (best[1] - t))
PY
}

# ms_since T0: milliseconds since T0 (a `date +%s%N` reading)
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# retry N CMD...: runs CMD until it succeeds, at most N times, 0.5 s apart.
retry() {
	local n=$1 i; shift
	for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.5; done
	return 1
}

# pings HOST ADDR: a tunnel ping that waits for the handshake.
pings() {
	retry 10 in_host "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1
}

# lab_repo EXAMPLE [DEST]: a copy of examples/EXAMPLE at DEST (default $LAB_DIR/repo);
# a missing example is a counted failure that ends the test.
lab_repo() {
	local src=$LAB_LIB_DIR/../../examples/$1 dst=${2:-$LAB_DIR/repo}
	[ -d "$src" ] && cp -r "$src" "$dst" && return 0
	fail "a copy of examples/$1 at $dst"; lab_done; exit 1
}

# yaml_edit FILE OLD NEW: replaces the text OLD (literal, may span lines) by NEW in
# FILE; OLD must occur exactly once, else nothing changes and it is a counted
# failure (an edit that silently did nothing would make the checks after it vacuous).
yaml_edit() {
	local n
	n=$(python3 - "$@" <<'PY'
import sys
path, old, new = sys.argv[1:4]
text = open(path).read()
n = text.count(old)
if n == 1:
    open(path, "w").write(text.replace(old, new))
print(n)
PY
)
	[ "$n" = 1 ] && return 0
	fail "yaml_edit ${1##*/}: '${2//$'\n'/\\n}' occurs ${n:-?} times (want once)"
	return 1
}

# lab_converged HOST REPO TAG: plan exits 0, and a second apply (traced) exits 0
# and writes nothing to WireGuard; three checks named after TAG.
lab_converged() {
	local h=$1 repo=$2 tag=$3 rc
	wgf_on "$h" plan "$repo" >"$LAB_DIR/conv-plan.$h" 2>&1; rc=$?
	check "$tag: plan exits 0 (converged)" test $rc -eq 0
	[ $rc -eq 0 ] || sed 's/^/#   /' "$LAB_DIR/conv-plan.$h" | tail -n 10
	wgf_traced "$h" "$LAB_DIR/conv-strace.$h" apply --yes "$repo" >"$LAB_DIR/conv-apply.$h" 2>&1; rc=$?
	check "$tag: a second apply exits 0" test $rc -eq 0
	[ $rc -eq 0 ] || sed 's/^/#   /' "$LAB_DIR/conv-apply.$h" | tail -n 10
	check "$tag: a second apply writes nothing to WireGuard" test "$(wg_writes "$LAB_DIR/conv-strace.$h")" = "0 0"
}

# --- "nothing happened" checks: a monitor proves it ran and was flushed ----------
# mon_start HOST ip|nft FILE: `ip monitor link address route` or `nft monitor` of
# HOST into FILE, returning once a sentinel event (a veth pair, or an nft table
# named labmonN, added and deleted) shows up in FILE: the monitor is listening.
# mon_stop FILE: a second sentinel; once it shows up, every event before it has
# been written too; then the monitor is stopped. Both return 1 when their sentinel
# does not show up within 10 s (mon_start) or 20 s (mon_stop: the monitor may
# still be printing a whole table's replace, slowly in the emulated vm guest).
# mon_events FILE: the events, sentinels removed.
LAB_MON_PID= LAB_MON_HOST= LAB_MON_KIND=
mon_sentinel() {   # mon_sentinel FILE [TRIES]: one sentinel event, waited for TRIES x 0.05 s (400)
	local name i n=${2:-400}
	LAB_MON=$((LAB_MON + 1)); name=labmon$LAB_MON
	if [ "$LAB_MON_KIND" = ip ]; then
		in_host "$LAB_MON_HOST" ip link add "$name" type veth peer name "${name}p" &&
			in_host "$LAB_MON_HOST" ip link del "$name"
	else
		in_host "$LAB_MON_HOST" nft add table inet "$name" && in_host "$LAB_MON_HOST" nft delete table inet "$name"
	fi || return 1
	for ((i = 0; i < n; i++)); do
		grep -qw "$name" "$1" 2>/dev/null && return 0
		kill -0 "$LAB_MON_PID" 2>/dev/null || break
		sleep 0.05
	done
	[ "$n" -lt 400 ] || echo "#   monitor: sentinel $name never showed up in ${1##*/}" >&2
	return 1
}
mon_start() {
	LAB_MON_HOST=$1 LAB_MON_KIND=$2
	# nsenter itself, not in_host: a function in the background is a subshell whose
	# PID is not the monitor's, and mon_stop would leave the monitor running
	local ns=(nsenter --net="/run/netns/$(lab_ns "$1")" --mount="$LAB_DIR/mnt/$1" --)
	case $2 in
	ip) "${ns[@]}" ip monitor link address route >"$3" 2>&1 & LAB_MON_PID=$! ;;
	nft) "${ns[@]}" nft monitor >"$3" 2>&1 & LAB_MON_PID=$! ;;
	*) return 1 ;;
	esac
	# the monitor subscribes some time after it starts: sentinels until one shows up
	local i
	for ((i = 0; i < 40; i++)); do
		mon_sentinel "$3" 5 && return 0
		kill -0 "$LAB_MON_PID" 2>/dev/null || break
	done
	echo "#   monitor: no sentinel showed up in ${3##*/} (is the monitor running?)" >&2
	return 1
}
mon_stop() {
	local rc=0
	mon_sentinel "$1" || rc=1
	kill "$LAB_MON_PID" 2>/dev/null; wait "$LAB_MON_PID" 2>/dev/null
	LAB_MON_PID=
	return $rc
}
# (nft monitor follows each commit with "# new generation N by process P": the one
# after a sentinel goes with it)
mon_events() {
	awk '/(^|[^[:alnum:]_])labmon[0-9]+p?([^[:alnum:]_]|$)/ { sent = 1; next }
		sent && /^# new generation / { sent = 0; next }
		{ sent = 0; print }' "$1"
}

# --- listeners: known to listen before a probe counts --------------------------
# wait_listening HOST tcp|udp PORT...: every port has a socket bound in HOST
# (ss -ltn / ss -lun in its namespace), within 5 s; else says which and returns 1.
wait_listening() {
	local h=$1 proto=$2 i p missing; shift 2
	for ((i = 0; i < 100; i++)); do
		missing=()
		local have
		have=$(in_host "$h" ss -Hln --"$proto" 2>/dev/null | awk '{print $4}')
		for p in "$@"; do
			grep -qE "[:.]$p\$" <<<"$have" || missing+=("$p")
		done
		[ ${#missing[@]} -eq 0 ] && return 0
		sleep 0.05
	done
	echo "#   $h: nothing listens on $proto ${missing[*]}" >&2
	return 1
}
