#!/usr/bin/env bash
# Access internet-only through an exit group on real tunnels (README "Access
# levels"). A plain hub, one exit exa (member of group g), an "internet" inet
# behind exa, and loc: a network of the hub's own (not in the model) that
# routes the tunnel pool back to the hub. Peers on the hub: guest (access
# internet-only, exit: g) and lap (full, exit: g).
#   guest reaches inet's whoami through exa (seen as exa's internet address);
#   guest reaches neither the hub, exa's tunnel address, lap, nor loc (ping and
#   TCP), while lap reaches all of them: only a member's tunnel lets guest out.
set -u
LAB_RUN=${LAB_RUN:-io-$$}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
lab_start "${1:-build}"
lab_need python3 || { lab_done; exit 1; }

IF=iow0
lab_switch
for h in inet loc hub exa guest lap; do lab_host "$h"; done
lab_port hub 198.51.100.1/24
lab_port exa 198.51.100.2/24
lab_port guest 198.51.100.11/24
lab_port lap 198.51.100.12/24
# exa's internet side: inet as 203.0.113.100
ip link add ioi0 netns "$(lab_ns exa)" type veth peer name iob0 netns "$(lab_ns inet)"
in_host exa ip addr add 203.0.113.2/24 dev ioi0
in_host exa ip link set ioi0 up
in_host inet ip addr add 203.0.113.100/24 dev iob0
in_host inet ip link set iob0 up
# loc: the hub's own network; it routes the tunnel pool back to the hub
ip link add iol0 netns "$(lab_ns hub)" type veth peer name iol1 netns "$(lab_ns loc)"
in_host hub ip addr add 10.200.0.1/24 dev iol0
in_host hub ip link set iol0 up
in_host loc ip addr add 10.200.0.2/24 dev iol1
in_host loc ip link set iol1 up
in_host loc ip route add 10.79.0.0/24 via 10.200.0.1

lab_whoami inet
INET_PID=$WHOAMI_PID
lab_whoami loc
LOC_PID=$WHOAMI_PID
lab_whoami hub
HUB_PID=$WHOAMI_PID
lab_whoami lap
LAP_PID=$WHOAMI_PID
trap 'for p in $INET_PID $LOC_PID $HUB_PID $LAP_PID; do kill $p 2>/dev/null; wait $p 2>/dev/null; done; lab_cleanup' EXIT
whoami() {   # whoami HOST ADDR: the address ADDR's whoami saw HOST's connection come from
	in_host "$1" python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], 8080), timeout=2)
print(s.recv(64).decode().strip())' "$2" 2>/dev/null
}
sees() { retry 10 bash -c 'test "$(whoami "$1" "$3")" = "$2"' _ "$1" "$2" "$3"; }
no_tcp() { ! whoami "$1" "$2" >/dev/null; }
no_ping() { ! in_host "$1" ping -c 2 -W 1 "$2" >/dev/null 2>&1; }
export -f whoami no_tcp no_ping in_host lab_ns retry
export LAB_RUN LAB_DIR
for h in inet loc hub lap; do wait_listening "$h" tcp 8080 || fail "$h's whoami listens"; done

repo=$LAB_DIR/repo
mkdir -p "$repo"
cat >"$repo/net.yaml" <<EOF
apiVersion: wgf/v1
kind: Network
metadata: {name: ionet}
spec:
  interface: $IF
  listenPort: 51820
  addressPools: {ipv4: 10.79.0.0/24}
---
apiVersion: wgf/v1
kind: Host
metadata:
  name: hub
spec:
  role: hub
  publicKey: PUBKEY
  endpoint: 198.51.100.1:51820
  addresses: [10.79.0.1/24]
---
apiVersion: wgf/v1
kind: Host
metadata:
  name: exa
spec:
  role: exit
  publicKey: PUBKEY
  endpoint: 198.51.100.2:51820
  addresses: [10.79.0.2/24]
  exitInterface: iox-exa
---
apiVersion: wgf/v1
kind: ExitGroup
metadata: {name: g}
spec: {network: ionet, members: [{host: exa}]}
EOF
for h in hub exa; do set_public_key "$repo" "$h" "$(wgf_host_key "$h" 2>/dev/null)"; done
peer_yaml() {   # peer_yaml NAME N ACCESS
	(umask 077; wg genkey >"$LAB_DIR/$1.key")
	cat >"$repo/$1.yaml" <<EOF
apiVersion: wgf/v1
kind: Peer
metadata: {name: $1}
spec: {publicKey: $(wg pubkey <"$LAB_DIR/$1.key"), hubs: [hub], addresses: [10.79.0.$2/32], access: $3, exit: g}
EOF
}
peer_yaml guest 11 internet-only
peer_yaml lap 12 full

"$WGF" validate "$repo" >"$LAB_DIR/validate" 2>&1; rc=$?
check "validate accepts an internet-only peer on a plain hub with exit: g" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/#   /' "$LAB_DIR/validate" | tail -n 15
for h in exa hub; do
	wgf_on "$h" apply --yes "$repo" >"$LAB_DIR/apply.$h" 2>&1; rc=$?
	check "apply on $h" test $rc -eq 0
	[ $rc -eq 0 ] || sed 's/^/#   /' "$LAB_DIR/apply.$h" | tail -n 15
done
HUBPUB=$(wg pubkey <"$LAB_DIR/hub.key")
for p in guest:11 lap:12; do
	"$WGF" peer config "${p%:*}" "$repo" >"$LAB_DIR/${p%:*}.conf" 2>&1
	allowed=$(sed -n 's/^AllowedIPs = //p' "$LAB_DIR/${p%:*}.conf" | tr -d ' ')
	check "${p%:*}'s client config is a full tunnel" test "$allowed" = "0.0.0.0/0,::/0"
	plain_peer "${p%:*}" "$LAB_DIR/${p%:*}.key" "10.79.0.${p#*:}/32" "$HUBPUB" "198.51.100.1:51820" "0.0.0.0/0"
done
# the underlay stays direct (the tunnel's endpoint is on it)
check "lap's tunnel is up (it pings the hub)" pings lap 10.79.0.1
check "guest's tunnel is up (a handshake with the hub)" retry 10 bash -c \
	'in_host guest ping -c 1 -W 1 203.0.113.100 >/dev/null 2>&1; in_host guest wg show wg0 latest-handshakes | awk "{exit !(\$2 > 0)}"'

check "guest reaches the internet through exa (inet sees exa's address)" sees guest 203.0.113.2 203.0.113.100
check "lap reaches the internet through exa" sees lap 203.0.113.2 203.0.113.100
# wgf test predicts what the traffic shows (a copy: the policy is only tests)
cp -r "$repo" "$LAB_DIR/repo-t"
cat >"$LAB_DIR/repo-t/tests.yaml" <<EOF
apiVersion: wgf/v1
kind: Policy
metadata: {name: iotest}
spec:
  network: ionet
  tests:
    - {from: guest, to: 203.0.113.100, protocol: tcp, port: 8080, expect: accept, exit: exa}
    - {from: guest, to: 10.79.0.12, protocol: tcp, port: 8080, expect: drop}
    - {from: guest, to: 10.79.0.2, protocol: icmp, expect: drop}
    - {from: lap, to: 10.79.0.2, protocol: icmp, expect: accept}
EOF
"$WGF" test "$LAB_DIR/repo-t" >"$LAB_DIR/wgftest" 2>&1; rc=$?
check "wgf test: guest leaves through exa and is denied the network, as the traffic shows" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/#   /' "$LAB_DIR/wgftest" | tail -n 10

check "guest cannot reach the hub (TCP, ping)" bash -c 'no_tcp guest 10.79.0.1 && no_ping guest 10.79.0.1'
check "guest cannot reach exa's tunnel address (TCP, ping)" bash -c 'no_tcp guest 10.79.0.2 && no_ping guest 10.79.0.2'
check "guest cannot reach lap (TCP, ping)" bash -c 'no_tcp guest 10.79.0.12 && no_ping guest 10.79.0.12'
check "guest cannot reach the hub's own network loc directly (TCP, ping)" bash -c \
	'no_tcp guest 10.200.0.2 && no_ping guest 10.200.0.2'
check "lap reaches the hub (TCP)" sees lap 10.79.0.12 10.79.0.1
check "lap reaches exa's tunnel address (ping)" pings lap 10.79.0.2
check "lap reaches loc directly (TCP, seen from its tunnel address)" sees lap 10.79.0.12 10.200.0.2
check "guest still reaches the internet after the denied flows" sees guest 203.0.113.2 203.0.113.100
lab_converged hub "$repo" "hub"
lab_done
