#!/usr/bin/env bash
# Exit paths on real tunnels (README "Exit groups: failover, traffic splitting
# and multi-hop"). An underlay switch joins a hub, four exits and the devices;
# inet (203.0.113.100, and 192.0.2.100: a second "internet" address) is plugged
# into the exits' internet side and, as 198.51.100.100, into the switch: it is
# the default gateway of the devices that have one, so that a flow which leaks
# out of a tunnel reaches inet too, and is seen coming from an underlay address.
# inet's whoami answers each TCP connection with the source it saw (the exits
# masquerade: 203.0.113.2 is exa, .3 exb, .4 exc; 100.64.5.2 is exm).
#
#   1. round-robin: group rr (exa, exb) used by p1..p6: spread over both, each
#      on the member `wgf test` predicts, sticky; exb's wireguard-go killed:
#      its peers move to exa, exa's stay;
#   2. traffic splitting: sp sends only 203.0.113.0/24 through group pg (exa),
#      se everything but 192.0.2.0/24: client configs, and where flows leave;
#   3. multi-hop: exm (an exit) with exit: g2 (exc): mp, attached to exm,
#      and exm itself leave from exc, although exm's uplink reaches inet;
#   4. host full tunnel: router rt (hubs: [hub], exit: pg) and its LAN host:
#      both leave through exa, rt's tunnel to the hub stays up; exa's
#      wireguard-go killed: rt and its LAN reach inet not at all (blackhole),
#      although rt's underlay default route reaches it.
set -u
LAB_RUN=${LAB_RUN:-xp-$$}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
lab_start "${1:-build}"
lab_need python3 strace || { lab_done; exit 1; }

IF=xpw0
PEERS="p1 p2 p3 p4 p5 p6"

lab_switch
for h in inet hub exa exb exc exm rt lan $PEERS sp se mp; do lab_host "$h"; done
lab_port inet 198.51.100.100/24
lab_port hub 198.51.100.1/24
lab_port exa 198.51.100.2/24
lab_port exb 198.51.100.3/24
lab_port exc 198.51.100.4/24
lab_port exm 198.51.100.5/24
lab_port rt 198.51.100.6/24
n=10
for p in $PEERS; do n=$((n + 1)); lab_port "$p" "198.51.100.$n/24"; done
lab_port sp 198.51.100.21/24
lab_port se 198.51.100.22/24
lab_port mp 198.51.100.31/24
# the devices with a local internet: their default route is inet's underlay side
for h in rt sp se; do in_host "$h" ip route add default via 198.51.100.100; done
# the internet side: a bridge in inet that only the exits plug into
in_host inet ip link add br1 type bridge
in_host inet ip link set br1 up
in_host inet ip addr add 203.0.113.100/24 dev br1
in_host inet ip addr add 192.0.2.100/32 dev lo
n=0
for x in exa:2 exb:3 exc:4; do
	n=$((n + 1))
	ip link add "xpi$n" netns "$(lab_ns "${x%:*}")" type veth peer name "xpb$n" netns "$(lab_ns inet)"
	in_host inet ip link set "xpb$n" master br1
	in_host inet ip link set "xpb$n" up
	in_host "${x%:*}" ip addr add "203.0.113.${x#*:}/24" dev "xpi$n"
	in_host "${x%:*}" ip link set "xpi$n" up
done
# exm reaches the internet through a default route (an uplink of its own, so
# that the internet is not a connected route, which its rule 20000 would prefer
# to its own exit group): inet sees it as 100.64.5.2 when it does not use g2
ip link add xpi4 netns "$(lab_ns exm)" type veth peer name xpb4 netns "$(lab_ns inet)"
in_host inet ip addr add 100.64.5.1/30 dev xpb4
in_host inet ip link set xpb4 up
in_host exm ip addr add 100.64.5.2/30 dev xpi4
in_host exm ip link set xpi4 up
in_host exm ip route add default via 100.64.5.1
# rt's LAN: one host behind it
ip link add xpl0 netns "$(lab_ns rt)" type veth peer name xpl1 netns "$(lab_ns lan)"
in_host rt ip addr add 192.168.78.1/24 dev xpl0
in_host rt ip link set xpl0 up
in_host lan ip addr add 192.168.78.2/24 dev xpl1
in_host lan ip link set xpl1 up
in_host lan ip route add default via 192.168.78.1

# inet answers each TCP connection with the address it came from
lab_whoami inet
WATCH_PIDS=()
stop_all() {
	local p
	for p in "${WATCH_PIDS[@]}" "$WHOAMI_PID"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
}
trap 'stop_all; lab_cleanup' EXIT
# whoami HOST [ADDR [MARK]]: the address inet saw HOST's connection come from
# (MARK: the socket's fwmark, SO_MARK)
whoami() {
	in_host "$1" python3 -c '
import socket, sys
s = socket.socket()
s.settimeout(2)
if int(sys.argv[2]):
    s.setsockopt(socket.SOL_SOCKET, 36, int(sys.argv[2]))
s.connect((sys.argv[1], 8080))
print(s.recv(64).decode().strip())' "${2:-203.0.113.100}" "${3:-0}" 2>/dev/null
}
# sees HOST WANT [ADDR]: inet saw HOST come from WANT (20 tries, 0.5 s apart)
sees() { retry 20 bash -c 'test "$(whoami "$1" "$3")" = "$2"' _ "$1" "$2" "${3:-203.0.113.100}"; }
export -f whoami in_host lab_ns pings retry
export LAB_RUN LAB_DIR
wait_listening inet tcp 8080 || fail "inet's whoami listens"

repo=$LAB_DIR/repo
mkdir -p "$repo/hosts" "$repo/peers"
cat >"$repo/network.yaml" <<EOF
apiVersion: wgf/v1
kind: Network
metadata:
  name: xpnet
spec:
  interface: $IF
  listenPort: 51820
  addressPools:
    ipv4: 10.78.0.0/24
EOF
host_yaml() {   # host_yaml NAME ROLE N [MORE SPEC LINES]
	cat >"$repo/hosts/$1.yaml" <<EOF
apiVersion: wgf/v1
kind: Host
metadata:
  name: $1
spec:
  role: $2
  publicKey: PUBKEY
  endpoint: 198.51.100.$3:51820
  addresses: [10.78.0.$3/24]
${4:-}
EOF
}
host_yaml hub hub 1
host_yaml exa exit 2 "  exitInterface: xpx-exa"
host_yaml exb exit 3 "  exitInterface: xpx-exb"
host_yaml exc exit 4 "  exitInterface: xpx-exc"
host_yaml exm exit 5 "  exitInterface: xpx-exm
  exit: g2"
host_yaml rt router 6 "  hubs: [hub]
  lans: [192.168.78.0/24]
  exit: pg"
cat >"$repo/exits.yaml" <<EOF
apiVersion: wgf/v1
kind: ExitGroup
metadata:
  name: rr
spec:
  network: xpnet
  strategy: round-robin
  members:
    - {host: exa}
    - {host: exb}
  health:
    hold: 5s
---
apiVersion: wgf/v1
kind: ExitGroup
metadata:
  name: pg
spec:
  network: xpnet
  members:
    - {host: exa}
  whenAllDown: blackhole
---
apiVersion: wgf/v1
kind: ExitGroup
metadata:
  name: g2
spec:
  network: xpnet
  members:
    - {host: exc}
EOF
for h in hub exa exb exc exm rt; do
	set_public_key "$repo" "$h" "$(wgf_host_key "$h" 2>/dev/null)"
done
peer_yaml() {   # peer_yaml NAME N HUB EXIT
	(umask 077; wg genkey >"$LAB_DIR/$1.key")
	cat >"$repo/peers/$1.yaml" <<EOF
apiVersion: wgf/v1
kind: Peer
metadata:
  name: $1
spec:
  publicKey: $(wg pubkey <"$LAB_DIR/$1.key")
  hubs: [$3]
  addresses: [10.78.0.$2/32]
${4:+  exit: $4}
EOF
}
n=10
for p in $PEERS; do n=$((n + 1)); peer_yaml "$p" "$n" hub rr; done
peer_yaml sp 21 hub "{group: pg, only: [203.0.113.0/24]}"
peer_yaml se 22 hub "{group: pg, except: [192.0.2.0/24]}"
peer_yaml mp 31 exm ""

"$WGF" validate "$repo" >"$LAB_DIR/validate" 2>&1; rc=$?
check "validate accepts the repository" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/#   /' "$LAB_DIR/validate" | tail -n 15
for h in exa exb exc exm hub rt; do
	wgf_on "$h" apply --yes "$repo" >"$LAB_DIR/apply.$h" 2>&1; rc=$?
	check "apply on $h" test $rc -eq 0
	[ $rc -eq 0 ] || sed 's/^/#   /' "$LAB_DIR/apply.$h" | tail -n 15
done

# peer_up NAME N HUB_HOST HUB_N: a plain device with exactly its client config's AllowedIPs
HUBPUB=$(wg pubkey <"$LAB_DIR/hub.key")
peer_up() {
	local allowed
	"$WGF" peer config "$1" "$repo" >"$LAB_DIR/$1.conf" 2>"$LAB_DIR/$1.conf.err"
	allowed=$(sed -n 's/^AllowedIPs = //p' "$LAB_DIR/$1.conf" | tr -d ' ')
	[ -n "$allowed" ] || { echo "#   $1: no AllowedIPs in its client config" >&2; return 1; }
	plain_peer "$1" "$LAB_DIR/$1.key" "10.78.0.$2/32" "$(wg pubkey <"$LAB_DIR/$3.key")" \
		"198.51.100.$4:51820" "$allowed"
}
n=10
for p in $PEERS; do n=$((n + 1)); peer_up "$p" "$n" hub 1; done
peer_up sp 21 hub 1
peer_up se 22 hub 1
peer_up mp 31 exm 5

# wgf watch on the hub and on rt (nsenter itself, so $! is it)
start_watch() {
	nsenter --net="/run/netns/$(lab_ns "$1")" --mount="$LAB_DIR/mnt/$1" -- \
		env WGF_KEY_FILE="$LAB_DIR/$1.key" WGF_STATE_DIR="$LAB_DIR/state-$1" NO_COLOR=1 \
		"$WGF" watch --host "$1" "$repo" >"$LAB_DIR/watch.$1.log" 2>&1 &
	WATCH_PIDS+=($!)
}
start_watch hub
start_watch rt

# converged: the member each table uses is watch's, not drift; an exit's nft
# table with its own tunnels left out of its masquerade reads back as rendered
conv=1
for h in exa exb exc hub rt; do
	wgf_on "$h" plan "$repo" >"$LAB_DIR/plan.$h" 2>&1 || { conv=0; sed "s/^/#   plan $h: /" "$LAB_DIR/plan.$h" | tail -n 8; }
done
check "plan is empty on the exits, the hub and rt (watch running on the hub and rt)" test $conv = 1
lab_converged exm "$repo" "exm (an exit with an exit group of its own)"

# the tunnel to a member has no address: traffic to it must leave from the tunnel address
check "the hub reaches exa's and exb's tunnel addresses (through its tunnels to them)" bash -c '
	pings hub 10.78.0.2 && pings hub 10.78.0.3'
check "exm reaches exc's tunnel address, and rt exa's" bash -c 'pings exm 10.78.0.4 && pings rt 10.78.0.2'

# --- 2. traffic splitting -------------------------------------------------------
check "sp's client config: the network and 203.0.113.0/24, not everything" bash -c "
	grep -q '^AllowedIPs = .*10.78.0.0/24' $LAB_DIR/sp.conf &&
	grep -q '^AllowedIPs = .*203.0.113.0/24' $LAB_DIR/sp.conf &&
	! grep -q '^AllowedIPs = .*0\.0\.0\.0/0' $LAB_DIR/sp.conf"
sed -n 's/^AllowedIPs/#   sp: AllowedIPs/p' "$LAB_DIR/sp.conf"
check "sp (only 203.0.113.0/24) reaches 203.0.113.100 through exa" sees sp 203.0.113.2
check "sp reaches 192.0.2.100 directly, from its underlay address" sees sp 198.51.100.21 192.0.2.100
python3 - "$LAB_DIR/se.conf" >"$LAB_DIR/se.cover" <<'PY'
import ipaddress, re, sys
line = re.search(r"^AllowedIPs = (.*)$", open(sys.argv[1]).read(), re.M).group(1)
nets = [ipaddress.ip_network(p.strip()) for p in line.split(",")]
v4 = [n for n in nets if n.version == 4]
print("inet", any(ipaddress.ip_address("203.0.113.100") in n for n in v4))
print("far", any(n.overlaps(ipaddress.ip_network("192.0.2.0/24")) for n in v4))
print("net", any(ipaddress.ip_address("10.78.0.1") in n for n in v4))
PY
check "se's client config (except 192.0.2.0/24): covers the network and 203.0.113.100, nothing of 192.0.2.0/24" \
	test "$(tr '\n' ' ' <"$LAB_DIR/se.cover")" = "inet True far False net True "
sed -n 's/^AllowedIPs/#   se: AllowedIPs/p' "$LAB_DIR/se.conf"
check "se reaches 203.0.113.100 through exa" sees se 203.0.113.2
check "se reaches 192.0.2.100 directly, from its underlay address" sees se 198.51.100.22 192.0.2.100

# --- 3. multi-hop --------------------------------------------------------------
check "mp's client config sends everything to exm" grep -q '^AllowedIPs = 0.0.0.0/0' "$LAB_DIR/mp.conf"
check "exm's uplink alone reaches inet (a fwmark-51820 socket is seen as 100.64.5.2)" \
	retry 20 bash -c 'test "$(whoami exm 203.0.113.100 51820)" = 100.64.5.2'
check "exm's own traffic leaves from exc too" sees exm 203.0.113.4
check "mp, attached to exit exm, leaves from exc (exm's exit: g2)" sees mp 203.0.113.4

# --- 1. round-robin ------------------------------------------------------------
declare -A RR
: >"$LAB_DIR/rr.seen"
for p in $PEERS; do
	sees "$p" 203.0.113.2 || sees "$p" 203.0.113.3
	RR[$p]=$(whoami "$p")
	echo "$p ${RR[$p]}" >>"$LAB_DIR/rr.seen"
done
sed 's/^/#   rr: /' "$LAB_DIR/rr.seen"
check "round-robin: every peer of rr reaches inet through exa or exb" bash -c \
	"test \$(grep -cE ' 203\.0\.113\.[23]\$' $LAB_DIR/rr.seen) -eq $(echo $PEERS | wc -w)"
check "round-robin: at least one peer on each exit" bash -c \
	"grep -q ' 203.0.113.2\$' $LAB_DIR/rr.seen && grep -q ' 203.0.113.3\$' $LAB_DIR/rr.seen"
sticky=1
for p in $PEERS; do
	for i in 1 2 3 4 5; do
		[ "$(whoami "$p")" = "${RR[$p]}" ] || { sticky=0; echo "#   $p moved on connection $i"; }
	done
done
check "round-robin: each peer stays on its exit across 5 more connections" test $sticky = 1
# wgf test: a Policy whose tests say each peer leaves through the exit inet saw
exit_of() { case $1 in 203.0.113.2) echo exa ;; 203.0.113.3) echo exb ;; *) echo none ;; esac; }
rr_policy() {   # rr_policy DIR [PEER_TO_FLIP]
	rm -rf "$1"; cp -r "$repo" "$1"
	{
		printf 'apiVersion: wgf/v1\nkind: Policy\nmetadata:\n  name: rrtest\nspec:\n  network: xpnet\n  tests:\n'
		for p in $PEERS; do
			x=$(exit_of "${RR[$p]}")
			[ "$p" = "${2:-}" ] && { [ "$x" = exa ] && x=exb || x=exa; }
			echo "    - {from: $p, to: 203.0.113.100, protocol: tcp, port: 8080, expect: accept, exit: $x}"
		done
	} >"$1/rrtest.yaml"
}
rr_policy "$LAB_DIR/repo-t"
"$WGF" test "$LAB_DIR/repo-t" >"$LAB_DIR/wgftest" 2>&1; rc=$?
check "wgf test: each rr peer's exit (what inet saw) is the one wgf predicts" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/#   /' "$LAB_DIR/wgftest" | tail -n 15
rr_policy "$LAB_DIR/repo-f" p1
"$WGF" test "$LAB_DIR/repo-f" >"$LAB_DIR/wgftest-f" 2>&1; rc=$?
check "wgf test fails when one peer's test names the other exit" test $rc -ne 0
# exb's WireGuard stopped (lab_wg_stop): its peers move to exa; exa's never leave it
lab_wg_stop exb
moved=1 stayed=1
for p in $PEERS; do
	if [ "${RR[$p]}" = 203.0.113.3 ]; then
		retry 40 bash -c 'test "$(whoami "$1")" = 203.0.113.2' _ "$p" || { moved=0; echo "#   $p did not move to exa"; }
	fi
done
for p in $PEERS; do
	if [ "${RR[$p]}" = 203.0.113.2 ]; then
		[ "$(whoami "$p")" = 203.0.113.2 ] || { stayed=0; echo "#   $p left exa"; }
	fi
done
check "round-robin: exb down, its peers move to exa" test $moved = 1
check "round-robin: exb down, exa's peers stay on exa" test $stayed = 1

# --- 4. host full tunnel -------------------------------------------------------
# a socket with the tunnels' fwmark bypasses the full tunnel: the leak path exists
check "rt's underlay alone reaches inet (a fwmark-51820 socket is seen as 198.51.100.6)" \
	retry 20 bash -c 'test "$(whoami rt 203.0.113.100 51820)" = 198.51.100.6'
check "rt's own traffic leaves through exa" sees rt 203.0.113.2
check "rt's LAN host leaves through exa" sees lan 203.0.113.2
in_host rt ip rule list >"$LAB_DIR/rt.rules"
sed 's/^/#   rt: /' "$LAB_DIR/rt.rules"
check "rt's tunnel to the hub stays up: it pings the hub's tunnel address" pings rt 10.78.0.1
check "the hub reaches rt's LAN host through rt" pings hub 192.168.78.2
hs0=$(in_host rt wg show "$IF" latest-handshakes | awk '{print $2}')
# exa's WireGuard stopped: pg is all down, blackhole
lab_wg_stop exa
check "exa down: rt's table for pg becomes a blackhole" retry 40 bash -c \
	"in_host rt ip route show table all | grep -q '^blackhole default'"
in_host rt ip route show table all | grep -E '^(blackhole|unreachable|throw)? ?default' | sed 's/^/#   rt: /'
leak=0
for i in 1 2 3 4 5; do
	got=$(whoami rt); [ -z "$got" ] || { leak=1; echo "#   rt reached inet as $got"; }
	got=$(whoami lan); [ -z "$got" ] || { leak=1; echo "#   lan reached inet as $got"; }
	in_host rt ping -c 1 -W 1 203.0.113.100 >/dev/null 2>&1 && { leak=1; echo "#   rt pinged inet"; }
	in_host lan ping -c 1 -W 1 192.0.2.100 >/dev/null 2>&1 && { leak=1; echo "#   lan pinged 192.0.2.100"; }
done
check "exa down (whenAllDown: blackhole): neither rt nor its LAN reaches the internet at all" test $leak = 0
check "... while rt's underlay still does (fwmark socket)" test "$(whoami rt 203.0.113.100 51820)" = 198.51.100.6
check "exa down: rt's tunnel to the hub still carries traffic" pings rt 10.78.0.1
hs1=$(in_host rt wg show "$IF" latest-handshakes | awk '{print $2}')
check "rt's session with the hub is live (latest handshake within 180 s: ${hs0:-none}, then ${hs1:-none})" bash -c \
	"test -n '$hs1' && test '$hs1' -gt 0 && test \$((\$(date +%s) - $hs1)) -lt 180"

for p in "${WATCH_PIDS[@]}"; do
	kill "$p" 2>/dev/null; wait "$p"; rc=$?
	check "watch (pid $p) exits 0 on SIGTERM" test $rc -eq 0
done
WATCH_PIDS=()
for h in hub rt; do sed 's/^/#   watch.'$h': /' "$LAB_DIR/watch.$h.log" | tail -n 5; done
lab_done
