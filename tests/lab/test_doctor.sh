#!/usr/bin/env bash
# wgf doctor on real tunnels: a hub, a spoke (a member attached to it, with an
# endpoint) and a plain WireGuard peer with keepalive. Healthy: every check ok
# (the reconcile timer a warning: no systemd here), exit 0. Then each problem is
# made for real on the hub, doctor must name it (--json, jq) and exit 4 (a
# warning: exit 0), and it is undone: a foreign nft table whose forward hook
# drops, rp_filter=1, a wrong key file, the listen port taken by socat while the
# hub's WireGuard is stopped, a low MTU on the underlay, forwarding off, the
# state directory 0777, a time in the state directory after the clock's, an
# unreachable endpoint, a peer expected up that never handshakes.
set -u
LAB_RUN=${LAB_RUN:-dr$$}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
lab_start "${1:-build}"
lab_need jq socat

repo=$LAB_DIR/repo
mkdir -p "$repo/hosts" "$repo/peers"
cat >"$repo/network.yaml" <<'Y'
apiVersion: wgf/v1
kind: Network
metadata:
  name: drnet
spec:
  interface: drw0
  listenPort: 19490
  addressPools:
    ipv4: 10.62.0.0/24
Y
host_yaml() {   # host_yaml NAME ROLE ADDR ENDPOINT [HUB]
	printf 'apiVersion: wgf/v1\nkind: Host\nmetadata:\n  name: %s\nspec:\n  role: %s\n  publicKey: PLACEHOLDER\n  addresses: [%s]\n  endpoint: %s\n' "$1" "$2" "$3" "$4"
	[ -n "${5:-}" ] && printf '  hubs: [%s]\n' "$5"
}
peer_yaml() {   # peer_yaml NAME ADDR KEEPALIVE
	printf 'apiVersion: wgf/v1\nkind: Peer\nmetadata:\n  name: %s\nspec:\n  publicKey: PLACEHOLDER\n  addresses: [%s]\n  hubs: [hub]\n  persistentKeepalive: %s\n' "$1" "$2" "$3"
}
host_yaml hub hub 10.62.0.1/24 198.51.100.1:19490 >"$repo/hosts/hub.yaml"
host_yaml spoke member 10.62.0.2/24 198.51.100.2:19490 hub >"$repo/hosts/spoke.yaml"
peer_yaml alice 10.62.0.10 25 >"$repo/peers/alice.yaml"

lab_switch
for h in hub spoke alice; do lab_host "$h"; done
lab_port hub 198.51.100.1/24
lab_port spoke 198.51.100.2/24
lab_port alice 198.51.100.10/24

set_public_key "$repo" hub "$(wgf_host_key hub)"
set_public_key "$repo" spoke "$(wgf_host_key spoke)"
for d in alice erin other; do
	(umask 077; wg genkey >"$LAB_DIR/$d.key")
	wg pubkey <"$LAB_DIR/$d.key" >"$LAB_DIR/$d.pub"
done
set_public_key "$repo" alice "$(cat "$LAB_DIR/alice.pub")"
HUBPUB=$(WGF_KEY_FILE=$LAB_DIR/hub.key "$WGF" host pubkey)

check "validate accepts the network" "$WGF" validate "$repo"
check "apply on hub" wgf_on hub apply --yes "$repo"
check "apply on spoke" wgf_on spoke apply --yes "$repo"
lab_wg_up alice drw0
in_host alice wg set drw0 private-key "$LAB_DIR/alice.key" peer "$HUBPUB" endpoint 198.51.100.1:19490 \
	allowed-ips 10.62.0.0/24 persistent-keepalive 25
in_host alice ip addr add 10.62.0.10/24 dev drw0
in_host alice ip link set drw0 up
check "alice pings the hub through the tunnel" pings alice 10.62.0.1
check "the spoke pings the hub through the tunnel" pings spoke 10.62.0.1
check "alice pings the spoke through the hub (forwarding)" pings alice 10.62.0.2

# dr OUT [ARGS...]: doctor --json on the hub into OUT, its exit code into $rc
dr() { local out=$1; shift; wgf_on hub doctor --json "$@" "$repo" >"$out" 2>"$out.err"; rc=$?; }
# jx FILE ARGS...: jq -e on doctor's --json in FILE, false when FILE is empty
# (jq -e on no input at all succeeds)
jx() { local f=$1; shift; [ -s "$f" ] && jq -e "$@" "$f" >/dev/null; }
# has CHECK TEXT FILE: its message holds TEXT (literally)
has() { jx "$3" --arg c "$1" --arg t "$2" '.[] | select(.check == $c) | .message | index($t) != null'; }
# is CHECK STATUS FILE: that check has that status (else shows what doctor said)
is() {
	jx "$3" --arg c "$1" --arg s "$2" '.[] | select(.check == $c) | .status == $s' && return 0
	echo "#   exit $rc:"; jq -c '.[] | select(.status != "ok")' "$3" | sed 's/^/#   /'; cat "$3.err" | sed 's/^/#   /'
	return 1
}
# says CHECK REGEX FILE: its message matches
says() { jx "$3" --arg c "$1" --arg r "$2" '.[] | select(.check == $c) | .message | test($r)'; }
hinted() { jx "$2" --arg c "$1" '.[] | select(.check == $c) | .hint | type == "string" and length > 0'; }
rc_is() { [ "$rc" -eq "$1" ] || { echo "#   exit $rc"; return 1; }; }
only() {   # only CHECK FILE: no check but CHECK (and the timer) is other than ok
	jx "$2" --arg c "$1" '[.[] | select(.status != "ok" and .check != $c and .check != "reconcile-timer")] == []' \
		|| { jq -c '.[] | select(.status != "ok")' "$2" | sed 's/^/#   /'; return 1; }
}

dr "$LAB_DIR/ok.json"
check "healthy: exit 0" rc_is 0
check "healthy: twelve checks, each with check, title, status, message, hint" \
	jx "$LAB_DIR/ok.json" 'length == 12 and all(.[]; has("check") and has("title") and has("status") and has("message") and has("hint"))'
check "healthy: every check ok but the timer" only none "$LAB_DIR/ok.json"
check "healthy: the timer is a warning (no systemd here) with a hint" \
	jx "$LAB_DIR/ok.json" '.[] | select(.check == "reconcile-timer") | .status == "warning" and (.hint | length > 0)'
check "healthy: the backend is wireguard-go, which drw0 uses" says backend 'drw0 uses wireguard-go' "$LAB_DIR/ok.json"
check "healthy: forwarding on, as a hub needs" says forwarding 'net.ipv4.ip_forward = 1' "$LAB_DIR/ok.json"
check "healthy: the MTU fits the 1500-byte underlay" says mtu 'MTU 1420 fits .* \(smallest 1500\)' "$LAB_DIR/ok.json"
check "healthy: the port is held by drw0" says listen-port 'UDP port 19490 is held by drw0' "$LAB_DIR/ok.json"
check "healthy: ok checks carry no hint" jx "$LAB_DIR/ok.json" 'all(.[] | select(.status == "ok"); .hint == null)'
wgf_on hub doctor "$repo" >"$LAB_DIR/ok.txt" 2>&1
check "text: one line a check, ok first" bash -c "[ \$(grep -c '^ok ' '$LAB_DIR/ok.txt') -eq 11 ] && grep -q '^warning  reconcile timer' '$LAB_DIR/ok.txt'"
check "text: no colour without a terminal" bash -c "! grep -q $'\033' '$LAB_DIR/ok.txt'"
wgf_on spoke doctor --json "$repo" >"$LAB_DIR/spoke.json" 2>"$LAB_DIR/spoke.json.err"; rc=$?
check "the spoke: exit 0" rc_is 0
check "the spoke (a member): forwarding and rp_filter not needed" \
	jx "$LAB_DIR/spoke.json" '[.[] | select(.check == "forwarding" or .check == "rp-filter") | .message | test("not needed|routes no tunnel traffic")] == [true, true]'

# a foreign nft table whose forward hook drops everything
in_host hub nft -f - <<'N'
table inet drtest {
	chain fwd_chain {
		type filter hook forward priority 0; policy drop;
	}
}
N
dr "$LAB_DIR/nft.json"
check "foreign table: exit 4" rc_is 4
check "foreign table: firewall is a problem" is firewall problem "$LAB_DIR/nft.json"
check "foreign table: it names the table and chain" says firewall 'table inet drtest chain fwd_chain \(forward hook, policy drop' "$LAB_DIR/nft.json"
check "foreign table: and says what to do" hinted firewall "$LAB_DIR/nft.json"
check "foreign table: nothing else" only firewall "$LAB_DIR/nft.json"
check "foreign table: it really drops: alice cannot reach the spoke" bash -c "! ip netns exec $(lab_ns alice) ping -c 1 -W 1 10.62.0.2 >/dev/null 2>&1"
in_host hub nft add rule inet drtest fwd_chain iifname drw0 accept
dr "$LAB_DIR/nft2.json"
check "an accept for drw0 in that chain: firewall ok again" is firewall ok "$LAB_DIR/nft2.json"
in_host hub nft delete table inet drtest
check "table removed: alice reaches the spoke again" pings alice 10.62.0.2

# the same from real iptables (Debian's: the nf_tables backend, so table ip filter)
if iptables --version 2>/dev/null | grep -q nf_tables; then
	in_host hub iptables -P FORWARD DROP
	dr "$LAB_DIR/ipt.json"
	check "iptables -P FORWARD DROP: exit 4" rc_is 4
	check "iptables -P FORWARD DROP: firewall names table ip filter chain FORWARD" \
		says firewall 'table ip filter chain FORWARD \(forward hook, policy drop' "$LAB_DIR/ipt.json"
	check "iptables: it really drops: alice cannot reach the spoke" bash -c "! ip netns exec $(lab_ns alice) ping -c 1 -W 1 10.62.0.2 >/dev/null 2>&1"
	in_host hub iptables -P FORWARD ACCEPT
	in_host hub iptables -A INPUT -p udp --dport 19490 -j DROP
	dr "$LAB_DIR/ipt2.json"
	check "iptables -A INPUT -p udp --dport 19490 -j DROP: named as a rule of table ip filter chain INPUT" \
		says firewall 'table ip filter chain INPUT \(input hook, a rule drops the listen port' "$LAB_DIR/ipt2.json"
	in_host hub iptables -D INPUT -p udp --dport 19490 -j DROP
	dr "$LAB_DIR/ipt3.json"
	check "iptables rules gone (the table stays): firewall ok" is firewall ok "$LAB_DIR/ipt3.json"
	in_host hub nft delete table ip filter
else
	skip "iptables with the nf_tables backend is not installed (make deps installs it)"
fi

# strict reverse-path filtering on the hub
in_host hub sysctl -qw net.ipv4.conf.all.rp_filter=1
dr "$LAB_DIR/rp.json"
check "rp_filter=1: a warning (a hub without asymmetric routes), exit 0" rc_is 0
check "rp_filter=1: named" is rp-filter warning "$LAB_DIR/rp.json"
check "rp_filter=1: says strict, all 1" says rp-filter 'rp_filter 1 \(strict\) on drw0 \(all 1' "$LAB_DIR/rp.json"
check "rp_filter=1: hint says loose" jx "$LAB_DIR/rp.json" '.[] | select(.check == "rp-filter") | .hint | test("rp_filter=2")'
in_host hub sysctl -qw net.ipv4.conf.all.rp_filter=0
in_host hub sysctl -qw net.ipv4.conf.drw0.rp_filter=1
dr "$LAB_DIR/rp2.json"
check "rp_filter=1 on drw0 only: effective is the larger, named" says rp-filter 'rp_filter 1 \(strict\) on drw0 \(all 0, drw0 1\)' "$LAB_DIR/rp2.json"
in_host hub sysctl -qw net.ipv4.conf.drw0.rp_filter=0

# a wrong key file
dr "$LAB_DIR/key.json" --key-file "$LAB_DIR/other.key"
check "another key file: exit 4" rc_is 4
check "another key file: host-key is a problem" is host-key problem "$LAB_DIR/key.json"
check "another key file: says whose key it is not" has host-key "is not Host hub's publicKey $HUBPUB" "$LAB_DIR/key.json"
check "another key file: the private key is never printed" bash -c "! grep -qF '$(cat "$LAB_DIR/other.key")' '$LAB_DIR/key.json'"
chmod 644 "$LAB_DIR/hub.key"
dr "$LAB_DIR/key2.json"
check "key file 0644: a problem, chmod 600 as the hint" \
	jx "$LAB_DIR/key2.json" '.[] | select(.check == "host-key") | .status == "problem" and (.hint | test("chmod 600"))'
chmod 600 "$LAB_DIR/hub.key"

# the listen port taken while the hub's WireGuard is stopped
lab_wg_stop hub
# (19490 is 4C22 in /proc/net/udp; wireguard-go closes its sockets as it exits)
for _ in $(seq 50); do in_host hub grep -qi ':4C22 ' /proc/net/udp /proc/net/udp6 || break; sleep 0.1; done
# (ip netns exec execs socat itself: $! is socat's pid)
ip netns exec "$(lab_ns hub)" socat -u UDP4-RECV:19490 /dev/null &
socat_pid=$!
for _ in $(seq 50); do in_host hub grep -qi ':4C22 ' /proc/net/udp && break; sleep 0.1; done
dr "$LAB_DIR/port.json"
check "port taken: exit 4" rc_is 4
check "port taken: listen-port is a problem" is listen-port problem "$LAB_DIR/port.json"
check "port taken: it names socat and its pid" says listen-port "taken by 1 socket not drw0's; socat, pid $socat_pid " "$LAB_DIR/port.json"
check "port taken: drw0 missing is said too (peers)" is peers problem "$LAB_DIR/port.json"
kill "$socat_pid" 2>/dev/null; wait "$socat_pid" 2>/dev/null
dr "$LAB_DIR/port2.json"
check "socat gone: the port is free for the interface" says listen-port 'UDP port 19490 is free for the interface wgf apply creates' "$LAB_DIR/port2.json"
check "apply brings the hub back" wgf_on hub apply --yes "$repo"
# alice's session died with the hub's wireguard-go: she reconnects (a fresh peer handshakes at once)
in_host alice wg set drw0 peer "$HUBPUB" remove
in_host alice wg set drw0 peer "$HUBPUB" endpoint 198.51.100.1:19490 allowed-ips 10.62.0.0/24 persistent-keepalive 25
check "alice pings the hub again" pings alice 10.62.0.1
check "the spoke pings the hub again" retry 40 in_host spoke ping -c 1 -W 1 10.62.0.1

# a low MTU on the underlay
in_host hub ip link set eth0 mtu 1400
dr "$LAB_DIR/mtu.json"
check "underlay MTU 1400: exit 4" rc_is 4
check "underlay MTU 1400: mtu is a problem" is mtu problem "$LAB_DIR/mtu.json"
check "underlay MTU 1400: says the path and what the tunnel needs" \
	says mtu '198\.51\.100\.2:19490 via eth0: path MTU 1400 < 1480 \(MTU 1420 \+ 60\)' "$LAB_DIR/mtu.json"
check "underlay MTU 1400: hint names the MTU that fits" \
	jx "$LAB_DIR/mtu.json" '.[] | select(.check == "mtu") | .hint | test("at most 1320")'
in_host hub ip link set eth0 mtu 1500

# forwarding off on the hub
in_host hub sysctl -qw net.ipv4.ip_forward=0
dr "$LAB_DIR/fwd.json"
check "forwarding off: exit 4" rc_is 4
check "forwarding off: a problem" is forwarding problem "$LAB_DIR/fwd.json"
check "forwarding off: says what it is" says forwarding 'net.ipv4.ip_forward = 0' "$LAB_DIR/fwd.json"
check "forwarding off: nothing else" only forwarding "$LAB_DIR/fwd.json"
check "apply turns it on again" wgf_on hub apply --yes "$repo"
dr "$LAB_DIR/fwd2.json"
check "forwarding on again: ok" is forwarding ok "$LAB_DIR/fwd2.json"

# the state directory writable by anyone
chmod 0777 "$LAB_DIR/state-hub"
dr "$LAB_DIR/sd.json"
check "state dir 0777: exit 4" rc_is 4
check "state dir 0777: a problem, says the mode" says state-dir 'mode 0777' "$LAB_DIR/sd.json"
check "state dir 0777: nothing else" only state-dir "$LAB_DIR/sd.json"
chmod 0700 "$LAB_DIR/state-hub"
touch "$LAB_DIR/state-hub/journal"; chmod 0666 "$LAB_DIR/state-hub/journal"
dr "$LAB_DIR/sd2.json"
check "a file in it writable by others: named" says state-dir 'journal: owner uid 0, mode 0666' "$LAB_DIR/sd2.json"
chmod 0600 "$LAB_DIR/state-hub/journal"

# a time recorded in the state directory after the clock's: it stepped back
touch -d '+1 day' "$LAB_DIR/state-hub/journal"
dr "$LAB_DIR/clock.json"
check "clock behind the state directory: exit 4" rc_is 4
check "clock behind: a problem naming the file" says clock "is before journal's time" "$LAB_DIR/clock.json"
touch "$LAB_DIR/state-hub/journal"
dr "$LAB_DIR/clock2.json"
check "clock: ok again" is clock ok "$LAB_DIR/clock2.json"

# an endpoint without a route
in_host hub ip route add unreachable 198.51.100.2/32
dr "$LAB_DIR/ep.json"
check "unreachable endpoint: exit 4" rc_is 4
check "unreachable endpoint: endpoints names it" says endpoints '198\.51\.100\.2:19490: no route' "$LAB_DIR/ep.json"
in_host hub ip route del unreachable 198.51.100.2/32

# a peer expected up that never handshakes (its device does not exist)
cp -r "$repo" "$LAB_DIR/repo-erin"
peer_yaml erin 10.62.0.12 25 >"$LAB_DIR/repo-erin/peers/erin.yaml"
set_public_key "$LAB_DIR/repo-erin" erin "$(cat "$LAB_DIR/erin.pub")"
check "apply erin on the hub" wgf_on hub apply --yes "$LAB_DIR/repo-erin"
wgf_on hub doctor --json "$LAB_DIR/repo-erin" >"$LAB_DIR/erin.json" 2>/dev/null; rc=$?
check "erin never: exit 4" rc_is 4
check "erin never: peers names her, expected up" says peers 'erin never \(expected up\)' "$LAB_DIR/erin.json"
check "erin never: nothing else" only peers "$LAB_DIR/erin.json"
check "apply without erin" wgf_on hub apply --yes "$repo"

dr "$LAB_DIR/end.json"
check "all undone: exit 0" rc_is 0
check "all undone: every check ok but the timer" jx "$LAB_DIR/end.json" '[.[] | select(.status != "ok") | .check] == ["reconcile-timer"]'

lab_done
