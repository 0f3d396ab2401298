#!/usr/bin/env bash
# examples/home-access on real tunnels: a hub, a home router with a LAN behind it,
# two laptops configured with plain wg. Proves hub-and-spoke and LAN access over
# IPv4 and IPv6, idempotence, drift detection and repair, one-peer changes that
# leave other sessions alone, removal, expiry, and that bad input changes nothing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
lab_start "${1:-build}"

repo=$LAB_DIR/repo
lab_repo home-access "$repo"

# underlay: hub, home router, two laptops on one switch; a NAS on the home LAN
lab_switch
for h in hub homerouter alice bob nas; do lab_host "$h"; done
lab_port hub 198.51.100.1/24
lab_port homerouter 198.51.100.2/24
lab_port alice 198.51.100.10/24
lab_port bob 198.51.100.11/24
lab_link homerouter 192.168.50.1/24 nas 192.168.50.10/24 fd10:50::1/64 fd10:50::10/64 >/dev/null
in_host nas ip route add default via 192.168.50.1
in_host nas ip -6 route add default via fd10:50::1

# keys: hosts make theirs with wgf, the laptops with wg; public keys go into the repo
set_public_key "$repo" hub "$(wgf_host_key hub)"
set_public_key "$repo" homerouter "$(wgf_host_key homerouter)"
for d in alice bob; do
	(umask 077; wg genkey >"$LAB_DIR/$d.key")
	wg pubkey <"$LAB_DIR/$d.key" >"$LAB_DIR/$d.pub"
done
set_public_key "$repo" alice-laptop "$(cat "$LAB_DIR/alice.pub")"
set_public_key "$repo" bob-phone "$(cat "$LAB_DIR/bob.pub")"
HUBPUB=$(WGF_KEY_FILE=$LAB_DIR/hub.key "$WGF" host pubkey)

check "validate accepts the example" "$WGF" validate "$repo"

# first plan: changes, exit 2; apply; plan again: empty, exit 0
wgf_on hub plan "$repo" >"$LAB_DIR/plan1" 2>&1; rc=$?
check "first plan on hub exits 2 (changes)" test $rc -eq 2
check "first plan creates wg0 and peers" grep -q '+ peer "alice-laptop"' "$LAB_DIR/plan1"
check "expired guest-tablet is not planned" bash -c "! grep -q 'peer \"guest-tablet\"' '$LAB_DIR/plan1'"
check "... and the plan says why" grep -qx '  guest-tablet: expired on 2026-01-31 (peers/guest-tablet.yaml:5:1)' "$LAB_DIR/plan1"
check "apply on hub" wgf_on hub apply --yes "$repo"
check "apply on homerouter" wgf_on homerouter apply --yes "$repo"
wgf_on hub plan "$repo" >"$LAB_DIR/plan2" 2>&1; rc=$?
check "plan after apply exits 0" test $rc -eq 0
check "plan after apply says no changes" grep -q "No changes" "$LAB_DIR/plan2"
wgf_on homerouter plan "$repo" >/dev/null 2>&1; rc=$?
check "homerouter converged too" test $rc -eq 0
check "hub forwards IPv4" test "$(in_host hub cat /proc/sys/net/ipv4/ip_forward)" = 1
check "hub has a wgf route to the home LAN" bash -c "ip netns exec $(lab_ns hub) ip route show proto 157 | grep -q '192.168.50.0/24 dev wg0'"

# the laptops: plain wg, like wg-quick
ALLOWED=10.10.0.0/24,fd10:10::/64,192.168.50.0/24,fd10:50::/64
plain_peer alice "$LAB_DIR/alice.key" "10.10.0.10/24 fd10:10::10/64" "$HUBPUB" 198.51.100.1:51820 "$ALLOWED"
plain_peer bob "$LAB_DIR/bob.key" "10.10.0.11/24 fd10:10::11/64" "$HUBPUB" 198.51.100.1:51820 "$ALLOWED"

check "alice pings bob through the hub (IPv4)" pings alice 10.10.0.11
check "alice pings bob through the hub (IPv6)" pings alice fd10:10::11
check "bob pings the hub (IPv4)" pings bob 10.10.0.1
check "alice reaches the NAS behind the home router (IPv4)" pings alice 192.168.50.10
check "alice reaches the NAS behind the home router (IPv6)" pings alice fd10:50::10
check "alice pings the home router's tunnel address" pings alice 10.10.0.2

# a second apply writes nothing: no UAPI set, no netlink change
# (the monitor proves with sentinel links that it listened before and flushed after)
mon_start hub ip "$LAB_DIR/monitor"; mon1=$?
wgf_traced hub "$LAB_DIR/strace" apply --yes "$repo" >"$LAB_DIR/apply2" 2>&1; rc=$?
mon_stop "$LAB_DIR/monitor"; mon2=$?
check "ip monitor ran through the second apply (sentinels before and after seen)" test $mon1 -eq 0 -a $mon2 -eq 0
check "second apply succeeds" test $rc -eq 0
check "second apply reports no changes" grep -q "No changes" "$LAB_DIR/apply2"
check "second apply wrote nothing to WireGuard ($LAB_WG)" test "$(wg_writes "$LAB_DIR/strace")" = "0 0"
# only wgf's interface and routes count: the underlay may still be finishing IPv6
# DAD on its link-local address, and ip monitor under nsenter adds a netns notice
check "second apply caused no event on wg0 or wgf's routes" bash -c "[ $mon1$mon2 = 00 ] && ! grep -E 'wg0|proto (157|wgf)' '$LAB_DIR/monitor' | grep -q ."

# drift by hand on the hub: each is seen by plan (exit 2, exact object) and fixed by apply
drift() {   # drift NAME EXPECTED_PLAN_REGEX EXPECTED_SUMMARY CMD...
	local what=$1 re=$2 sum=$3; shift 3
	in_host hub "$@"
	wgf_on hub plan "$repo" >"$LAB_DIR/drift" 2>&1; local rc=$?
	check "drift ($what): plan exits 2" test $rc -eq 2
	check "drift ($what): plan names it" grep -qE "$re" "$LAB_DIR/drift"
	check "drift ($what): plan is exactly \"$sum\"" grep -qx "Plan: $sum." "$LAB_DIR/drift"
	wgf_on hub apply --yes "$repo" >/dev/null 2>&1
	wgf_on hub plan "$repo" >/dev/null 2>&1
	check "drift ($what): fixed by apply" test $? -eq 0
}
drift "peer removed" '\+ peer "bob-phone"' "1 to add, 0 to change, 0 to destroy" wg set wg0 peer "$(cat "$LAB_DIR/bob.pub")" remove
# bob still holds a session the hub forgot; WireGuard re-handshakes after its
# rekey timeout (about 15 s of unanswered traffic), so allow for that
check "bob reaches alice again after the repair" retry 60 in_host bob ping -c 1 -W 1 10.10.0.10
drift "allowed IP changed" '~ peer "alice-laptop"' "0 to add, 1 to change, 0 to destroy" wg set wg0 peer "$(cat "$LAB_DIR/alice.pub")" allowed-ips 10.10.0.99/32
# removing a link's last IPv4 address makes the kernel drop its IPv4 routes too
drift "address deleted" '\+ address 10.10.0.1/24' "2 to add, 0 to change, 0 to destroy" ip addr del 10.10.0.1/24 dev wg0
drift "route deleted" '\+ route 192.168.50.0/24' "1 to add, 0 to change, 0 to destroy" ip route del 192.168.50.0/24 dev wg0
drift "listen port changed" '~ device wg0' "0 to add, 1 to change, 0 to destroy" wg set wg0 listen-port 40000
check "alice pings bob after all the repairs" pings alice 10.10.0.11

# one-peer change in YAML: bob gets an extra address; alice's session is untouched
pings alice 10.10.0.11 >/dev/null
hs_alice() { in_host hub wg show wg0 dump | awk -v k="$(cat "$LAB_DIR/alice.pub")" '$1 == k { print $5 " " $6 }'; }
before=$(hs_alice)
yaml_edit "$repo/peers/bob-phone.yaml" '    - 10.10.0.11
' '    - 10.10.0.11
    - 10.10.0.13
'
wgf_on hub plan "$repo" >"$LAB_DIR/plan3" 2>&1
# bob's peer, and his source addresses in the nftables table
check "one-peer change: plan changes exactly bob" grep -q '^Plan: 0 to add, 2 to change, 0 to destroy' "$LAB_DIR/plan3"
check "one-peer change: the table changes bob's access only" test "$(grep -cE '^      [-+~!] ' "$LAB_DIR/plan3")" = 2 -a \
	"$(grep -c '^      ~ access peer bob-phone: ' "$LAB_DIR/plan3")" = 1
check "one-peer change: plan shows the new address" grep -q '+10.10.0.13/32' "$LAB_DIR/plan3"
wgf_traced hub "$LAB_DIR/strace3" apply --yes "$repo" >/dev/null 2>&1
check "one-peer change: exactly one peer written, in one write ($LAB_WG)" test "$(wg_writes "$LAB_DIR/strace3")" = "1 1"
after=$(hs_alice)
check "one-peer change: alice's handshake and counters untouched" test "${before%% *}" = "${after%% *}" -a "${after##* }" -ge "${before##* }"
check "alice still reaches bob" pings alice 10.10.0.11

# invalid input changes nothing on the host
# what wgf configures: keys, port, peers with PSK, allowed IPs and keepalive (sorted:
# wireguard-go lists peers in Go map order; endpoints roam on their own), addresses, routes
snap() {
	in_host hub sh -c 'wg show wg0 dump | awk "NR == 1 { print \$2, \$3, \$4; next } { print \$1, \$2, \$4, \$8 }" | sort;
		ip addr show dev wg0; ip route show proto 157'
}
s1=$(snap)
cp "$repo/peers/alice-laptop.yaml" "$LAB_DIR/alice.bak"
printf 'extra: 1\nextra: 2\n' >>"$repo/peers/alice-laptop.yaml"
wgf_on hub apply --yes "$repo" >"$LAB_DIR/bad" 2>&1; rc=$?
check "invalid YAML: apply exits 1" test $rc -eq 1
check "invalid YAML: error has file:line:col" grep -qE 'peers/alice-laptop.yaml:[0-9]+:[0-9]+: error' "$LAB_DIR/bad"
s2=$(snap)
check "invalid YAML: host unchanged" test "$s1" = "$s2"
[ "$s1" = "$s2" ] || diff <(echo "$s1") <(echo "$s2") | sed 's/^/    /'

cp "$LAB_DIR/alice.bak" "$repo/peers/alice-laptop.yaml"

# a peer that expires: the plan removes it and says why (the file is put back after)
cp "$repo/peers/bob-phone.yaml" "$LAB_DIR/bob.bak"
printf '  expires: "2026-01-01"\n' >>"$repo/peers/bob-phone.yaml"
wgf_on hub plan "$repo" >"$LAB_DIR/plan-exp" 2>&1
check "expired peer: the removal says why" grep -qE '^  - peer "bob-phone" \([^)]*\): expired on 2026-01-01$' "$LAB_DIR/plan-exp"
check "expired peer: listed as skipped" grep -qx '  bob-phone: expired on 2026-01-01 (peers/bob-phone.yaml:3:1)' "$LAB_DIR/plan-exp"
cp "$LAB_DIR/bob.bak" "$repo/peers/bob-phone.yaml"

# removing a peer from the YAML removes it from the hub, and only it
rm "$repo/peers/bob-phone.yaml"
wgf_on hub plan "$repo" >"$LAB_DIR/plan4" 2>&1
check "removed peer: plan destroys one peer" grep -q '^Plan: 0 to add, 1 to change, 1 to destroy' "$LAB_DIR/plan4"
check "removed peer: and its access in the nftables table" grep -q '^      - access peer bob-phone: ' "$LAB_DIR/plan4"
wgf_on hub apply --yes "$repo" >/dev/null 2>&1
peers=$(in_host hub wg show wg0 peers)
check "removed peer: the hub still answers" test -n "$peers"
check "removed peer: gone from the hub" bash -c "! grep -qF '$(cat "$LAB_DIR/bob.pub")' <<<'$peers'"
check "alice still reaches the NAS" pings alice 192.168.50.10

# status shows the interface and named peers
wgf_on hub status "$repo" >"$LAB_DIR/status" 2>&1
check "status names peers" grep -q 'peer alice-laptop' "$LAB_DIR/status"
want=$([ "$LAB_WG" = kernel ] && echo kernel || echo userspace)
check "status says wg0 runs on the $want backend" grep -qE "^interface wg0.*$want" "$LAB_DIR/status"
wgf_on hub status --json "$repo" | python3 -c 'import json,sys; d=json.load(sys.stdin); i=d["interfaces"][0]; assert i["interface"]=="wg0" and i["backend"]==sys.argv[1], i' "$want"
check "status --json parses and names the backend" test $? -eq 0
lab_done
