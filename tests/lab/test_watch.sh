#!/usr/bin/env bash
# wgf watch's probing and route switching against real tunnels (wireguard-go)
# in namespaces, driven by tests/lab/watch_check (exit_watch on a hand-built
# exit group of two members, the YAML's default health settings):
#
#   hub ── wwxa ══ exit A ──┐
#       └─ wwxb ══ exit B ──┴── inet (198.18.77.77)
#
# The hub's own traffic goes by table 52000 (the full-tunnel rule pair, not
# fwmark 51820) out of the member in use; the exits masquerade, so the source the "internet"
# sees says which exit a packet used. Exit A's wireguard-go is killed: the
# table's default route moves to B within 10 s (measured) and traffic leaves
# through B; A comes back: the route returns only after the hold (60 s). Both
# down: a blackhole, and nothing leaves. Every switch is in the journal, the
# state in exits.json. Then `wgf watch` itself on a repository naming the
# same tunnels (Hosts, an ExitGroup): its Host found by its key, its table,
# wgf status, SIGHUP, a switch, a reload (an unrelated change) that keeps the
# members' health, SIGTERM, --once --json. (The repository part
# needs the ExitGroup kind in the loader; a build without it skips it.)
# WATCH_TRIALS=10 adds ten failovers and prints their median and worst.
# usage: tests/lab/test_watch.sh [BUILD_DIR]
set -u
LAB_RUN=${LAB_RUN:-ww$$}
. "$(dirname "$0")/lib.sh"
lab_start "${1:-build}"
lab_need wireguard-go wg nft jq ping
lab_need_bin "$BUILD/lab/watch_check"

TABLE=52000
# the WireGuard interfaces' prefix (WATCH_IF: a run of its own beside another)
W=${WATCH_IF:-ww}
STATE=$LAB_DIR/state-hub

for h in hub xa xb inet; do lab_host $h || { fail "namespace $h"; lab_done; exit 1; }; done

# veth A B ADDR_A ADDR_B NAME_A NAME_B
veth() {
	ip link add "$5" netns "$(lab_ns "$1")" type veth peer name "$6" netns "$(lab_ns "$2")" || return 1
	in_host "$1" ip addr add "$3" dev "$5" && in_host "$2" ip addr add "$4" dev "$6" &&
		in_host "$1" ip link set "$5" up && in_host "$2" ip link set "$6" up
}
veth hub xa 192.168.77.1/30 192.168.77.2/30 wwh-a wwa-h &&
	veth hub xb 192.168.78.1/30 192.168.78.2/30 wwh-b wwb-h &&
	veth xa inet 172.31.77.2/30 172.31.77.1/30 wwa-i wwi-a &&
	veth xb inet 172.31.78.2/30 172.31.78.1/30 wwb-i wwi-b || { fail "veth links"; lab_done; exit 1; }
in_host inet ip addr add 198.18.77.77/32 dev lo

for k in hub xa xb; do (umask 077; wg genkey >"$LAB_DIR/$k.key"); wg pubkey <"$LAB_DIR/$k.key" >"$LAB_DIR/$k.pub"; done

# exit_up X ADDR UPLINK INET_GW: exit X's WireGuard (wwe<X>) for the hub, forwarding, masquerade
exit_up() {
	local x=$1 addr=$2 up=$3 gw=$4 ifn=${W}e${1#x}
	lab_wg_up "$x" "$ifn" || return 1
	in_host "$x" wg set "$ifn" private-key "$LAB_DIR/$x.key" listen-port 51820 \
		peer "$(cat "$LAB_DIR/hub.pub")" allowed-ips 10.77.0.1/32 || return 1
	in_host "$x" ip addr add "$addr/32" dev "$ifn" 2>/dev/null
	in_host "$x" ip link set "$ifn" up
	in_host "$x" ip route replace 10.77.0.1/32 dev "$ifn"
	in_host "$x" ip route replace default via "$gw" dev "$up"
	in_host "$x" sysctl -qw net.ipv4.ip_forward=1
	in_host "$x" nft -f - <<-EOF
		table ip wwnat
		delete table ip wwnat
		table ip wwnat { chain post { type nat hook postrouting priority srcnat; oifname "$up" masquerade; }; }
	EOF
}
exit_up xa 10.77.0.2 wwa-i 172.31.77.1 && exit_up xb 10.77.0.3 wwb-i 172.31.78.1 ||
	{ fail "exits' WireGuard"; lab_done; exit 1; }

# the hub: its tunnel address, one interface per member (all of the internet to it), the rule
in_host hub ip addr add 10.77.0.1/32 dev lo
for x in a b; do
	lab_wg_up hub ${W}x$x || { fail "hub ${W}x$x"; lab_done; exit 1; }
	ep=192.168.7$([ $x = a ] && echo 7 || echo 8).2
	in_host hub wg set ${W}x$x private-key "$LAB_DIR/hub.key" fwmark 51820 peer "$(cat "$LAB_DIR/x$x.pub")" \
		endpoint "$ep:51820" persistent-keepalive 25 allowed-ips 0.0.0.0/0
	in_host hub ip link set ${W}x$x up
done
# the design's pair for a host's own traffic (wg-quick's): connected routes of
# main win, the rest goes by the group's table but for the tunnels' own packets
in_host hub ip rule add priority 20000 lookup main suppress_prefixlength 0
in_host hub ip rule add priority 20900 not fwmark 51820 lookup $TABLE

in_host inet nft -f - <<-EOF
	table inet wwcount { chain in { type filter hook input priority 0;
		ip saddr 172.31.77.2 ip length 228 icmp type echo-request counter comment "via-a"
		ip saddr 172.31.78.2 ip length 228 icmp type echo-request counter comment "via-b"; }; }
EOF
seen() {   # seen a|b: the hub's pings (not watch's probes) the internet saw from that exit
	in_host inet nft -j list table inet wwcount |
		jq -r --arg c "via-$1" '.nftables[] | select(.rule.comment == $c) | .rule.expr[] | select(.counter) | .counter.packets'
}
route_dev() { in_host hub ip -4 route show table $TABLE default 2>/dev/null | head -1; }
# wait_route TEXT MAX_MS: polls until the table's default route says TEXT; prints the ms it took
wait_route() {
	local t0 now
	t0=$(date +%s%N)
	while :; do
		route_dev | grep -q "$1" && { echo $(( ($(date +%s%N) - t0) / 1000000 )); return 0; }
		now=$(date +%s%N)
		[ $(( (now - t0) / 1000000 )) -gt "$2" ] && return 1
		sleep 0.1
	done
}
# through: a ping from the hub's tunnel address to the "internet"
through() { in_host hub ping -c 1 -W 1 -s 200 -I 10.77.0.1 198.18.77.77 >/dev/null 2>&1; }

LOG=$LAB_DIR/watch.log
# (exec: $! is watch_check itself, for the SIGTERM at the end)
(exec nsenter --net="/run/netns/$(lab_ns hub)" --mount="$LAB_DIR/mnt/hub" -- "$BUILD/lab/watch_check" "$STATE" \
	10.77.0.1 $TABLE priority blackhole 1 198.18.77.77 a-east:${W}xa:10.77.0.2 b-west:${W}xb:10.77.0.3 2>"$LOG") &
WATCH=$!

ms=$(wait_route "dev ${W}xa" 5000) && ok "watch sets the table's first route: out of the first member (${W}xa, ${ms} ms)" ||
	fail "no route out of ${W}xa in table $TABLE: $(route_dev)"
check "the route carries wgf's protocol (157)" \
	sh -c "ip netns exec $(lab_ns hub) ip -4 route show table $TABLE default proto 157 | grep -q 'dev ${W}xa'"
check "the route's prefsrc is the hub's tunnel address" \
	sh -c "ip netns exec $(lab_ns hub) ip -4 route show table $TABLE default | grep -q 'src 10.77.0.1'"
sleep 3
a0=$(seen a)
check "traffic leaves through exit A (the internet sees A's address)" through
a1=$(seen a); b1=$(seen b)
[ "${a1:-0}" -gt "${a0:-0}" ] && [ "${b1:-0}" -eq 0 ] && ok "the internet saw A ($a1), not B ($b1)" ||
	fail "the internet saw A ${a0:-?} -> ${a1:-?}, B ${b1:-?}"

# exit A's WireGuard process dies
pid_a=$(ip netns pids "$(lab_ns xa)")
kill $pid_a
if ms=$(wait_route "dev ${W}xb" 10000); then
	ok "exit A down: the route moved to ${W}xb in ${ms} ms (within 10 s)"
	note "failover: ${ms} ms"
else
	fail "the route did not move to ${W}xb within 10 s: $(route_dev)"
fi
b0=$(seen b)
for i in 1 2 3; do through && break; sleep 0.5; done
b1=$(seen b)
[ "${b1:-0}" -gt "${b0:-0}" ] && ok "traffic resumed through exit B (internet saw B: ${b0:-0} -> $b1)" ||
	fail "no traffic through B (B ${b0:-?} -> ${b1:-?})"
grep -q "a-east -> b-west: a-east is down: no reply from 10.77.0.2 through ${W}xa" "$LOG" &&
	ok "the switch is logged with its reason" || fail "switch log: $(tail -3 "$LOG")"

# A comes back: taken back only after the hold (60 s up)
exit_up xa 10.77.0.2 wwa-i 172.31.77.1 || fail "restarting exit A"
if ms=$(wait_route "dev ${W}xa" 85000); then
	[ "$ms" -ge 60000 ] && ok "exit A back: the route returned after ${ms} ms (not before the 60 s hold)" ||
		fail "the route returned after ${ms} ms, before the hold"
	note "return after A came back: ${ms} ms"
else
	fail "the route did not return to ${W}xa within 85 s: $(route_dev)"
fi
check "traffic leaves through A again" through

state=$(cat "$STATE/exits.json" 2>/dev/null)
[ "$(stat -c %a "$STATE/exits.json" 2>/dev/null)" = 644 ] && ok "exits.json is 0644" || fail "exits.json mode"
echo "$state" | jq -e '.groups[0].members[0].up == true and .groups[0].members[1].up == true and
	.groups[0].tables[0].member == "a-east" and .groups[0].tables[0].table == 52000 and
	(.groups[0].members[0].latency_ms | type) == "number" and .groups[0].members[0].handshake_age_s >= 0' >/dev/null &&
	ok "exits.json: both members up, table 52000 on a-east, latency and handshake age" ||
	fail "exits.json: $state"
echo "$state" | jq -e '.groups[0].tables[0].switched_ms - .groups[0].members[0].since_ms >= 60000' >/dev/null &&
	ok "exits.json: A was taken back no sooner than 60 s after it came up" || fail "exits.json: hold: $state"
echo "$state" | grep -qi "private\|preshared" && fail "exits.json holds a key" || ok "exits.json holds no key"
j=$(env WGF_STATE_DIR="$STATE" "$WGF" journal --json 2>&1)
echo "$j" | jq -e '[.[] | select(.result == "exit-switched")] | length == 2 and
	(.[0].reason | test("exit group lab, table 52000: a-east -> b-west: a-east is down")) and
	.[0].exit == {"group": "lab", "from": "a-east", "to": "b-west"} and .[1].exit.to == "a-east" and
	(.[1].reason | test("b-west -> a-east: a-east \\(priority 10\\) comes before b-west"))' >/dev/null &&
	ok "the journal holds both switches (exit-switched, group, table, from, to, why)" ||
	fail "journal: $j"
check "the journal's chain verifies" env WGF_STATE_DIR="$STATE" "$WGF" journal verify

# WATCH_TRIALS=N: N more failovers, alternating (the member in use is killed,
# the other takes over, the killed one is restarted and awaited), median and worst
restart_exit() { if [ "$1" = a ]; then exit_up xa 10.77.0.2 wwa-i 172.31.77.1; else exit_up xb 10.77.0.3 wwb-i 172.31.78.1; fi; }
member_up() {   # member_up a|b MAX_S: exits.json says the member is up
	local idx=$([ "$1" = a ] && echo 0 || echo 1) i
	for i in $(seq $(( $2 * 10 ))); do
		jq -e --argjson i "$idx" '.groups[0].members[$i].up' "$STATE/exits.json" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
if [ "${WATCH_TRIALS:-0}" -gt 0 ]; then
	cur=a times=()
	for i in $(seq "$WATCH_TRIALS"); do
		other=$([ $cur = a ] && echo b || echo a)
		member_up $other 60 || { fail "trial $i: exit $other did not come up"; break; }
		kill $(ip netns pids "$(lab_ns x$cur)")
		ms=$(wait_route "dev ${W}x$other" 10000) || { fail "trial $i: no failover to ${W}x$other within 10 s"; break; }
		times+=("$ms")
		restart_exit $cur || { fail "trial $i: restarting exit $cur"; break; }
		cur=$other
	done
	if [ ${#times[@]} -eq "$WATCH_TRIALS" ]; then
		sorted=($(printf '%s\n' "${times[@]}" | sort -n))
		ok "$WATCH_TRIALS failovers, each within 10 s: median ${sorted[$(( WATCH_TRIALS / 2 ))]} ms, worst ${sorted[-1]} ms"
		note "failover trials (ms): ${times[*]}"
	fi
fi

# both down: a blackhole. The hub now has a "local internet" of its own (a
# default route in main by B's underlay, which forwards and masquerades too):
# without the blackhole its traffic would leak out that way.
in_host hub ip route add default via 192.168.78.2 dev wwh-b
for x in xa xb; do kill $(ip netns pids "$(lab_ns $x)"); done
if ms=$(wait_route "blackhole" 10000); then
	ok "every member down: the table's default route is a blackhole (${ms} ms)"
else
	fail "no blackhole with both exits down: $(route_dev) ($(tail -2 "$LOG"))"
fi
b0=$(seen b)
through; b1=$(seen b)
[ "${b1:-0}" -eq "${b0:-0}" ] && ok "nothing leaves by the local internet with every exit down" ||
	fail "traffic leaked by the hub's own default route (internet saw B's underlay: ${b0:-?} -> ${b1:-?})"
# B comes back: the probes (marked, so the blackhole does not catch them) see it, the route follows
exit_up xb 10.77.0.3 wwb-i 172.31.78.1 || fail "restarting exit B"
ms=$(wait_route "dev ${W}xb" 20000) && ok "from the blackhole to exit B once it answers again (${ms} ms)" ||
	fail "no route to ${W}xb after B came back: $(route_dev)"

kill -TERM $WATCH; wait $WATCH
check "watch_check ends on SIGTERM with status 0" test $? -eq 0
in_host hub ip route del default via 192.168.78.2 dev wwh-b

# ---- wgf watch itself, from a repository: the same tunnels as Hosts and an ExitGroup
REPO=$LAB_DIR/repo STATE2=$LAB_DIR/state-repo
mkdir -p "$REPO"
cat >"$REPO/net.yaml" <<EOF
apiVersion: wgf/v1
kind: Network
metadata: {name: lab}
spec:
  interface: wwlab0
  addressPools: {ipv4: 10.77.0.0/24}
---
apiVersion: wgf/v1
kind: Host
metadata: {name: hub}
spec:
  role: hub
  publicKey: $(cat "$LAB_DIR/hub.pub")
  endpoint: 192.168.77.1:51820
  addresses: [10.77.0.1/24]
  exit: lab-out
---
apiVersion: wgf/v1
kind: Host
metadata: {name: xa}
spec:
  role: exit
  publicKey: $(cat "$LAB_DIR/xa.pub")
  endpoint: 192.168.77.2:51820
  addresses: [10.77.0.2/24]
  exitInterface: ${W}xa
---
apiVersion: wgf/v1
kind: Host
metadata: {name: xb}
spec:
  role: exit
  publicKey: $(cat "$LAB_DIR/xb.pub")
  endpoint: 192.168.78.2:51820
  addresses: [10.77.0.3/24]
  exitInterface: ${W}xb
---
apiVersion: wgf/v1
kind: ExitGroup
metadata: {name: lab-out}
spec:
  members: [{host: xa, priority: 10}, {host: xb, priority: 20}]
  health: {interval: 1s, timeout: 1s, target: 198.18.77.77}
EOF
if ! "$WGF" validate "$REPO" >"$LAB_DIR/validate" 2>&1; then
	skip "wgf watch from a repository: this build does not load ExitGroup yet ($(head -1 "$LAB_DIR/validate"))"
	lab_done; exit
fi
exit_up xa 10.77.0.2 wwa-i 172.31.77.1 || fail "restarting exit A"
# xa handshaken with before watch starts: the hub's peer, reset by watch_check
# while xa was down, would take up to WireGuard's 5 s retry (a packet starts it)
hs_xa() { in_host hub wg show ${W}xa latest-handshakes | awk '{print $2; exit}'; }
for i in $(seq 100); do
	[ "$(hs_xa)" -gt 0 ] 2>/dev/null && break
	in_host hub ping -c 1 -W 0.1 -m 51820 -I ${W}xa 10.77.0.2 >/dev/null 2>&1
done
check "the hub's tunnel to xa has a handshake again" test "$(hs_xa)" -gt 0
LOG2=$LAB_DIR/watch2.log
(exec nsenter --net="/run/netns/$(lab_ns hub)" --mount="$LAB_DIR/mnt/hub" -- env NO_COLOR=1 "$WGF" watch "$REPO" \
	--key-file "$LAB_DIR/hub.key" --state-dir "$STATE2" 2>"$LOG2") &
WATCH2=$!
for i in $(seq 50); do [ -s "$STATE2/exits.json" ] && break; sleep 0.1; done
T=$(jq -r '.groups[0].tables[0].table' "$STATE2/exits.json" 2>/dev/null)
check "wgf watch found its Host by its key and the group's table ($T, in 52000-52999)" \
	test "${T:-0}" -ge 52000 -a "${T:-0}" -le 52999
TABLE=$T
ms=$(wait_route "dev ${W}xa" 5000) && ok "wgf watch: table $T goes out of xa's interface (${ms} ms)" ||
	fail "wgf watch: table $T: $(route_dev) ($(cat "$LOG2"))"
st=$(env WGF_STATE_DIR="$STATE2" NO_COLOR=1 "$WGF" status 2>&1)
echo "$st" | grep -q "^exit group lab-out (priority, whenAllDown: blackhole): wgf watch updated" &&
	echo "$st" | grep -qE "^  member xa +${W}xa +up since watch started, latency [0-9.]+ ms, handshake [0-9]+s ago" &&
	echo "$st" | grep -q "^  table $T: xa$" && ok "wgf status shows the group, its members' health and the member in use" ||
	fail "wgf status: $st"
env WGF_STATE_DIR="$STATE2" "$WGF" status --json 2>/dev/null |
	jq -e '.exit_groups.watch_running == true and .exit_groups.groups[0].members[1].name == "xb"' >/dev/null &&
	ok "wgf status --json: exit_groups, watch running" || fail "status --json"
kill -HUP $WATCH2
for i in $(seq 30); do grep -q "reading the repository again" "$LOG2" && break; sleep 0.1; done
check "SIGHUP reads the repository again" grep -q "reading the repository again" "$LOG2"
kill $(ip netns pids "$(lab_ns xa)")
ms=$(wait_route "dev ${W}xb" 10000) && ok "wgf watch: xa down, table $T moved to xb in ${ms} ms" ||
	fail "wgf watch: no switch to ${W}xb: $(route_dev) ($(tail -3 "$LOG2"))"
# a reload with an unrelated change (a label on the hub) keeps what watch knows:
# xa down since it went, the table's switch, the table on xb
for i in $(seq 50); do jq -e '.groups[0].members[0].up == false' "$STATE2/exits.json" >/dev/null 2>&1 && break; sleep 0.1; done
before=$(jq -c '[.groups[0].members[] | {name, up, since_ms}] + [.groups[0].tables[0] | {member, switched_ms}]' \
	"$STATE2/exits.json" 2>/dev/null)
sed -i 's/^metadata: {name: hub}$/metadata: {name: hub, labels: {site: lab}}/' "$REPO/net.yaml"
kill -HUP $WATCH2
t_hup=$(date +%s%3N)
for i in $(seq 50); do
	[ "$(grep -c "reading the repository again" "$LOG2")" -ge 2 ] &&
		[ "$(jq -r .updated_ms "$STATE2/exits.json" 2>/dev/null || echo 0)" -gt $((t_hup + 1000)) ] && break
	sleep 0.1
done
after=$(jq -c '[.groups[0].members[] | {name, up, since_ms}] + [.groups[0].tables[0] | {member, switched_ms}]' \
	"$STATE2/exits.json" 2>/dev/null)
echo "$before" | jq -e '.[0].up == false and (.[0].since_ms | type) == "number" and .[2].member == "xb"' >/dev/null &&
	[ "$after" = "$before" ] && [ "$(grep -c "reading the repository again" "$LOG2")" -ge 2 ] &&
	ok "a reload (SIGHUP, an unrelated change) keeps the members' health and since_ms, the table on xb" ||
	fail "reload lost the state: before $before, after $after"
kill -TERM $WATCH2; wait $WATCH2
check "wgf watch ends on SIGTERM with status 0" test $? -eq 0
sleep 3.2
env WGF_STATE_DIR="$STATE2" NO_COLOR=1 "$WGF" status 2>&1 | grep -q "WATCH NOT RUNNING" &&
	ok "3 intervals later, wgf status says watch is not running" || fail "status after watch stopped"
out=$(in_host hub env NO_COLOR=1 "$WGF" watch "$REPO" --key-file "$LAB_DIR/hub.key" --state-dir "$STATE2" --once --json 2>/dev/null)
echo "$out" | jq -e --argjson t "$T" '.host == "hub" and .groups[0].tables[0].table == $t' >/dev/null &&
	ok "wgf watch --once --json: one round, the state printed" || fail "watch --once --json: $out"
lab_done
