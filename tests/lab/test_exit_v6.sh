#!/usr/bin/env bash
# Exit groups on an IPv6-only network (README "Exit groups"): the Network has
# only an ipv6 pool, hosts and peers only IPv6 tunnel addresses, and the
# underlay is IPv6 too. A hub, two exits (exa, exb) in a priority group g6 and
# two peers; an "internet" namespace (inet, 2001:db8:ff::100) that only the
# exits reach answers each TCP connection with the source it saw (the exits
# masquerade IPv6: 2001:db8:ff::2 is exa, ::3 exb).
#
#   - the client config is IPv6 only and sends everything to the hub;
#   - the hub's tunnels to the exits, its IPv6 rules and table;
#   - a peer reaches inet through exa (inet sees exa's address, not the peer's
#     tunnel address); exa's wireguard-go killed: watch's IPv6 probes move it
#     to exb;
#   - `wgf test` with `family: ipv6` tests of names and an `exit:` passes, and
#     fails when the exit is the wrong one.
set -u
LAB_RUN=${LAB_RUN:-xq-$$}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
lab_start "${1:-build}"
lab_need python3 || { lab_done; exit 1; }

IF=xqw0
lab_switch
for h in inet hub exa exb v1 v2; do lab_host "$h"; done
n=0
for h in hub:1 exa:2 exb:3 v1:11 v2:12; do
	# IPv6 only: lab_port's IPv4 address is removed again
	lab_port "${h%:*}" "198.51.100.${h#*:}/24" "2001:db8:1::${h#*:}/64"
	in_host "${h%:*}" ip -4 addr flush dev eth0
done
in_host inet ip link add br1 type bridge
in_host inet ip link set br1 up
in_host inet ip addr add 2001:db8:ff::100/64 dev br1 nodad
for x in exa:2 exb:3; do
	n=$((n + 1))
	ip link add "xqi$n" netns "$(lab_ns "${x%:*}")" type veth peer name "xqb$n" netns "$(lab_ns inet)"
	in_host inet ip link set "xqb$n" master br1
	in_host inet ip link set "xqb$n" up
	in_host "${x%:*}" ip addr add "2001:db8:ff::${x#*:}/64" dev "xqi$n" nodad
	in_host "${x%:*}" ip link set "xqi$n" up
done

# inet answers each TCP connection with the address it came from
lab_whoami inet 6
WATCH_PID=
trap 'kill $WATCH_PID $WHOAMI_PID 2>/dev/null; wait $WATCH_PID $WHOAMI_PID 2>/dev/null; lab_cleanup' EXIT
whoami() {
	in_host "$1" python3 -c '
import socket
s = socket.create_connection(("2001:db8:ff::100", 8080), timeout=2)
print(s.recv(64).decode().strip())' 2>/dev/null
}
export -f whoami in_host lab_ns pings retry
export LAB_RUN LAB_DIR
wait_listening inet tcp 8080 || fail "inet's whoami listens"

repo=$LAB_DIR/repo
mkdir -p "$repo/hosts" "$repo/peers"
cat >"$repo/network.yaml" <<EOF
apiVersion: wgf/v1
kind: Network
metadata:
  name: v6net
spec:
  interface: $IF
  listenPort: 51820
  addressPools:
    ipv6: "fd78::/64"
EOF
host_yaml() {   # host_yaml NAME ROLE N [MORE]
	cat >"$repo/hosts/$1.yaml" <<EOF
apiVersion: wgf/v1
kind: Host
metadata:
  name: $1
spec:
  role: $2
  publicKey: PUBKEY
  endpoint: "[2001:db8:1::$3]:51820"
  addresses: ["fd78::$3/64"]
${4:-}
EOF
}
host_yaml hub hub 1
host_yaml exa exit 2 "  exitInterface: xqx-exa"
host_yaml exb exit 3 "  exitInterface: xqx-exb"
cat >"$repo/exits.yaml" <<EOF
apiVersion: wgf/v1
kind: ExitGroup
metadata:
  name: g6
spec:
  network: v6net
  members:
    - {host: exa, priority: 10}
    - {host: exb, priority: 20}
EOF
for h in hub exa exb; do set_public_key "$repo" "$h" "$(wgf_host_key "$h" 2>/dev/null)"; done
for p in v1:11 v2:12; do
	(umask 077; wg genkey >"$LAB_DIR/${p%:*}.key")
	cat >"$repo/peers/${p%:*}.yaml" <<EOF
apiVersion: wgf/v1
kind: Peer
metadata:
  name: ${p%:*}
spec:
  publicKey: $(wg pubkey <"$LAB_DIR/${p%:*}.key")
  hubs: [hub]
  addresses: ["fd78::${p#*:}/128"]
  exit: g6
EOF
done

"$WGF" validate "$repo" >"$LAB_DIR/validate" 2>&1; rc=$?
check "validate accepts the IPv6-only repository" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/#   /' "$LAB_DIR/validate" | tail -n 15
for h in exa exb hub; do
	wgf_on "$h" apply --yes "$repo" >"$LAB_DIR/apply.$h" 2>&1; rc=$?
	check "apply on $h" test $rc -eq 0
	[ $rc -eq 0 ] || sed 's/^/#   /' "$LAB_DIR/apply.$h" | tail -n 15
done
HUBPUB=$(wg pubkey <"$LAB_DIR/hub.key")
for p in v1:11 v2:12; do
	"$WGF" peer config "${p%:*}" "$repo" >"$LAB_DIR/${p%:*}.conf" 2>&1
	allowed=$(sed -n 's/^AllowedIPs = //p' "$LAB_DIR/${p%:*}.conf" | tr -d ' ')
	plain_peer "${p%:*}" "$LAB_DIR/${p%:*}.key" "fd78::${p#*:}/128" "$HUBPUB" "[2001:db8:1::1]:51820" "$allowed"
done
sed -n 's/^\(Address\|AllowedIPs\)/#   v1: \1/p' "$LAB_DIR/v1.conf"
check "v1's client config: an IPv6 address only, everything to the hub" bash -c "
	grep -q '^Address = fd78::11/128\$' $LAB_DIR/v1.conf && grep -q '^AllowedIPs = .*::/0' $LAB_DIR/v1.conf"

in_host hub ip -6 rule list >"$LAB_DIR/rules6"
sed 's/^/#   hub: /' "$LAB_DIR/rules6"
check "the hub: IPv6 rules send v1 and v2 to g6's table" bash -c "
	grep -q '^20000:.*lookup main suppress_prefixlength 0' $LAB_DIR/rules6 &&
	grep -q '^20100:.*from fd78::11 lookup 52' $LAB_DIR/rules6 && grep -q '^20100:.*from fd78::12 lookup 52' $LAB_DIR/rules6"
in_host hub ip -6 route show table all >"$LAB_DIR/routes6"
check "the hub: g6's table has an IPv6 default route out of the tunnel to exa, from the hub's address" \
	grep -q '^default dev xqx-exa table 52[0-9]* proto 157 .*src fd78::1' "$LAB_DIR/routes6"
grep '^default' "$LAB_DIR/routes6" | sed 's/^/#   hub: /'

check "the hub reaches exa's and exb's tunnel addresses (through its tunnels to them)" bash -c '
	in_host hub ping -c 1 -W 2 fd78::2 >/dev/null && in_host hub ping -c 1 -W 2 fd78::3 >/dev/null'
nsenter --net="/run/netns/$(lab_ns hub)" --mount="$LAB_DIR/mnt/hub" -- \
	env WGF_KEY_FILE="$LAB_DIR/hub.key" WGF_STATE_DIR="$LAB_DIR/state-hub" NO_COLOR=1 \
	"$WGF" watch --host hub "$repo" >"$LAB_DIR/watch.log" 2>&1 &
WATCH_PID=$!

conv=1
for h in exa exb hub; do
	wgf_on "$h" plan "$repo" >"$LAB_DIR/plan.$h" 2>&1 || { conv=0; sed "s/^/#   plan $h: /" "$LAB_DIR/plan.$h" | tail -n 8; }
done
check "plan is empty on the exits and the hub (watch running on the hub)" test $conv = 1
check "v1 pings the IPv6 internet" pings v1 2001:db8:ff::100
check "v1 leaves through exa (inet sees exa's IPv6 address: exa masquerades)" \
	retry 20 bash -c 'test "$(whoami v1)" = 2001:db8:ff::2'
check "v2 leaves through exa too" retry 20 bash -c 'test "$(whoami v2)" = 2001:db8:ff::2'
note "inet saw v1 as $(whoami v1)"

# wgf test: names resolved as IPv6, the exit the flow leaves through
policy() {   # policy DIR EXIT
	rm -rf "$1"; cp -r "$repo" "$1"
	cat >"$1/tests.yaml" <<EOF
apiVersion: wgf/v1
kind: Policy
metadata:
  name: v6tests
spec:
  network: v6net
  tests:
    - {from: v1, to: hub, protocol: icmp, expect: accept, family: ipv6}
    - {from: v1, to: v2, protocol: tcp, port: 22, expect: accept, family: ipv6}
    - {from: v1, to: "2001:db8:ff::100", protocol: tcp, port: 8080, expect: accept, exit: $2}
EOF
}
policy "$LAB_DIR/repo-t" exa
"$WGF" test "$LAB_DIR/repo-t" >"$LAB_DIR/wgftest" 2>&1; rc=$?
check "wgf test: family: ipv6 names and v1's exit (exa) pass" test $rc -eq 0
sed 's/^/#   /' "$LAB_DIR/wgftest" | tail -n 6
policy "$LAB_DIR/repo-f" exb
"$WGF" test "$LAB_DIR/repo-f" >"$LAB_DIR/wgftest-f" 2>&1; rc=$?
check "wgf test fails when the test names exb as v1's exit" test $rc -ne 0

# exa's WireGuard stopped (lab_wg_stop): watch (IPv6 probes) moves g6 to exb
lab_wg_stop exa
check "exa down: v1 moves to exb (watch probes over IPv6)" retry 40 bash -c 'test "$(whoami v1)" = 2001:db8:ff::3'
check "the journal records the switch" grep -q 'exit-switched' "$LAB_DIR/state-hub/journal"

kill "$WATCH_PID" 2>/dev/null; wait "$WATCH_PID"; rc=$?
WATCH_PID=
check "watch exits 0 on SIGTERM" test $rc -eq 0
sed 's/^/#   watch: /' "$LAB_DIR/watch.log" | tail -n 4
lab_done
