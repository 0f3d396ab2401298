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

# lab_wg_up HOST IFNAME: start wireguard-go for a plain (non-wgf) device.
lab_wg_up() {
	in_host "$1" wireguard-go "$2" >/dev/null 2>&1
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
check() { local what=$1; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }
lab_done() { echo "# $LAB_PASSED passed, $LAB_FAILED failed"; [ "$LAB_FAILED" -eq 0 ]; }
