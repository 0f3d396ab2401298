#!/usr/bin/env bash
# A failing apply: a route that someone else owns (proto static) blocks the route
# wgf wants. apply must stop, name the object and the kernel's reason, undo what
# it did (the interface it created is deleted again), leave foreign state alone,
# journal the failure, and converge once the conflict is gone.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
lab_start "${1:-build}"

repo=$LAB_DIR/repo
lab_repo home-access "$repo"
lab_switch
lab_host hub
lab_port hub 198.51.100.1/24
set_public_key "$repo" hub "$(wgf_host_key hub)"

# someone else's route to the home LAN, via the underlay
in_host hub ip route add 192.168.50.0/24 via 198.51.100.254 dev eth0 proto static
before_links=$(in_host hub ip -o link show | awk -F': ' '{print $2}' | sort)

wgf_on hub apply --yes "$repo" >"$LAB_DIR/out" 2>&1; rc=$?
check "conflicting route: apply exits 1" test $rc -eq 1
check "the error names the route and the reason" grep -qE 'route 192.168.50.0/24 via wg0: a route to it that wgf did not create is in the way: File exists' "$LAB_DIR/out"
check "the error says the partial apply was undone" grep -q 'undone' "$LAB_DIR/out"
check "the interface wgf created was removed again" bash -c "! ip netns exec $(lab_ns hub) ip link show wg0 >/dev/null 2>&1"
check "no wgf route is left" test -z "$(in_host hub ip route show proto 157 table all)"
check "the foreign route is untouched" bash -c "ip netns exec $(lab_ns hub) ip route show 192.168.50.0/24 | grep -q 'via 198.51.100.254 dev eth0 proto static'"
check "links are as before" test "$before_links" = "$(in_host hub ip -o link show | awk -F': ' '{print $2}' | sort)"
[ "$LAB_WG" = userspace ] && check "no wireguard-go socket left for wg0" test -z "$(in_host hub ls /run/wireguard)"
check "the journal records the rollback" grep -q '"result":"rolled-back"' "$LAB_DIR/state-hub/journal"
check "wg0 is not recorded as owned" bash -c "! grep -qx wg0 '$LAB_DIR/state-hub/owned-interfaces' 2>/dev/null"

# conflict gone: apply converges
in_host hub ip route del 192.168.50.0/24 via 198.51.100.254 dev eth0 proto static
check "apply succeeds once the conflict is gone" wgf_on hub apply --yes "$repo"
wgf_on hub plan "$repo" >/dev/null 2>&1
check "and the host has converged" test $? -eq 0
# the journal: the rollback, then the apply, each holding the hash of the one before
check "wgf journal shows the rollback, then the apply" bash -c \
	"test \"\$('$WGF' journal --state-dir '$LAB_DIR/state-hub' | awk '{print \$2}' | tr '\\n' ' ')\" = 'rolled-back applied '"
check "wgf journal verify: the chain is intact" bash -c \
	"'$WGF' journal verify --state-dir '$LAB_DIR/state-hub' | grep -qx 'journal: 2 entries, chain intact'"

# a second wgf waits for nobody: the lock refuses a concurrent apply
exec 9>"$LAB_DIR/state-hub/lock"
flock -n 9
wgf_on hub apply --yes "$repo" >"$LAB_DIR/locked" 2>&1; rc=$?
check "a concurrent apply is refused" test $rc -eq 1
check "and says why" grep -q 'another wgf is applying' "$LAB_DIR/locked"
exec 9>&-

# an interface of that name that is not WireGuard is never taken over
in_host hub ip link del wg0
sleep 0.3
in_host hub ip link add wg0 type veth peer name wg0peer
wgf_on hub plan "$repo" >"$LAB_DIR/foreign" 2>&1; rc=$?
check "a foreign link named wg0: plan exits 1" test $rc -eq 1
check "and says it will not take it over" grep -q 'not a WireGuard device' "$LAB_DIR/foreign"
check "the foreign link is untouched" in_host hub ip link show wg0peer
lab_done
