#!/usr/bin/env bash
# examples/branch-offices on real tunnels: two hubs with public addresses in a
# mesh, two branch routers each behind its own NAT (a namespace that
# masquerades; no endpoint in the model) attached to both hubs, and a LAN host
# behind each router. The LANs reach each other through a hub; when the primary
# hub goes down, `wgf apply` on the routers moves them to the other hub, and
# back once it answers again. A converged fleet plans nothing.
set -u
LAB_RUN=${LAB_RUN:-tp-$$}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
lab_start "${1:-build}"
lab_need nft socat || { lab_done; exit 1; }

repo=$LAB_DIR/repo
lab_repo branch-offices "$repo"
yaml_edit "$repo/network.yaml" 'interface: wg0' 'interface: wgtp0'
IF=wgtp0

# vtp_link A ADDR_A B ADDR_B: a veth pair named vtpN-a / vtpN-b, one end in each host
TP_N=0
vtp_link() {
	local a=$1 aa=$2 b=$3 ba=$4
	TP_N=$((TP_N + 1))
	ip link add "vtp$TP_N-a" netns "$(lab_ns "$a")" type veth peer name "vtp$TP_N-b" netns "$(lab_ns "$b")" || return 1
	in_host "$a" ip addr add "$aa" dev "vtp$TP_N-a"
	in_host "$b" ip addr add "$ba" dev "vtp$TP_N-b"
	in_host "$a" ip link set "vtp$TP_N-a" up
	in_host "$b" ip link set "vtp$TP_N-b" up
}
# vtp_port HOST ADDR: HOST on the "internet" bridge of namespace sw; TP_PORT is its end
vtp_port() {
	TP_N=$((TP_N + 1))
	ip link add "vtp$TP_N-h" netns "$(lab_ns "$1")" type veth peer name "vtp$TP_N-s" netns "$(lab_ns sw)" || return 1
	in_host sw ip link set "vtp$TP_N-s" master br0
	in_host sw ip link set "vtp$TP_N-s" up
	in_host "$1" ip addr add "$2" dev "vtp$TP_N-h"
	in_host "$1" ip link set "vtp$TP_N-h" up
	TP_PORT=vtp$TP_N-h
}

# the internet: the hubs and the two NATs; behind each NAT a router, behind it a LAN host
lab_switch
for h in hub-a hub-b nat1 nat2 branch-1 branch-2 lan1 lan2; do lab_host "$h"; done
vtp_port hub-a 198.51.100.1/24
HUBA_PORT=$TP_PORT
vtp_port hub-b 198.51.100.2/24
for i in 1 2; do
	vtp_port nat$i 198.51.100.1$i/24
	up=$TP_PORT
	vtp_link nat$i 10.201.$i.1/24 branch-$i 10.201.$i.2/24
	in_host branch-$i ip route add default via 10.201.$i.1
	in_host nat$i sysctl -qw net.ipv4.ip_forward=1
	in_host nat$i nft -f - <<EOF
table ip tpnat {
	chain post { type nat hook postrouting priority srcnat; oifname "$up" masquerade; }
}
EOF
	vtp_link branch-$i 192.168.5$i.1/24 lan$i 192.168.5$i.10/24
	in_host lan$i ip route add default via 192.168.5$i.1
done

for h in hub-a hub-b branch-1 branch-2; do set_public_key "$repo" "$h" "$(wgf_host_key "$h")"; done
check "validate accepts the example" "$WGF" validate "$repo"
check "the routers have no endpoint (they are behind NAT)" bash -c "! grep -q '^  endpoint:' '$repo/hosts/branch-1.yaml' '$repo/hosts/branch-2.yaml'"

for h in hub-a hub-b branch-1 branch-2; do
	wgf_on "$h" apply --yes "$repo" >"$LAB_DIR/apply1.$h" 2>&1
	check "apply on $h" test $? -eq 0
done
wgf_pubkey() { WGF_KEY_FILE=$LAB_DIR/$1.key "$WGF" host pubkey; }
# carries HOST PEER PREFIX...: HOST's entry for PEER has every PREFIX among its allowed IPs
carries() {
	local h=$1 peer=$2 list p; shift 2
	list=" $(in_host "$h" wg show $IF allowed-ips | awk -v k="$(wgf_pubkey "$peer")" '$1 == k { $1 = ""; print }') "
	for p in "$@"; do [[ $list == *" $p "* ]] || { echo "#   $h's $peer has:$list" >&2; return 1; }; done
}
# lan_ping / lan_tcp: from lan1 to lan2's host, a ping and a TCP connection that carries a line back
lan_ping() { retry 20 in_host lan1 ping -c 1 -W 1 192.168.52.10 >/dev/null 2>&1; }
lan_tcp() {
	local got
	got=$(in_host lan1 timeout 5 socat -T 3 - TCP:192.168.52.10:7777,connect-timeout=3 </dev/null 2>/dev/null)
	[ "$got" = "hello from lan2" ]
}
in_host lan2 socat TCP-LISTEN:7777,fork,reuseaddr SYSTEM:'echo hello from lan2' >/dev/null 2>&1 &

check "branch-1 has one peer per hub and none for branch-2" test "$(in_host branch-1 wg show $IF peers | wc -l)" = 2
check "branch-1's primary hub-a carries the pool and branch-2's LAN" carries branch-1 hub-a 10.77.0.0/24 192.168.52.0/24
check "branch-1's hub-b carries only what is homed there" carries branch-1 hub-b 10.77.0.2/32 10.77.0.102/32
check "branch-2 (primary hub-b) reaches branch-1 through hub-a, as branch-1 does" carries branch-2 hub-a 192.168.51.0/24
check "hub-a has branch-1 directly (its tunnel address and LAN)" carries hub-a branch-1 10.77.0.11/32 192.168.51.0/24
check "hub-b has branch-1 directly too" carries hub-b branch-1 10.77.0.11/32 192.168.51.0/24
check "branch-1 routes a handful of prefixes, not one per address" \
	test "$(in_host branch-1 ip route show proto 157 | wc -l)" -le 3
check "LAN 1 pings LAN 2 through a hub" lan_ping
check "LAN 1 opens a TCP connection to LAN 2" retry 6 lan_tcp
rx_a() { in_host hub-a wg show $IF transfer | awk -v k="$(wgf_pubkey branch-2)" '$1 == k { print $3 }'; }
before=$(rx_a)
in_host lan1 ping -c 5 -i 0.2 -W 1 192.168.52.10 >/dev/null 2>&1
check "the traffic went through hub-a (its bytes to branch-2 grew)" test "$(rx_a)" -gt "$before"

for h in hub-a hub-b branch-1 branch-2; do
	wgf_on "$h" plan "$repo" >"$LAB_DIR/plan2.$h" 2>&1
	check "converged: the plan on $h is empty (exit 0)" test $? -eq 0
done
lab_converged branch-1 "$repo" "branch-1"

# hub-a goes down: its underlay is cut
in_host hub-a ip link set "$HUBA_PORT" down
check "with hub-a down, LAN 1 no longer reaches LAN 2 before anything is applied" \
	bash -c "! ip netns exec $(lab_ns lan1) ping -c 2 -W 1 192.168.52.10 >/dev/null 2>&1"
for h in branch-1 branch-2; do
	wgf_on "$h" plan "$repo" >"$LAB_DIR/plan-down.$h" 2>&1; rc=$?
	check "$h: plan with hub-a down exits 2 (the move is a change)" test $rc -eq 2
	check "$h: the plan says why" grep -q 'hub "hub-a" is unreachable (no reply from 10.77.0.1 through wgtp0), using hub "hub-b"' "$LAB_DIR/plan-down.$h"
	wgf_on "$h" apply --yes "$repo" >"$LAB_DIR/apply-down.$h" 2>&1
	check "$h: apply moves to hub-b" test $? -eq 0
done
check "branch-1's hub-b now carries the pool and branch-2's LAN" carries branch-1 hub-b 10.77.0.0/24 192.168.52.0/24
check "failover: LAN 1 pings LAN 2 through hub-b" lan_ping
check "failover: LAN 1 opens a TCP connection to LAN 2" retry 6 lan_tcp
wgf_on branch-1 plan "$repo" >"$LAB_DIR/plan-down2" 2>&1
check "failover: converged on hub-b while hub-a is down (plan exit 0)" test $? -eq 0

# hub-a comes back: the next apply moves back to it
in_host hub-a ip link set "$HUBA_PORT" up
for h in branch-1 branch-2; do
	wgf_on "$h" apply --yes "$repo" >"$LAB_DIR/apply-up.$h" 2>&1
	check "$h: apply with hub-a back succeeds" test $? -eq 0
	check "$h: and says nothing of an unreachable hub" bash -c "! grep -q unreachable '$LAB_DIR/apply-up.$h'"
done
check "branch-1 is back on hub-a" carries branch-1 hub-a 10.77.0.0/24 192.168.52.0/24
check "back: LAN 1 pings LAN 2" lan_ping
check "back: LAN 1 opens a TCP connection to LAN 2" retry 6 lan_tcp
before=$(rx_a)
in_host lan1 ping -c 5 -i 0.2 -W 1 192.168.52.10 >/dev/null 2>&1
check "back: the traffic goes through hub-a again" test "$(rx_a)" -gt "$before"
for h in hub-a hub-b branch-1 branch-2; do
	wgf_on "$h" plan "$repo" >"$LAB_DIR/plan3.$h" 2>&1
	check "converged again: the plan on $h is empty" test $? -eq 0
done

# --- wgf watch: the same failover within seconds, nothing applied by hand -----
# watch on both routers: branch-1 moves its network, branch-2 the route to
# branch-1's LAN (homed on hub-a)
jrn() { in_host branch-1 env NO_COLOR=1 "$WGF" journal --state-dir "$LAB_DIR/state-branch-1" | grep -c ' applied '; }
applied0=$(jrn)
WATCH_PIDS=()
for i in 1 2; do
	nsenter --net="/run/netns/$(lab_ns branch-$i)" --mount="$LAB_DIR/mnt/branch-$i" -- \
		env WGF_KEY_FILE="$LAB_DIR/branch-$i.key" WGF_STATE_DIR="$LAB_DIR/state-branch-$i" NO_COLOR=1 \
		"$WGF" watch --host "branch-$i" "$repo" >"$LAB_DIR/watch.$i" 2>&1 &
	WATCH_PIDS+=($!)
done
check "watch on branch-1 watches its two hubs" retry 10 grep -q 'host "branch-1": 2 hubs' "$LAB_DIR/watch.1"
nsenter --net="/run/netns/$(lab_ns lan1)" -- ping -D -i 0.2 -W 1 192.168.52.10 >"$LAB_DIR/ping.watch" 2>&1 &
PING_PID=$!
sleep 4   # watch's first rounds: both hubs answer
check "watch: nothing applied while both hubs answer" bash -c "! grep -q 'applying' '$LAB_DIR/watch.1' '$LAB_DIR/watch.2'"
T=$(date +%s.%N)
in_host hub-a ip link set "$HUBA_PORT" down
check "watch: hub-a cut, branch-1 moves the network to hub-b by itself" \
	retry 40 carries branch-1 hub-b 10.77.0.0/24 192.168.52.0/24
moved=$(python3 -c "import time; print('%.1f' % (time.time() - $T))")
check "watch: branch-2 routes branch-1's LAN through hub-b by itself" retry 20 carries branch-2 hub-b 192.168.51.0/24
check "watch: LAN 1 reaches LAN 2 again" lan_ping
retry 20 lab_resumed_after "$LAB_DIR/ping.watch" "$T" >/dev/null
gap=$(lab_resumed_after "$LAB_DIR/ping.watch" "$T")
note "hub failover under wgf watch: the network on hub-b after ${moved} s, LAN 1 to LAN 2 back after ${gap:-never} s"
check "watch: LAN traffic resumed within 15 s of the cut (${gap:-never} s: 3 missed probes, the apply's own probe, the apply)" \
	bash -c "test -n '$gap' && python3 -c 'import sys; sys.exit(0 if $gap <= 15 else 1)'"
check "watch: branch-1's log says why and shows the apply" bash -c \
	"grep -q 'hub hub-a is down (no reply from 10.77.0.1 through wgtp0)' '$LAB_DIR/watch.1' &&
	 grep -q 'the hubs changed: applying (the network on hub hub-b)' '$LAB_DIR/watch.1' &&
	 grep -q '^Apply complete' '$LAB_DIR/watch.1'"
check "watch: its apply is in branch-1's journal" test "$(jrn)" -gt "$applied0"
for h in branch-1 branch-2; do
	wgf_on "$h" plan "$repo" >"$LAB_DIR/plan-watch.$h" 2>&1
	check "watch: $h converged on hub-b (plan exit 0)" test $? -eq 0
done

# hub-a back: watch moves back once it has answered three probes in a row
T=$(date +%s.%N)
in_host hub-a ip link set "$HUBA_PORT" up
check "watch: hub-a back, branch-1 moves back to it by itself" \
	retry 40 carries branch-1 hub-a 10.77.0.0/24 192.168.52.0/24
back=$(python3 -c "import time; print('%.1f' % (time.time() - $T))")
note "hub-a back: branch-1 on it again after ${back} s"
check "watch: branch-2 routes branch-1's LAN through hub-a again" retry 20 carries branch-2 hub-a 192.168.51.0/24
check "watch: LAN 1 reaches LAN 2 through hub-a" lan_ping
before=$(rx_a)
in_host lan1 ping -c 5 -i 0.2 -W 1 192.168.52.10 >/dev/null 2>&1
check "watch: the traffic goes through hub-a again" test "$(rx_a)" -gt "$before"
kill "$PING_PID" 2>/dev/null; wait "$PING_PID" 2>/dev/null
for h in hub-a hub-b branch-1 branch-2; do
	wgf_on "$h" plan "$repo" >"$LAB_DIR/plan4.$h" 2>&1
	check "after watch: the plan on $h is empty" test $? -eq 0
done
for p in "${WATCH_PIDS[@]}"; do
	kill "$p" 2>/dev/null; wait "$p"; rc=$?
	check "watch (pid $p) exits 0 on SIGTERM" test $rc -eq 0
done
sed 's/^/#   watch.1: /' "$LAB_DIR/watch.1" | grep -v '^#   watch.1:  ' | head -n 20

lab_done
