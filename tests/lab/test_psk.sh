#!/usr/bin/env bash
# Preshared keys on a hub (issue 14), on real tunnels: a hub run by wgf (with a
# sealing key from `wgf host init`) and two devices configured with plain wg.
# The repository declares a PSK for alice, sealed to the hub and an Operator by
# `wgf secret psk` (whose value the devices get from `wgf peer config`). Proves: the hub gets the key; the device
# with it handshakes and pings, with a wrong one it does not; a rotation plans
# "preshared_key: (sensitive) changed" for that peer only (offline from a
# snapshot too) and leaves bob's session alone; a reseal plans nothing; a saved
# plan made offline applies the real key; without the sealing key apply refuses
# and changes nothing; a swapped sealed value is an error at its file:line:col;
# a PSK set by hand that matches the declared one plans nothing; removing the
# PSK from the repository removes it; no PSK is ever written anywhere by wgf.
set -u
LAB_RUN=${LAB_RUN:-pk-$$}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
lab_start "${1:-build}"
lab_need wg python3 || { lab_done; exit 1; }
IF=pkw0

lab_switch
for h in hub alice bob; do lab_host "$h"; done
lab_port hub 198.51.100.1/24
lab_port alice 198.51.100.10/24
lab_port bob 198.51.100.11/24

HUBPUB=$(wgf_host_key hub 2>"$LAB_DIR/init.err")
SEALPUB=$(WGF_KEY_FILE="$LAB_DIR/hub.key" "$WGF" host pubkey --sealing 2>/dev/null)
check "wgf host init made a WireGuard key and a sealing key" test -n "$HUBPUB" -a -n "$SEALPUB" -a -f "$LAB_DIR/sealing.key"
for d in alice bob; do
	(umask 077; wg genkey >"$LAB_DIR/$d.key")
	wg pubkey <"$LAB_DIR/$d.key" >"$LAB_DIR/$d.pub"
done
ALICE=$(cat "$LAB_DIR/alice.pub") BOB=$(cat "$LAB_DIR/bob.pub")

WRONG=$(wg genpsk)

repo=$LAB_DIR/repo
mkdir -p "$repo/peers"
cat >"$repo/network.yaml" <<EOF
apiVersion: wgf/v1
kind: Network
metadata: {name: pk}
spec:
  interface: $IF
  listenPort: 51820
  addressPools: {ipv4: 10.61.0.0/24}
---
apiVersion: wgf/v1
kind: Host
metadata: {name: hub}
spec:
  role: hub
  publicKey: $HUBPUB
  sealingKey: $SEALPUB
  endpoint: 198.51.100.1:51820
  addresses: [10.61.0.1/24]
EOF
WGF_IDENTITY=$LAB_DIR/op.id "$WGF" operator init ops >"$repo/operators.yaml" 2>/dev/null
# peer NAME PUB ADDR: writes peers/NAME.yaml, without a PSK
peer() {
	printf 'apiVersion: wgf/v1\nkind: Peer\nmetadata: {name: %s}\nspec:\n  publicKey: %s\n  addresses: [%s]\n  hubs: [hub]\n' \
		"$1" "$2" "$3" >"$repo/peers/$1.yaml"
}
# newpsk NAME [DIR]: `wgf secret psk` seals a new PSK for NAME (in DIR, default the
# repository); prints the key as the operator's `wgf peer config` gives it
newpsk() {
	local dir=${2:-$repo}
	"$WGF" secret psk "$1" "$dir" >/dev/null 2>&1 &&
		"$WGF" peer config "$1" "$dir" --identity "$LAB_DIR/op.id" | awk '$1 == "PresharedKey" { print $3 }'
}
newpsk_open() { "$WGF" peer config "$1" "$repo" --identity "$LAB_DIR/op.id" | awk '$1 == "PresharedKey" { print $3 }'; }
sealed_of() { awk '/host\/hub:/ { print $2 }' "${2:-$repo}/peers/$1.yaml"; }
id_of() { awk '$1 == "id:" { print $2 }' "$repo/peers/$1.yaml"; }
peer alice "$ALICE" 10.61.0.10
peer bob "$BOB" 10.61.0.11
P1=$(newpsk alice)
check "wgf secret psk sealed a PSK for alice, and peer config opens it" test ${#P1} -eq 44 -a -n "$(sealed_of alice)"
# bob's PSK, declared later: made in a scratch copy of the repository
cp -r "$repo" "$LAB_DIR/scratch"
PB=$(newpsk bob "$LAB_DIR/scratch")

# hub_psk PUB: the PSK the hub's device has for that peer ("(none)")
hub_psk() { in_host hub wg show $IF preshared-keys | awk -v k="$1" '$1 == k { print $2 }'; }
hub_hs() { in_host hub wg show $IF latest-handshakes | awk -v k="$1" '$1 == k { print $2 }'; }
# device HOST PSK|-: a plain wg device toward the hub (re-added: a fresh handshake)
device() {
	local h=$1 psk=$2
	if ! in_host "$h" ip link show $IF >/dev/null 2>&1; then
		lab_wg_up "$h" $IF || return 1
		in_host "$h" wg set $IF private-key "$LAB_DIR/$h.key" || return 1
		in_host "$h" ip addr add "$(cat "$LAB_DIR/$h.addr")/24" dev $IF
		in_host "$h" ip link set $IF up
	fi
	local file=/dev/null
	in_host "$h" wg set $IF peer "$HUBPUB" remove
	if [ "$psk" != - ]; then
		file=$LAB_DIR/$h.psk
		(umask 077; printf '%s\n' "$psk" >"$file")
	fi
	in_host "$h" wg set $IF peer "$HUBPUB" endpoint 198.51.100.1:51820 allowed-ips 10.61.0.0/24 \
		persistent-keepalive 25 preshared-key "$file"
}
# handshakes HOST: HOST pings the hub, after a new handshake (wireguard-go retries every 5 s)
handshakes() { retry 30 in_host "$1" ping -c 1 -W 1 10.61.0.1 >/dev/null 2>&1; }
echo 10.61.0.10 >"$LAB_DIR/alice.addr"
echo 10.61.0.11 >"$LAB_DIR/bob.addr"
# plan_off NAME: the plan CI makes from the hub's snapshot $LAB_DIR/NAME.json (no key
# of any kind: a PSK is withheld and known by its id); output in $LAB_DIR/NAME.plan
plan_off() { env -u WGF_KEY_FILE NO_COLOR=1 "$WGF" plan --observed "$LAB_DIR/$1.json" "${@:2}" "$repo" >"$LAB_DIR/$1.plan" 2>&1; }
snapshot() { wgf_on hub observe --json "$repo" >"$LAB_DIR/$1.json" 2>"$LAB_DIR/$1.err"; }
# block FILE TITLE: the lines of one change of a text plan, its title first
block() { awk -v t="$2" 'index($0, t) == 1 { on = 1; print; next } on && /^  [-+~] / { on = 0 } on' "$1"; }
only_alice_psk() {   # only_alice_psk FILE: the plan changes alice's PSK and nothing else
	grep -qx '  ~ peer "alice" (.*)' "$1" && grep -qx '      ~ preshared_key: (sensitive) changed' "$1" &&
		grep -qx 'Plan: 0 to add, 1 to change, 0 to destroy.' "$1" && ! grep -q '"bob"' "$1"
}

check "validate accepts the repository with a sealed PSK" "$WGF" validate "$repo"
wgf_on hub plan "$repo" >"$LAB_DIR/plan1" 2>&1; rc=$?
check "first plan exits 2 and adds alice with a PSK" test $rc -eq 2 -a "$(block "$LAB_DIR/plan1" '  + peer "alice"' | grep -c '^      preshared_key: (sensitive)$')" = 1
check "... and bob without one" test "$(block "$LAB_DIR/plan1" '  + peer "bob"' | grep -c 'allowed_ips\|preshared_key')" = 1
check "apply on the hub" wgf_on hub apply --yes "$repo"
check "the hub's device has alice's PSK (wg show preshared-keys)" test "$(hub_psk "$ALICE")" = "$P1"
check "the hub's device has no PSK for bob" test "$(hub_psk "$BOB")" = "(none)"

# a device with a wrong PSK does not handshake; with the right one it does
device alice "$WRONG"
device bob -
check "bob (no PSK on either side) pings the hub" pings bob 10.61.0.1
no_answer() { ! retry 8 in_host "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1; }
check "alice with a wrong PSK gets no answer" no_answer alice 10.61.0.1
check "... and the hub never completed a handshake with her" test "$(hub_hs "$ALICE")" = 0
device alice "$P1"
check "alice with the declared PSK handshakes and pings the hub" handshakes alice
check "alice reaches bob through the hub" pings alice 10.61.0.11
wgf_on hub plan "$repo" >"$LAB_DIR/plan2" 2>&1; rc=$?
check "converged: plan exits 0" test $rc -eq 0

# CI's view: a snapshot carries the id, never the key, and plans nothing
snapshot snap1
check "the snapshot says the PSK exists, with its id" python3 -c "
import json, sys
s = json.load(open('$LAB_DIR/snap1.json'))
p = {x['public_key']: x for d in s['interfaces'] for x in d['peers']}
a, b = p['$ALICE'], p['$BOB']
sys.exit(not (a['preshared_key'] == '(sensitive)' and a['preshared_key_id'] == '$(id_of alice)'
              and b['preshared_key'] is None and b['preshared_key_id'] is None))"
plan_off snap1; rc=$?
check "offline plan from the snapshot: no changes (PSKs compared by id)" test $rc -eq 0

# rotation: a new PSK for alice; bob's session is untouched
P2=$(newpsk alice)
check "a new PSK" test ${#P2} -eq 44 -a "$P2" != "$P1"
plan_off snap1; rc=$?
check "rotation, offline: plan exits 2" test $rc -eq 2
check "rotation, offline: \"preshared_key: (sensitive) changed\" for alice only" only_alice_psk "$LAB_DIR/snap1.plan"
wgf_on hub plan "$repo" >"$LAB_DIR/plan3" 2>&1; rc=$?
check "rotation, on the hub: the same" bash -c "test $rc -eq 2" && check "rotation, on the hub: alice's PSK only" only_alice_psk "$LAB_DIR/plan3"
bob_hs=$(hub_hs "$BOB")
check "apply the rotation" wgf_on hub apply --yes "$repo"
check "the hub has the new PSK" test "$(hub_psk "$ALICE")" = "$P2"
check "bob's session is untouched (latest handshake $bob_hs unchanged)" test "$(hub_hs "$BOB")" = "$bob_hs" -a "$bob_hs" != 0
check "bob still pings the hub" pings bob 10.61.0.1
alice_hs=$(hub_hs "$ALICE")
sleep 1   # handshake times are in seconds
device alice "$P2"
check "alice with the new PSK handshakes again and pings" handshakes alice
check "... a new handshake with the hub, under the new PSK" test "$(hub_hs "$ALICE")" -gt "$alice_hs"

# a reseal: the same key in a new sealed value plans nothing
old=$(sealed_of alice)
"$WGF" secret reseal alice "$repo" --identity "$LAB_DIR/op.id" >/dev/null 2>&1
check "reseal: a new sealed value of the same key" test "$(sealed_of alice)" != "$old" -a "$(newpsk_open alice)" = "$P2"
wgf_on hub plan "$repo" >"$LAB_DIR/plan4" 2>&1; rc=$?
check "reseal: plan on the hub exits 0" test $rc -eq 0
snapshot snap2
plan_off snap2; rc=$?
check "reseal: offline plan exits 0" test $rc -eq 0

# a saved plan made offline (CI) carries the id and the sealed copy: the hub opens it
P3=$(newpsk alice)
plan_off snap2 --out "$LAB_DIR/saved.json"; rc=$?
check "saved plan made offline: exit 2, alice's PSK changed" bash -c "test $rc -eq 2" &&
	check "saved plan made offline: alice's PSK only" only_alice_psk "$LAB_DIR/snap2.plan"
check "the saved plan holds the PSK's id and sealed copy" bash -c "grep -q '$(id_of alice)' '$LAB_DIR/saved.json' && grep -qF '$(sealed_of alice)' '$LAB_DIR/saved.json'"
wgf_on hub apply --yes "$LAB_DIR/saved.json" >"$LAB_DIR/saved.out" 2>&1; rc=$?
check "the hub applies the saved plan" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/#   /' "$LAB_DIR/saved.out" | tail -n 5
check "the hub has the PSK the saved plan named" test "$(hub_psk "$ALICE")" = "$P3"

# without the sealing key the hub plans (the key withheld) but apply refuses, changing nothing
mv "$LAB_DIR/sealing.key" "$LAB_DIR/sealing.key.away"
P4=$(newpsk alice)
wgf_on hub plan "$repo" >"$LAB_DIR/plan5" 2>&1; rc=$?
check "no sealing key: plan still shows the change" bash -c "test $rc -eq 2" && check "no sealing key: alice's PSK only" only_alice_psk "$LAB_DIR/plan5"
check "no sealing key: plan warns that the PSK is withheld" grep -qF "no sealing key at $LAB_DIR/sealing.key: 1 preshared key is withheld" "$LAB_DIR/plan5"
wgf_on hub apply --yes "$repo" >"$LAB_DIR/apply5" 2>&1; rc=$?
check "no sealing key: apply exits non-zero" test $rc -ne 0
check "no sealing key: says where the key belongs and what to run" bash -c "grep -qF 'no sealing key at $LAB_DIR/sealing.key' '$LAB_DIR/apply5' && grep -qF 'wgf host init' '$LAB_DIR/apply5'"
check "no sealing key: the hub's PSK is unchanged" test "$(hub_psk "$ALICE")" = "$P3"
mv "$LAB_DIR/sealing.key.away" "$LAB_DIR/sealing.key"

# a swapped sealed value (bob's copy for the hub under alice's id): an error at its place
cp "$repo/peers/alice.yaml" "$LAB_DIR/alice.yaml.good"
yaml_edit "$repo/peers/alice.yaml" "$(sealed_of alice)" "$(sealed_of bob "$LAB_DIR/scratch")"
wgf_on hub apply --yes "$repo" >"$LAB_DIR/apply6" 2>&1; rc=$?
check "swapped sealed value: apply exits 1" test $rc -eq 1
check "swapped sealed value: the error names peers/alice.yaml:line:col and the Peer" \
	grep -qE "peers/alice\\.yaml:$(grep -n 'host/hub:' "$repo/peers/alice.yaml" | cut -d: -f1):[0-9]+: the preshared key of Peer \"alice\" .*swapped or tampered" "$LAB_DIR/apply6"
check "swapped sealed value: the hub's PSK is unchanged" test "$(hub_psk "$ALICE")" = "$P3"
cp "$LAB_DIR/alice.yaml.good" "$repo/peers/alice.yaml"
check "apply the rotation with the key back" wgf_on hub apply --yes "$repo"
check "the hub has it" test "$(hub_psk "$ALICE")" = "$P4"

# adoption: a PSK set by hand that the repository then declares plans nothing
in_host hub sh -c "printf '%s\n' '$PB' >/tmp/pk-bob.psk.$$ && wg set $IF peer '$BOB' preshared-key /tmp/pk-bob.psk.$$; rc=\$?; rm -f /tmp/pk-bob.psk.$$; exit \$rc"
check "a PSK set by hand on the hub" test "$(hub_psk "$BOB")" = "$PB"
wgf_on hub plan "$repo" >"$LAB_DIR/plan7" 2>&1; rc=$?
check "undeclared, the plan would remove it (exit 2)" bash -c "test $rc -eq 2 && grep -qx '      ~ preshared_key: (sensitive) → (none)' '$LAB_DIR/plan7'"
cp "$LAB_DIR/scratch/peers/bob.yaml" "$repo/peers/bob.yaml"
wgf_on hub plan "$repo" >"$LAB_DIR/plan8" 2>&1; rc=$?
check "declared with the same key: plan exits 0 (nothing to do)" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/#   /' "$LAB_DIR/plan8" | tail -n 8
device bob "$PB"
check "bob with that PSK handshakes again and pings" handshakes bob

# removing the PSK from the repository removes it from the hub
peer alice "$ALICE" 10.61.0.10
wgf_on hub plan "$repo" >"$LAB_DIR/plan9" 2>&1; rc=$?
check "PSK removed from the repository: plan exits 2 and removes it" \
	bash -c "test $rc -eq 2 && grep -qx '      ~ preshared_key: (sensitive) → (none)' '$LAB_DIR/plan9' && grep -qx 'Plan: 0 to add, 1 to change, 0 to destroy.' '$LAB_DIR/plan9'"
check "apply the removal" wgf_on hub apply --yes "$repo"
check "the hub has no PSK for alice" test "$(hub_psk "$ALICE")" = "(none)"
check "bob's declared PSK stays" test "$(hub_psk "$BOB")" = "$PB"

PSKS=("$P1" "$P2" "$P3" "$P4" "$PB" "$WRONG")
# no PSK, in base64 or hex, in anything wgf wrote or printed (the search finds
# one where it is: the device's key file)
found() {   # found KEY FILE...: KEY (base64) or its hex is in one of FILE...
	local key=$1 hex
	hex=$(printf '%s' "$key" | base64 -d | od -An -tx1 | tr -d ' \n'); shift
	test ${#hex} -eq 64 && grep -rqF -e "$key" -e "$hex" "$@" 2>/dev/null
}
check "the search for a PSK finds one where it is" found "$PB" "$LAB_DIR/bob.psk"
leaks=0
for k in "${PSKS[@]}"; do
	found "$k" "$LAB_DIR/state-hub" "$LAB_DIR"/*.json "$LAB_DIR"/*.plan "$LAB_DIR"/*.err "$LAB_DIR"/plan* \
		"$LAB_DIR"/apply* "$LAB_DIR/saved.out" && { leaks=$((leaks + 1)); echo "#   leaked: PSK ${k:0:6}…"; }
done
check "no PSK in the state directory, snapshots, plans or output (${#PSKS[@]} keys)" test $leaks -eq 0 -a ${#PSKS[@]} -eq 6

lab_done
