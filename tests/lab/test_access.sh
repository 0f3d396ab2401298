#!/usr/bin/env bash
# Access control on real tunnels: the examples home-access, game-server and
# isp-multitenant, built together in one lab by tests/lab/topo.py (a namespace per
# Host running wgf, per Peer running plain wg, per router LAN, one "internet"
# namespace, all on one switch). Proves on the data plane:
#   - access levels: vpn-only reaches tunnel addresses, not the LAN; lan-only the
#     LAN, not the tunnel; full both (home-access);
#   - tenants cannot open TCP to each other; a policy that allows one port lets
#     exactly that port through (isp-multitenant);
#   - an internet-only subscriber pings and opens TCP to the internet through the
#     exit and asks the exit's resolver, and reaches nothing else: not another
#     subscriber or a full peer of its tenant, not the exit's own services, not the
#     office LAN; nobody reaches it (isp-multitenant); the exit's status shows its
#     capacity;
#   - TCP and UDP port forwards on a host's public address reach listeners inside
#     peers' namespaces, from a client that knows nothing about WireGuard; one
#     port on two public addresses goes to two different peers (game-server);
#   - every `tests:` entry of these examples gets the same answer from
#     `wgf test --json` (offline) and from a real connection attempt.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
lab_start "${1:-build}"
export LAB_DIR LAB_RUN
TOPO="python3 $here/topo.py"
EXAMPLES=(home-access game-server isp-multitenant)
start=$SECONDS

args=()
for e in "${EXAMPLES[@]}"; do args+=("$e=$here/../../examples/$e"); done
if ! $TOPO setup "$LAB_DIR/topo" "${args[@]}"; then
	fail "topo.py setup (the examples could not be turned into a lab)"
	lab_done; exit 1
fi
. "$LAB_DIR/topo/setup.sh"
T=$LAB_DIR/topo/topo.json

if ! topo_build >"$LAB_DIR/build.log" 2>&1; then
	fail "lab topology built"; sed 's/^/    /' "$LAB_DIR/build.log"
	lab_done; exit 1
fi
grep -q . "$LAB_DIR/build.log" && sed 's/^/# build: /' "$LAB_DIR/build.log"
topo_apply
topo_peers_up
check "every listener is listening (ss in its namespace)" topo_listeners
check "every tunnel has a handshake" $TOPO wait "$T" 45
echo "# lab up after $((SECONDS - start)) s"

# --- the stated properties, as named checks (run in parallel; drops take ~3 s)
PC_N=0 PC_PIDS=()
pcheck() {   # pcheck DESC CMD...: runs CMD in the background; pcheck_wait reports in order
	local d=$1; shift
	PC_N=$((PC_N + 1))
	printf '%s\n' "$d" >"$LAB_DIR/pc.$PC_N.desc"
	( "$@" >"$LAB_DIR/pc.$PC_N.out" 2>&1; echo $? >"$LAB_DIR/pc.$PC_N.rc" ) &
	PC_PIDS+=($!)
}
pcheck_wait() {
	local i
	wait "${PC_PIDS[@]}"
	for ((i = 1; i <= PC_N; i++)); do
		if [ "$(cat "$LAB_DIR/pc.$i.rc")" = 0 ]; then ok "$(cat "$LAB_DIR/pc.$i.desc")"
		else fail "$(cat "$LAB_DIR/pc.$i.desc")"; sed 's/^/    /' "$LAB_DIR/pc.$i.out"; fi
	done
	PC_N=0 PC_PIDS=()
}
# probe_is VERDICT ARGS...: one `topo.py probe`, whose exit code must be exactly
# VERDICT's (accept 0, drop 20, refused 21, wrong-target 22, unreachable 23); an
# error (a Python exception exits 1, a usage error 2) never passes as a verdict
probe_is() {
	local want=$1 rc code; shift
	case $want in accept) code=0 ;; drop) code=20 ;; refused) code=21 ;; wrong-target) code=22 ;;
	unreachable) code=23 ;; *) echo "probe_is: no verdict $want"; return 1 ;; esac
	$TOPO probe "$T" "$@"; rc=$?
	[ $rc -eq $code ] && return 0
	echo "# want $want (exit $code), got exit $rc"; return 1
}
reaches() { probe_is accept "$@"; }    # got through (to the right listener)
blocked() { probe_is drop "$@"; }      # no answer at all: dropped, not refused or unreachable

H=home-access
pcheck "$H: full alice reaches the NAS on the home LAN (TCP 445)" reaches $H alice-laptop 192.168.50.10 tcp 445
pcheck "$H: full alice reaches the NAS over IPv6 (TCP 445)" reaches $H alice-laptop fd10:50::10 tcp 445
pcheck "$H: full alice reaches carol's tunnel address (ping)" reaches $H alice-laptop carol-laptop icmp 0
pcheck "$H: vpn-only carol reaches alice's tunnel address (TCP 22)" reaches $H carol-laptop alice-laptop tcp 22
pcheck "$H: vpn-only carol reaches the hub's tunnel address (ping)" reaches $H carol-laptop hub icmp 0
pcheck "$H: vpn-only carol does not reach the NAS (TCP 445)" blocked $H carol-laptop 192.168.50.10 tcp 445
pcheck "$H: vpn-only carol does not reach the NAS (ping)" blocked $H carol-laptop 192.168.50.10 icmp 0
pcheck "$H: vpn-only carol does not reach the NAS over IPv6 (TCP 445)" blocked $H carol-laptop fd10:50::10 tcp 445
pcheck "$H: lan-only kids-tablet reaches the NAS (TCP 8096)" reaches $H kids-tablet 192.168.50.10 tcp 8096
pcheck "$H: lan-only kids-tablet reaches the printer (TCP 631)" reaches $H kids-tablet 192.168.50.20 tcp 631
pcheck "$H: lan-only kids-tablet does not reach alice's tunnel address (TCP 22)" blocked $H kids-tablet alice-laptop tcp 22
pcheck "$H: lan-only kids-tablet does not reach the hub (ping)" blocked $H kids-tablet hub icmp 0

I=isp-multitenant
pcheck "$I: tenant acme cannot open TCP to tenant globex (peer to peer)" blocked $I acme-alice globex-carol tcp 22
pcheck "$I: tenant globex cannot open TCP to tenant acme (peer to peer)" blocked $I globex-carol acme-alice tcp 22
pcheck "$I: tenant acme cannot open TCP to globex's LAN" blocked $I acme-bob 192.168.20.10 tcp 22
pcheck "$I: acme's LAN cannot open TCP to globex's LAN (router to router)" blocked $I 192.168.10.10 192.168.20.10 tcp 22
pcheck "$I: the policy's port gets through: globex → acme's ERP TCP 8443" reaches $I globex-carol 192.168.10.10 tcp 8443
pcheck "$I: ... from globex's LAN too (TCP 8443)" reaches $I 192.168.20.10 192.168.10.10 tcp 8443
pcheck "$I: the next port does not (TCP 8444)" blocked $I globex-carol 192.168.10.10 tcp 8444
pcheck "$I: another port of that server does not (TCP 22)" blocked $I globex-carol 192.168.10.10 tcp 22
pcheck "$I: the same port over UDP does not (UDP 8443)" blocked $I globex-carol 192.168.10.10 udp 8443
pcheck "$I: the same port on another server does not (192.168.10.11 TCP 8443)" blocked $I globex-carol 192.168.10.11 tcp 8443
pcheck "$I: inside a tenant, peers reach each other (TCP 22)" reaches $I acme-alice acme-bob tcp 22
pcheck "$I: inside a tenant, a peer reaches its LAN (TCP 22)" reaches $I acme-bob 192.168.10.10 tcp 22
pcheck "$I: internet-only acme-guest pings the internet through the exit" reaches $I acme-guest 203.0.113.80 icmp 0
pcheck "$I: internet-only acme-guest opens TCP to the internet (443)" reaches $I acme-guest 203.0.113.80 tcp 443
pcheck "$I: internet-only acme-guest asks the exit's resolver (UDP 53)" reaches $I acme-guest core udp 53
pcheck "$I: internet-only acme-guest cannot open TCP to another subscriber of its tenant" \
	blocked $I acme-guest acme-kiosk tcp 22
pcheck "$I: internet-only acme-guest cannot ping another subscriber of its tenant" blocked $I acme-guest acme-kiosk icmp 0
pcheck "$I: internet-only acme-guest cannot open TCP to a full peer of its tenant" blocked $I acme-guest acme-alice tcp 22
pcheck "$I: internet-only acme-guest cannot open TCP to the exit's own services (TCP 22)" blocked $I acme-guest core tcp 22
pcheck "$I: internet-only acme-guest cannot open TCP to its tenant's office LAN" \
	blocked $I acme-guest 192.168.10.10 tcp 8443
pcheck "$I: a full peer of its tenant cannot open TCP to internet-only acme-guest" blocked $I acme-alice acme-guest tcp 22
pcheck "$I: a policy opens one port to internet-only acme-kiosk (TCP 22 from acme-alice)" reaches $I acme-alice acme-kiosk tcp 22
pcheck "$I: a full peer of the same tenant still reaches the internet (TCP 443)" reaches $I acme-alice 203.0.113.80 tcp 443
pcheck "$I: a full peer of the same tenant still pings the internet" reaches $I acme-bob 203.0.113.80 icmp 0

G=game-server
pcheck "$G: TCP forward 198.51.100.20:25565 reaches the listener in minecraft-box" \
	reaches $G 203.0.113.50 198.51.100.20 tcp 25565 minecraft-box:25565
pcheck "$G: the same port on 198.51.100.21 reaches a different peer, modded-box" \
	reaches $G 203.0.113.50 198.51.100.21 tcp 25565 modded-box:25565
pcheck "$G: UDP forward 198.51.100.20:2457 reaches the echo listener in valheim-box" \
	reaches $G 203.0.113.50 198.51.100.20 udp 2457 valheim-box:2457
pcheck "$G: shifted forward 198.51.100.20:80 reaches minecraft-box on port 8123" \
	reaches $G 203.0.113.50 198.51.100.20 tcp 80 minecraft-box:8123
pcheck "$G: a game box cannot reach another (minecraft-box → modded-box TCP 25565)" \
	blocked $G minecraft-box modded-box tcp 25565
pcheck_wait
# the exit's capacity: 6 peers of maxPeers 500, in text and JSON
wgf_on core status "$LAB_DIR/repo-$I" >"$LAB_DIR/status-core" 2>&1
check "$I: wgf status on the exit shows its capacity (6 peers of maxPeers 500)" \
	grep -q '^  capacity:    6 peers (6 with it as their first hub) of maxPeers 500: 1.2%$' "$LAB_DIR/status-core"
wgf_on core status --json "$LAB_DIR/repo-$I" >"$LAB_DIR/status-core.json" 2>&1
check "$I: wgf status --json on the exit has its capacity" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = [i["capacity"] for i in d["interfaces"] if "capacity" in i]
assert c == [{"host": "core", "peers": 6, "first_hub_peers": 6, "max_peers": 500, "utilisation": 0.012}], c' \
	"$LAB_DIR/status-core.json"
wgf_on acme-router status --json "$LAB_DIR/repo-$I" >"$LAB_DIR/status-router.json" 2>&1
check "$I: a router (no hub) shows no capacity" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["interfaces"] and not [i for i in d["interfaces"] if "capacity" in i], d' "$LAB_DIR/status-router.json"
check "$G: the internet client has no WireGuard at all" bash -c "! ip netns exec $(lab_ns internet) ip link show | grep -q wg"

# --- every tests: entry, offline and on the data plane. The internet namespace
# routes each tunnel pool to its hub's public address, so a vector from outside
# to a tunnel address really reaches the hub (and is dropped there, not for lack
# of a route).
in_host internet ip route add 10.10.0.0/24 via 198.51.100.1
in_host internet ip route add 10.30.0.0/24 via 198.51.100.20
in_host internet ip route add 10.40.0.0/16 via 198.51.100.40
for e in "${EXAMPLES[@]}"; do
	"$WGF" test --json "$LAB_DIR/repo-$e" >"$LAB_DIR/test-$e.json" 2>"$LAB_DIR/test-$e.err"; rc=$?
	if ! python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert isinstance(d["tests"], list)' \
		"$LAB_DIR/test-$e.json" 2>/dev/null; then
		fail "$e: wgf test --json gives JSON with a tests list (exit $rc)"
		sed 's/^/    /' "$LAB_DIR/test-$e.err" | head -20
		continue
	fi
	check "$e: wgf test --json exits 0 (every test passes offline)" test $rc -eq 0
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "${line#ok - }" ;;
		"not ok - "*) fail "${line#not ok - }" ;;
		*) echo "$line" ;;
		esac
	done < <($TOPO vectors "$T" "$e" "$LAB_DIR/test-$e.json" 2>&1)
done

# --- outsiders: a machine on the exit's underlay segment (a neighbour in the same
# provider network) that routes the tunnel pool to the exit's public address.
# `wgf test` says such traffic is dropped ("nothing is forwarded from outside");
# the tenant's device has AllowedIPs 0.0.0.0/0, so only the exit can stop it.
check "$I: an underlay neighbour routing the pool via the exit cannot open TCP to a tenant's device" \
	blocked $I 203.0.113.50 acme-alice tcp 22
echo "# total $((SECONDS - start)) s"
lab_done
