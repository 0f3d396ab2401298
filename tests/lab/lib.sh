# Lab library: hosts as network namespaces, each with a private mount namespace
# so that its /run/wireguard (wireguard-go's UAPI socket directory, otherwise shared
# by all namespaces) is its own and every host may call its interface wg0.
#
#   . tests/lab/lib.sh        # sets a trap that cleans up on any exit
#   lab_host hub              # namespace + mount namespace
#   lab_link hub 198.51.100.1/24 alice 198.51.100.10/24   # veth pair between two hosts
#   in_host hub ip addr       # run a command on a host
#
# Everything is named with a per-run prefix, and lab_cleanup kills only processes
# inside this run's namespaces (by PID), deletes its namespaces and unmounts its
# mount namespaces, also when the test fails.

LAB_RUN=${LAB_RUN:-w$$}
# Which WireGuard the hosts use: userspace (wireguard-go, the default here) or
# kernel (the module; tests/vm/ runs the lab that way in a qemu guest).
LAB_WG=${LAB_WG:-userspace}
LAB_DIR=$(mktemp -d /tmp/wgf-lab.XXXXXX)
LAB_HOSTS=()
LAB_NLINK=0
mkdir -p "$LAB_DIR/mnt" /run/wireguard
mount --bind "$LAB_DIR/mnt" "$LAB_DIR/mnt"
mount --make-private "$LAB_DIR/mnt"

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
	python3 "$(dirname "${BASH_SOURCE[0]}")/wg_writes.py" "$1"
}

lab_cleanup() {
	local name ns pid
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
trap lab_cleanup EXIT
trap 'exit 130' INT TERM

# Test reporting: ok/fail lines and a final count (tests/lab/run sums them).
LAB_PASSED=0 LAB_FAILED=0
ok()   { LAB_PASSED=$((LAB_PASSED + 1)); echo "ok - $*"; }
fail() { LAB_FAILED=$((LAB_FAILED + 1)); echo "not ok - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else fail "$what"; fi; lab_time; }
# LAB_TIMES=1: after each check, the seconds since the previous one (slow spots)
LAB_T0=$(date +%s%N)
lab_time() {
	[ "${LAB_TIMES:-0}" = 1 ] || return 0
	local now; now=$(date +%s%N)
	echo "#   $(( (now - LAB_T0) / 1000000 )) ms"
	LAB_T0=$now
}
lab_done() { echo "# $LAB_PASSED passed, $LAB_FAILED failed"; [ "$LAB_FAILED" -eq 0 ]; }

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
WGF=${WGF:-wgf}
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
