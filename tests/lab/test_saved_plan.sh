#!/usr/bin/env bash
# Saved plans on real hosts (wireguard-go in namespaces): `wgf plan --out FILE`
# then `wgf apply FILE` converges the mesh and traffic flows; the same file
# again is refused (single use); a plan saved before drift made by hand is
# refused as stale and nothing changes; handshakes, counters and a roamed
# endpoint do not make it stale; a file of another wgf version and a cut file
# are refused with nothing changed; no private key or PSK is ever in a file;
# the fleet's forms (`plan --json --out -`, `apply - --yes --json`, a file of
# every host from their snapshots, offline) work.
set -u
LAB_RUN=${LAB_RUN:-sp$$}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
lab_start "${1:-build}"
lab_need python3 git setpriv wg nft || { lab_done; exit 1; }

repo=$LAB_DIR/repo
lab_repo small-mesh "$repo"
yaml_edit "$repo/network.yaml" "interface: wgmesh" "interface: wgsp0"
lab_switch
for i in 1 2 3; do
	lab_host node$i
	lab_port node$i 198.51.100.4$i/24
	set_public_key "$repo" node$i "$(wgf_host_key node$i)"
done
commit() { git -C "$repo" add -A && git -C "$repo" -c user.name=t -c user.email=t@example.org commit -qm "$1"; }
git -C "$repo" init -q -b main && commit base
head=$(git -C "$repo" rev-parse HEAD)
key_of() { WGF_KEY_FILE="$LAB_DIR/$1.key" "$WGF" host pubkey; }

# both F A1 A2 B1 B2: F A1 A2 and F B1 B2 succeed
both() { "$1" "$2" "$3" && "$1" "$4" "$5"; }
# keepalive_is N HOST...: every peer of each HOST has keepalive N
keepalive_is() {
	local n=$1 h; shift
	for h in "$@"; do
		in_host "$h" wg show wgsp0 persistent-keepalive | awk -v n="$n" '$2 != n { bad = 1 } END { exit bad }' || return 1
	done
}
# moved: node1 has handshakes with node2 and bytes both ways
moved() {
	in_host node1 wg show wgsp0 latest-handshakes | grep -qF "$(key_of node2)" &&
		in_host node1 wg show wgsp0 transfer | awk -v k="$(key_of node2)" '$1 == k && $2 > 0 && $3 > 0 { f = 1 } END { exit !f }'
}
# plan_out HOST NAME [ARGS]: HOST's saved plan in $LAB_DIR/NAME.json; the exit status
plan_out() { local h=$1 n=$2; shift 2; wgf_on "$h" plan --repo "$repo" --out "$LAB_DIR/$n.json" "$@" >"$LAB_DIR/$n.plan" 2>&1; }
# apply_saved HOST NAME: applies $LAB_DIR/NAME.json on HOST; output in $LAB_DIR/NAME.HOST.out
apply_saved() { wgf_on "$1" apply --yes "$LAB_DIR/$2.json" >"$LAB_DIR/$2.$1.out" 2>&1; }
# state HOST: what HOST has that wgf manages (no counters, no handshakes)
state() {
	# keys, PSKs, allowed IPs, keepalives (not endpoints, which roam, nor handshakes or counters)
	in_host "$1" wg show wgsp0 dump 2>&1 | awk 'NR == 1 { print $2, $3, $4; next } { print $1, $2, $4, $8 }' | sort
	in_host "$1" ip -br addr show dev wgsp0 2>&1
	in_host "$1" ip route show proto 157 2>&1
	in_host "$1" nft -s list table inet wgf 2>&1
}

# --- a saved plan for each host, then apply each: the mesh converges
for i in 1 2 3; do
	plan_out node$i p0-node$i; rc=$?
	check "node$i: plan --out exits 2 (changes pending)" test $rc -eq 2
done
check "the file is 0600" test "$(stat -c %a "$LAB_DIR/p0-node1.json")" = 600
check "a wgf-saved-plan of this wgf, commit and tree, the host's key and a fingerprint" python3 - \
	"$LAB_DIR/p0-node1.json" "$head" "$(key_of node1)" "$("$WGF" version | cut -d' ' -f2)" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
assert d["kind"] == "wgf-saved-plan" and d["format_version"] == 1, d
assert d["wgf_version"] == sys.argv[4], d["wgf_version"]
s = d["source"]
assert s["commit"] == sys.argv[2] and re.fullmatch("[0-9a-f]{40}", s["tree"]) and s["pinned"] is True, s
assert d["signer"] is None
[h] = d["hosts"]
assert h["host"] == "node1" and h["public_key"] == sys.argv[3], h
assert re.fullmatch("[0-9a-f]{64}", h["fingerprint"]) and re.fullmatch("[0-9a-f]{32}", h["id"]), h
assert h["plan"]["host"] == "node1" and h["plan"]["changes"], h["plan"]
PY
check "the plan --out printed is the plan in the file" grep -q '^Plan: [1-9][0-9]* to add' "$LAB_DIR/p0-node1.plan"
for i in 1 2 3; do
	apply_saved node$i p0-node$i; rc=$?
	check "node$i: apply FILE exits 0" test $rc -eq 0
	[ $rc -eq 0 ] || sed 's/^/#   /' "$LAB_DIR/p0-node$i.node$i.out"
done
check "traffic: node1 pings node2 and node3 through the tunnel" both pings node1 10.30.0.2 node1 10.30.0.3
check "traffic: node3 pings node2 over IPv6" pings node3 fd30::2
for i in 1 2 3; do
	wgf_on node$i plan --repo "$repo" >/dev/null 2>&1; rc=$?
	check "node$i: converged after the saved plan (plan exits 0)" test $rc -eq 0
done
id0=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hosts"][0]["id"])' "$LAB_DIR/p0-node1.json")
journal_of() { in_host "$1" env WGF_STATE_DIR="$LAB_DIR/state-$1" NO_COLOR=1 "$WGF" journal "${@:2}"; }
journal_of node1 >"$LAB_DIR/journal1" 2>&1
check "the journal names the saved plan and the commit" grep -qE "applied +commit ${head:0:12} \(saved plan $id0\)" "$LAB_DIR/journal1"

# --- single use
before=$(state node1)
apply_saved node1 p0-node1; rc=$?
check "the same file again: exit 3 (refused)" test $rc -eq 3
check "... says which host and why" grep -qF "host \"node1\": refused: saved plan $id0 was applied on this host before" "$LAB_DIR/p0-node1.node1.out"
check "... nothing changed" test "$(state node1)" = "$before"

# --- stale: drift by hand after the plan was saved
yaml_edit "$repo/network.yaml" "listenPort: 51830" "listenPort: 51830
  persistentKeepalive: 17" 2>/dev/null || true
git -C "$repo" diff --quiet || commit keepalive
plan_out node1 p1; rc=$?
check "a change to plan (exit 2)" test $rc -eq 2
n3=$(key_of node3)
in_host node1 wg set wgsp0 peer "$n3" remove
before=$(state node1)
apply_saved node1 p1; rc=$?
check "drift by hand (a peer removed) after the plan: exit 3, stale" bash -c "test $rc -eq 3 && grep -q 'host \"node1\": refused: the plan is stale' '$LAB_DIR/p1.node1.out'"
check "... nothing changed (the peer is still gone, nothing else moved)" test "$(state node1)" = "$before"
journal_of node1 >"$LAB_DIR/journal2" 2>&1
check "... the refusal is journaled" bash -c "tail -n1 '$LAB_DIR/journal2' | grep -q 'refused .*stale'"
plan_out node1 p2; rc=$?
check "a new plan repairs it" test $rc -eq 2
apply_saved node1 p2; rc=$?
check "... and applies (exit 0)" test $rc -eq 0
check "... node3 is back" pings node1 10.30.0.3
for i in 2 3; do plan_out node$i p2-node$i; apply_saved node$i p2-node$i; done

# --- no secrets: a PSK set by hand on node1 (the plan removes it)
psk=$(wg genpsk)
in_host node1 wg set wgsp0 peer "$(key_of node2)" preshared-key <(echo "$psk")
plan_out node1 p3; rc=$?
check "a PSK set by hand: the plan removes it (exit 2)" bash -c "test $rc -eq 2 && grep -q preshared_key '$LAB_DIR/p3.plan'"
psk_hex=$(echo "$psk" | base64 -d | od -An -tx1 | tr -d ' \n')
key_hex=$(base64 -d <"$LAB_DIR/node1.key" | od -An -tx1 | tr -d ' \n')
check "no private key and no PSK in the saved plan (base64 or hex)" bash -c "! grep -qF '$psk' '$LAB_DIR/p3.json' && ! grep -qF \"\$(cat '$LAB_DIR/node1.key')\" '$LAB_DIR/p3.json' && ! grep -qiF '$psk_hex' '$LAB_DIR/p3.json' && ! grep -qiF '$key_hex' '$LAB_DIR/p3.json'"
# a chain added to wgf's table by hand is drift too; once it is gone again, the plan is good again
in_host node1 nft add chain inet wgf byhand
apply_saved node1 p3; rc=$?
check "a chain added by hand to inet wgf after the plan: exit 3, stale" bash -c "test $rc -eq 3 && grep -q 'the plan is stale' '$LAB_DIR/p3.node1.out'"
has_chain() { in_host node1 nft list chain inet wgf byhand >/dev/null 2>&1; }
check "... the chain is still there (nothing changed)" has_chain
in_host node1 nft delete chain inet wgf byhand
apply_saved node1 p3; rc=$?
check "... applied: the PSK is gone" bash -c "test $rc -eq 0 && test \"\$(echo '$(in_host node1 wg show wgsp0 preshared-keys)' | grep -c '(none)')\" -eq 2"

# --- handshakes, counters and a roamed endpoint are not drift
yaml_edit "$repo/network.yaml" "persistentKeepalive: 17" "persistentKeepalive: 19" && commit keepalive2
plan_out node1 p4; rc=$?
check "a plan saved before traffic and a roam (exit 2)" test $rc -eq 2
# node2 moves to another address (deleting the first address of a subnet takes its secondaries)
in_host node2 ip addr del 198.51.100.42/24 dev eth0
in_host node2 ip addr add 198.51.100.52/24 dev eth0
roamed() { in_host node1 wg show wgsp0 endpoints | grep -qF "198.51.100.52:51830"; }
pings node2 10.30.0.1
check "node2 roamed: node1 sees it at 198.51.100.52" retry 10 roamed
check "... and handshakes and counters moved" moved
apply_saved node1 p4; rc=$?
check "the plan saved before still applies (exit 0): not stale" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/#   /' "$LAB_DIR/p4.node1.out"
check "... the roamed endpoint was left alone" roamed
check "... the keepalive is the new one" keepalive_is 19 node1
in_host node2 ip addr del 198.51.100.52/24 dev eth0
in_host node2 ip addr add 198.51.100.42/24 dev eth0

# --- another wgf version, a cut file: refused, nothing changed
yaml_edit "$repo/network.yaml" "persistentKeepalive: 19" "persistentKeepalive: 21" && commit keepalive3
plan_out node1 p5
python3 - "$LAB_DIR/p5.json" "$LAB_DIR/p5v.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["wgf_version"] = "0.0.1"
json.dump(d, open(sys.argv[2], "w"))
PY
before=$(state node1)
apply_saved node1 p5v; rc=$?
check "a file edited to another wgf version: exit 3" test $rc -eq 3
check "... says which host and why" grep -qF 'host "node1": refused: the plan was made by wgf 0.0.1, this is wgf' "$LAB_DIR/p5v.node1.out"
check "... nothing changed" test "$(state node1)" = "$before"
head -c 1000 "$LAB_DIR/p5.json" >"$LAB_DIR/p5c.json"
apply_saved node1 p5c; rc=$?
check "a cut file: exit 1, with where it ends" bash -c "test $rc -eq 1 && grep -qE 'p5c.json:1:1001: not a saved plan: the JSON ends early' '$LAB_DIR/p5c.node1.out'"
check "... nothing changed" test "$(state node1)" = "$before"
python3 - "$LAB_DIR/p5.json" "$LAB_DIR/p5b.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["hosts"][0]["desired"]["interfaces"][0]["peers"][0]["allowed_ips"][0] = "10.30.0.300/32"
json.dump(d, open(sys.argv[2], "w"))
PY
apply_saved node1 p5b; rc=$?
check "a bad value: exit 1, at its JSON path" bash -c "test $rc -eq 1 && grep -qF 'p5b.json: hosts[0].desired.interfaces[0].peers[0].allowed_ips: [0] is not an IP prefix' '$LAB_DIR/p5b.node1.out'"
check "... nothing changed" test "$(state node1)" = "$before"
python3 - "$LAB_DIR/p5.json" "$LAB_DIR/p5k.json" "$(key_of node2)" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["hosts"][0]["public_key"] = sys.argv[3]
json.dump(d, open(sys.argv[2], "w"))
PY
apply_saved node1 p5k; rc=$?
check "a plan for another key: exit 3, refused" bash -c "test $rc -eq 3 && grep -qF 'host \"node1\": refused: the plan is for the key' '$LAB_DIR/p5k.node1.out'"
check "... nothing changed" test "$(state node1)" = "$before"

# --- the fleet's forms: plan --json --out - on each host, apply - --yes --json with a file of every host
for i in 1 2 3; do
	wgf_on node$i plan --repo "$repo" --json --out - >"$LAB_DIR/f-node$i.json" 2>"$LAB_DIR/f-node$i.err"; rc=$?
	check "node$i: plan --json --out - exits 2, stdout is its saved plan alone" python3 - "$LAB_DIR/f-node$i.json" node$i $rc <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert int(sys.argv[3]) == 2, sys.argv[3]
assert d["kind"] == "wgf-saved-plan" and [h["host"] for h in d["hosts"]] == [sys.argv[2]], d["hosts"]
PY
done
python3 - "$LAB_DIR"/f-node{1,2,3}.json "$LAB_DIR/fleet.json" <<'PY'
import json, sys
docs = [json.load(open(f)) for f in sys.argv[1:4]]
m = docs[0]
m["hosts"] = sorted((h for d in docs for h in d["hosts"]), key=lambda h: h["host"])
json.dump(m, open(sys.argv[4], "w"))
PY
for i in 2 3 1; do
	# no --host: the host finds its own entry by its key
	in_host node$i env WGF_KEY_FILE="$LAB_DIR/node$i.key" WGF_STATE_DIR="$LAB_DIR/state-node$i" "$WGF" \
		apply - --yes --json <"$LAB_DIR/fleet.json" >"$LAB_DIR/fa-node$i.json" 2>"$LAB_DIR/fa-node$i.err"; rc=$?
	check "node$i: apply - --yes --json with every host's plan on stdin: applied its own" python3 - \
		"$LAB_DIR/fa-node$i.json" "$LAB_DIR/f-node$i.json" $rc <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
mine = json.load(open(sys.argv[2]))["hosts"][0]
assert int(sys.argv[3]) == 0, (sys.argv[3], r)
assert r["result"] == "applied" and r["saved_plan"] == mine["id"] and r["plan"]["host"] == mine["host"], r
PY
done
check "keepalive 21 everywhere" keepalive_is 21 node1 node2 node3
in_host node2 env WGF_KEY_FILE="$LAB_DIR/node2.key" WGF_STATE_DIR="$LAB_DIR/state-node2" "$WGF" \
	apply - --yes --json <"$LAB_DIR/fleet.json" >"$LAB_DIR/fa2.json" 2>/dev/null; rc=$?
check "the fleet file again on node2: exit 3, a refusal in JSON" python3 - "$LAB_DIR/fa2.json" $rc <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert int(sys.argv[2]) == 3 and r["result"] == "refused" and r["host"] == "node2" and "before" in r["reason"], r
PY

# --- offline: every host's snapshot, one saved plan for the fleet from CI (unprivileged), applied on each
yaml_edit "$repo/network.yaml" "persistentKeepalive: 21" "persistentKeepalive: 23" && commit keepalive4
mkdir -p "$LAB_DIR/snaps"
for i in 1 2 3; do wgf_on node$i observe --json --repo "$repo" >"$LAB_DIR/snaps/node$i.json"; done
chmod 755 "$LAB_DIR" && chmod -R a+rX "$LAB_DIR/snaps" "$repo" && mkdir -m 777 "$LAB_DIR/ci" &&
	printf '[safe]\n\tdirectory = %s\n' "$repo" >"$LAB_DIR/ci/.gitconfig"
setpriv --reuid=65534 --regid=65534 --clear-groups env -u WGF_KEY_FILE HOME="$LAB_DIR/ci" WGF_STATE_DIR=/nonexistent \
	"$WGF" plan --all --repo "$repo" --observed "$LAB_DIR/snaps" --out "$LAB_DIR/ci/all.json" >"$LAB_DIR/ci/out" 2>&1; rc=$?
check "plan --all --observed DIR --out, unprivileged: exit 2, every host in one file" bash -c "test $rc -eq 2 && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [h[\"host\"] for h in d[\"hosts\"]] == [\"node1\",\"node2\",\"node3\"]' '$LAB_DIR/ci/all.json'"
cp "$LAB_DIR/ci/all.json" "$LAB_DIR/all.json"
for i in 1 2 3; do
	apply_saved node$i all; rc=$?
	check "node$i: the fleet's offline plan applies on it (fingerprint from the snapshot = the host's)" test $rc -eq 0
	[ $rc -eq 0 ] || sed 's/^/#   /' "$LAB_DIR/all.node$i.out"
done
check "traffic still flows" both pings node2 10.30.0.3 node3 10.30.0.1
journal_of node1 verify >/dev/null 2>&1; rc=$?
check "node1's journal chain is intact" test $rc -eq 0

# --- routes (home-access: the hub routes the home LAN through the router behind NAT):
# a route deleted by hand makes a saved plan stale; a plan made offline from
# both hosts' snapshots (routes, IPv6 metrics and all) applies and repairs it
repo2=$LAB_DIR/repo2
lab_repo home-access "$repo2"
yaml_edit "$repo2/network.yaml" "interface: wg0" "interface: wgsp1"
for h in hub homerouter; do lab_host $h; done
lab_port hub 198.51.100.1/24
lab_port homerouter 198.51.100.2/24
for h in hub homerouter; do set_public_key "$repo2" $h "$(wgf_host_key $h)"; done
git -C "$repo2" init -q -b main && git -C "$repo2" add -A && git -C "$repo2" -c user.name=t -c user.email=t@example.org commit -qm base
plan2() { wgf_on "$1" plan --repo "$repo2" --out "$LAB_DIR/$2.json" >"$LAB_DIR/$2.plan" 2>&1; }
for h in hub homerouter; do
	plan2 $h q0-$h; apply_saved $h q0-$h; rc=$?
	check "$h: its saved plan applies (exit 0)" test $rc -eq 0
done
lan_route() { in_host hub ip route show proto 157 | grep -q '^192.168.50.0/24 dev wgsp1'; }
check "the hub routes the home LAN through the tunnel" lan_route
check "traffic: the router reaches the hub" pings homerouter 10.10.0.1
yaml_edit "$repo2/peers/alice-laptop.yaml" "persistentKeepalive: 25" "persistentKeepalive: 17" &&
	git -C "$repo2" -c user.name=t -c user.email=t@example.org commit -qam keepalive
plan2 hub q1; rc=$?
check "hub: a change to plan (exit 2)" test $rc -eq 2
in_host hub ip route del 192.168.50.0/24 dev wgsp1 proto 157
# wireguard-go lists peers in no fixed order
hub_state() { in_host hub ip route show proto 157; in_host hub wg show wgsp1 persistent-keepalive | sort; }
before=$(hub_state)
apply_saved hub q1; rc=$?
check "a route deleted by hand after the plan: exit 3, stale" bash -c "test $rc -eq 3 && grep -q 'host \"hub\": refused: the plan is stale' '$LAB_DIR/q1.hub.out'"
check "... nothing changed (the route is still gone, the keepalive not applied)" test "$(hub_state)" = "$before"
mkdir -p "$LAB_DIR/snaps2"
for h in hub homerouter; do wgf_on $h observe --json --repo "$repo2" >"$LAB_DIR/snaps2/$h.json"; done
"$WGF" plan --all --repo "$repo2" --observed "$LAB_DIR/snaps2" --out "$LAB_DIR/q2.json" >"$LAB_DIR/q2.plan" 2>&1; rc=$?
check "plan --all from both snapshots: exit 2, the route to add back in the hub's plan" bash -c "test $rc -eq 2 && grep -qE '^  \+ route 192.168.50.0/24' '$LAB_DIR/q2.plan'"
for h in hub homerouter; do
	apply_saved $h q2; rc=$?
	check "$h: the offline plan applies (its fingerprint from the snapshot is the host's)" test $rc -eq 0
	[ $rc -eq 0 ] || sed 's/^/#   /' "$LAB_DIR/q2.$h.out"
done
check "... the route is back" lan_route
check "traffic: the router reaches the hub again" pings homerouter 10.10.0.1

lab_done
