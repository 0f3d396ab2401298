#!/usr/bin/env bash
# wgf status's health verdicts on real tunnels: a hub, a router behind NAT on a
# host-to-host link with keepalive, a peer with keepalive that connects and
# pings (online), an idle peer without keepalive that never starts (never, not
# unhealthy), a wrong key for a peer on the hub (unknown, named by its allowed
# IPs: exit 4), a wrong host key in the repository and a down interface (never's
# reasons), and the router's WireGuard stopped (stale after --stale-after: exit 4,
# says why); everything up again: healthy, exit 0. Text and --json (jq).
set -u
LAB_RUN=${LAB_RUN:-hl$$}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
lab_start "${1:-build}"
lab_need jq

repo=$LAB_DIR/repo
mkdir -p "$repo/hosts" "$repo/peers"
cat >"$repo/network.yaml" <<'Y'
apiVersion: wgf/v1
kind: Network
metadata:
  name: hlnet
spec:
  interface: hlw0
  listenPort: 51820
  persistentKeepalive: 25
  addressPools:
    ipv4: 10.61.0.0/24
Y
host_yaml() {   # host_yaml NAME ROLE ADDR [ENDPOINT]
	printf 'apiVersion: wgf/v1\nkind: Host\nmetadata:\n  name: %s\nspec:\n  role: %s\n  publicKey: PLACEHOLDER\n  addresses: [%s]\n' "$1" "$2" "$3"
	[ -n "${4:-}" ] && printf '  endpoint: %s\n' "$4"
}
peer_yaml() {   # peer_yaml NAME ADDR KEEPALIVE
	printf 'apiVersion: wgf/v1\nkind: Peer\nmetadata:\n  name: %s\nspec:\n  publicKey: PLACEHOLDER\n  addresses: [%s]\n  hubs: [hub]\n' "$1" "$2"
	[ "$3" != 0 ] && printf '  persistentKeepalive: %s\n' "$3"
}
host_yaml hub hub 10.61.0.1/24 198.51.100.1:51820 >"$repo/hosts/hub.yaml"
host_yaml router router 10.61.0.2/24 >"$repo/hosts/router.yaml"
peer_yaml alice 10.61.0.10 25 >"$repo/peers/alice.yaml"
peer_yaml dave 10.61.0.11 0 >"$repo/peers/dave.yaml"

lab_switch
for h in hub router alice; do lab_host "$h"; done
lab_port hub 198.51.100.1/24
lab_port router 198.51.100.2/24
lab_port alice 198.51.100.10/24

set_public_key "$repo" hub "$(wgf_host_key hub)"
set_public_key "$repo" router "$(wgf_host_key router)"
for d in alice dave other; do
	(umask 077; wg genkey >"$LAB_DIR/$d.key")
	wg pubkey <"$LAB_DIR/$d.key" >"$LAB_DIR/$d.pub"
done
set_public_key "$repo" alice "$(cat "$LAB_DIR/alice.pub")"
set_public_key "$repo" dave "$(cat "$LAB_DIR/dave.pub")"
HUBPUB=$(WGF_KEY_FILE=$LAB_DIR/hub.key "$WGF" host pubkey)

check "validate accepts the network" "$WGF" validate "$repo"
check "apply on hub" wgf_on hub apply --yes "$repo"
check "apply on router" wgf_on router apply --yes "$repo"
# alice: plain wg with keepalive, like wg-quick
lab_wg_up alice hlw0
in_host alice wg set hlw0 private-key "$LAB_DIR/alice.key" peer "$HUBPUB" endpoint 198.51.100.1:51820 \
	allowed-ips 10.61.0.0/24 persistent-keepalive 25
in_host alice ip addr add 10.61.0.10/24 dev hlw0
in_host alice ip link set hlw0 up
check "alice pings the hub through the tunnel" pings alice 10.61.0.1
check "the router pings the hub through the tunnel" pings router 10.61.0.1

# st OUT ARGS...: status on the hub into OUT (text) and its exit code into $rc
st() { local out=$1; shift; wgf_on hub status "$@" "$repo" >"$out" 2>&1; rc=$?; }
# sj FILTER: a jq test on the hub's status --json (ARGS in $SJ_ARGS)
sj() { wgf_on hub status --json ${SJ_ARGS:-} "$repo" 2>/dev/null | jq -e "$1" >/dev/null; }
sj5() { SJ_ARGS="--stale-after 5s" sj "$1"; }
# rc_is N FILE: the last st exited N (else shows what it printed)
rc_is() { [ "$rc" -eq "$1" ] && return 0; echo "#   exit $rc:"; sed 's/^/#   /' "$2"; return 1; }
pv() { printf '.interfaces[0].peers[] | select(.name == "%s") | .health' "$1"; }

st "$LAB_DIR/s1"
check "all up: status exits 0" rc_is 0 "$LAB_DIR/s1"
check "all up: health: healthy, and it names the idle peer that never connected" \
	grep -qx 'health: healthy — 1 idle peer never connected (no keepalive: not unhealthy)' "$LAB_DIR/s1"
check "alice is online" grep -qE '^  peer alice \(.*\): online$' "$LAB_DIR/s1"
check "the router is online" grep -qE '^  peer router \(.*\): online$' "$LAB_DIR/s1"
check "dave never connected, and may be asleep" grep -qE '^  peer dave \(.*\): never \(no keepalive: may be asleep\)$' "$LAB_DIR/s1"
check "no colour without a terminal" bash -c "! grep -q $'\033' '$LAB_DIR/s1'"
check "--json: the host is healthy" sj '.health.verdict == "healthy"'
check "--json: alice online, expected up" sj "$(pv alice) | .verdict == \"online\" and .expected_up and (.unhealthy | not)"
check "--json: router online, expected up (the network's keepalive)" sj "$(pv router) | .verdict == \"online\" and .expected_up"
check "--json: dave never, not expected up, no reason" sj "$(pv dave) | .verdict == \"never\" and (.expected_up | not) and .reason == null"

# never's reasons: this host's key is not the repository's; the interface is down
cp -r "$repo" "$LAB_DIR/repo-badkey"
set_public_key "$LAB_DIR/repo-badkey" hub "$(cat "$LAB_DIR/other.pub")"
wgf_on hub status --json "$LAB_DIR/repo-badkey" >"$LAB_DIR/s-badkey.json" 2>/dev/null
# jqf FILTER FILE: a jq test on a saved status --json
jqf() { jq -e "$1" "$2" >/dev/null; }
check "a wrong host key: dave's never says why (host-key-mismatch)" \
	jqf "$(pv dave) | .verdict == \"never\" and .reason == \"host-key-mismatch\"" "$LAB_DIR/s-badkey.json"
wgf_on hub status --host hub "$LAB_DIR/repo-badkey" >"$LAB_DIR/s-badkey" 2>&1
check "... and in text" grep -qx "    why: the interface's public key is not this Host's publicKey in the repository" "$LAB_DIR/s-badkey"
# another table drops the listen port (an input policy drop, as a host firewall has it):
# dave's never names it; removed again, no reason
in_host hub nft add table inet hltest
in_host hub nft 'add chain inet hltest in { type filter hook input priority 0; policy drop; }'
check "another table drops the listen port: dave's never says why (port-blocked)" \
	sj "$(pv dave) | .verdict == \"never\" and .reason == \"port-blocked\""
wgf_on hub status "$repo" >"$LAB_DIR/s-blocked" 2>&1
check "... and in text, pointing at wgf doctor" \
	grep -qx "    why: another nftables table drops UDP to the listen port (wgf doctor names it)" "$LAB_DIR/s-blocked"
in_host hub nft delete table inet hltest
check "the table gone: no reason again" sj "$(pv dave) | .verdict == \"never\" and .reason == null"
in_host hub ip link set hlw0 down
st "$LAB_DIR/s-down"
check "interface down: exit 4" rc_is 4 "$LAB_DIR/s-down"
check "interface down: unhealthy, says so" grep -qE '^health: unhealthy — 1 interface down' "$LAB_DIR/s-down"
check "interface down: dave's never says why" sj "$(pv dave) | .reason == \"interface-down\""
in_host hub ip link set hlw0 up

# a wrong key for dave on the hub (by hand), with keepalive: unknown, named by its allowed IPs
DAVEPUB=$(cat "$LAB_DIR/dave.pub") OTHERPUB=$(cat "$LAB_DIR/other.pub")
in_host hub wg set hlw0 peer "$DAVEPUB" remove peer "$OTHERPUB" allowed-ips 10.61.0.11/32 persistent-keepalive 25
st "$LAB_DIR/s-wrong"
check "a wrong peer key: exit 4" rc_is 4 "$LAB_DIR/s-wrong"
check "a wrong peer key: unhealthy, says why" grep -qx 'health: unhealthy — 1 peer with a wrong key (expected up)' "$LAB_DIR/s-wrong"
check "a wrong peer key: the key is unknown and the repository's dave has another" \
	grep -qE '^  peer \(unknown\) \(.*\): unknown \(the repository.s dave has another key\)$' "$LAB_DIR/s-wrong"
check "a wrong peer key: --json says peer-key-mismatch, owner dave" \
	sj '.interfaces[0].peers[] | select(.name == null) | .health | .verdict == "unknown" and .reason == "peer-key-mismatch" and .owner == "dave" and .unhealthy'
check "apply repairs the hub" wgf_on hub apply --yes "$repo"
st "$LAB_DIR/s-repaired"
check "repaired: exit 0" rc_is 0 "$LAB_DIR/s-repaired"

# the router's WireGuard stops: after --stale-after its link is stale, exit 4
lab_wg_stop router
sleep 6
st "$LAB_DIR/s-stale" --stale-after 5s
check "router stopped, --stale-after 5s: exit 4" rc_is 4 "$LAB_DIR/s-stale"
check "router stopped: stale, expected up" grep -qE '^  peer router \(.*\): stale \(expected up: unhealthy\)$' "$LAB_DIR/s-stale"
check "router stopped: the host is unhealthy and says why" grep -qE '^health: unhealthy — [0-9]+ peers? stale \(expected up\)' "$LAB_DIR/s-stale"
check "--json: router stale and unhealthy" sj5 "$(pv router) | .verdict == \"stale\" and .unhealthy"
check "--json: the host is unhealthy, why" sj5 '.health.verdict == "unhealthy" and (.health.why | test("stale \\(expected up\\)"))'
# the same threshold from the repository: Network health.staleAfter; the command line wins
cp -r "$repo" "$LAB_DIR/repo-5s"
printf '  health:\n    staleAfter: 5s\n' >>"$LAB_DIR/repo-5s/network.yaml"
wgf_on hub status --json "$LAB_DIR/repo-5s" >"$LAB_DIR/s-5s.json" 2>/dev/null; rc=$?
check "Network health.staleAfter: 5s: exit 4, router stale" \
	bash -c "[ $rc -eq 4 ] && jq -e '$(pv router) | .verdict == \"stale\"' '$LAB_DIR/s-5s.json' >/dev/null"
wgf_on hub status --stale-after 3m "$LAB_DIR/repo-5s" >/dev/null 2>&1; rc=$?
check "--stale-after 3m overrides the Network's 5s: exit 0" test $rc -eq 0
st "$LAB_DIR/s-default"
check "within the default 3m the router's last handshake is still recent: exit 0" rc_is 0 "$LAB_DIR/s-default"
wgf_on hub status --stale-after 0 "$repo" >/dev/null 2>&1; rc=$?
check "--stale-after 0 is refused (exit 1)" test $rc -eq 1

# everything up again
check "apply on router again" wgf_on router apply --yes "$repo"
check "the router pings the hub again" pings router 10.61.0.1
check "alice pings the hub again" pings alice 10.61.0.1
# (alice's session is older than 5 s: only the router's new handshake is that recent)
check "--json, --stale-after 5s: router online again" sj5 "$(pv router) | .verdict == \"online\""
st "$LAB_DIR/s-up"
check "all up again: exit 0" rc_is 0 "$LAB_DIR/s-up"
check "all up again: healthy" grep -qE '^health: healthy' "$LAB_DIR/s-up"

lab_done
