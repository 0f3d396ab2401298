#!/usr/bin/env bash
# Host key rotation on real tunnels: a hub and two hosts attached to it, a ping
# running from one host to the other through the hub. `wgf host rotate` on the
# hub prepares its next key; its public half goes into the repository; then
# `wgf apply` runs on the hub and on both hosts right after each other, as
# their reconcile timers would. The ping's timestamps (ping -D) say how long
# traffic stopped, and sampling `wg show … latest-handshakes` on the hosts
# says how many new handshakes each made with the hub: at most one each. The
# ping runs again, the journal records the rotation, next.key is gone,
# private.key holds the new key and the next plan is empty. (The outage and the
# time between the applies are reported, not asserted: no wall-clock threshold.)
set -u
LAB_RUN=${LAB_RUN:-kr-$$}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
lab_start "${1:-build}"
lab_need python3 || { lab_done; exit 1; }

IF=krw0
HOSTS="hub kr1 kr2"

# kr_port HOST ADDR: HOST on the "internet" bridge of namespace sw (veth krvN-h / krvN-s)
KR_N=0
kr_port() {
	KR_N=$((KR_N + 1))
	ip link add "krv$KR_N-h" netns "$(lab_ns "$1")" type veth peer name "krv$KR_N-s" netns "$(lab_ns sw)" || return 1
	in_host sw ip link set "krv$KR_N-s" master br0
	in_host sw ip link set "krv$KR_N-s" up
	in_host "$1" ip addr add "$2" dev "krv$KR_N-h"
	in_host "$1" ip link set "krv$KR_N-h" up
}
# each host keeps its keys in a directory of its own: private.key, sealing.key, next.key
keydir() { echo "$LAB_DIR/keys-$1"; }
kr_wgf() {
	local h=$1 sub=$2; shift 2
	in_host "$h" env WGF_KEY_FILE="$(keydir "$h")/private.key" WGF_STATE_DIR="$LAB_DIR/state-$h" NO_COLOR=1 \
		"$WGF" "$sub" --host "$h" "$@"
}
kr_host() { WGF_KEY_FILE="$(keydir "$1")/private.key" "$WGF" host "${@:2}"; }

lab_switch
for h in $HOSTS; do lab_host "$h"; done
kr_port hub 198.51.100.1/24
kr_port kr1 198.51.100.11/24
kr_port kr2 198.51.100.12/24

repo=$LAB_DIR/repo
mkdir -p "$repo/hosts"
cat >"$repo/network.yaml" <<EOF
apiVersion: wgf/v1
kind: Network
metadata:
  name: krnet
spec:
  interface: $IF
  listenPort: 51820
  persistentKeepalive: 25
  addressPools:
    ipv4: 10.88.0.0/24
EOF
cat >"$repo/hosts/hub.yaml" <<EOF
apiVersion: wgf/v1
kind: Host
metadata:
  name: hub
spec:
  role: hub
  publicKey: PUBKEY
  endpoint: 198.51.100.1:51820
  addresses: [10.88.0.1/24]
EOF
for i in 1 2; do
	cat >"$repo/hosts/kr$i.yaml" <<EOF
apiVersion: wgf/v1
kind: Host
metadata:
  name: kr$i
spec:
  role: member
  publicKey: PUBKEY
  hubs: [hub]
  addresses: [10.88.0.1$i/24]
EOF
done
for h in $HOSTS; do
	mkdir -m 700 "$(keydir "$h")"
	set_public_key "$repo" "$h" "$(kr_host "$h" init 2>"$LAB_DIR/init.$h")"
done
check "host init made the WireGuard and the sealing key, 0600 each" bash -c "
	for h in $HOSTS; do d=$LAB_DIR/keys-\$h
		test \"\$(stat -c %a \$d/private.key \$d/sealing.key)\" = \"600
600\" || exit 1
		grep -q '^  sealingKey: ' $LAB_DIR/init.\$h || exit 1
	done"
check "validate accepts the repository" "$WGF" validate "$repo"
for h in $HOSTS; do
	kr_wgf "$h" apply --yes "$repo" >"$LAB_DIR/apply1.$h" 2>&1
	check "apply on $h" test $? -eq 0
done
check "kr1 pings kr2 through the hub" pings kr1 10.88.0.12

# the hub prepares its next key
OLDPUB=$(kr_host hub pubkey)
NEWPUB=$(kr_host hub rotate 2>"$LAB_DIR/rotate.err"); rc=$?
check "host rotate exits 0 and prints a public key, not the private one" bash -c "
	test $rc -eq 0 && test ${#NEWPUB} -eq 44 && test '$NEWPUB' = \"\$(wg pubkey <$(keydir hub)/next.key)\" &&
	! grep -qF \"\$(cat $(keydir hub)/next.key)\" $LAB_DIR/rotate.err"
check "host rotate says to commit it as the Host's publicKey" grep -q "as this Host's publicKey" "$LAB_DIR/rotate.err"
check "next.key is 0600" test "$(stat -c %a "$(keydir hub)/next.key")" = 600
check "a second host rotate refuses (one is prepared)" bash -c "! WGF_KEY_FILE=$(keydir hub)/private.key '$WGF' host rotate 2>/dev/null"
kr_host hub rotate --status >"$LAB_DIR/status" 2>&1
check "host rotate --status shows the current and the prepared key" bash -c "
	grep -q '^current   $OLDPUB' $LAB_DIR/status && grep -q '^prepared  $NEWPUB' $LAB_DIR/status"
kr_wgf hub plan "$repo" >"$LAB_DIR/plan-before" 2>&1; rc=$?
check "until it is committed, the hub plans nothing (the current key stays)" test $rc -eq 0

# the commit: the Host's publicKey is the prepared one
set_public_key "$repo" hub "$NEWPUB"
kr_wgf hub plan "$repo" >"$LAB_DIR/plan-rotate" 2>&1; rc=$?
check "the hub's plan changes the device key (exit 2)" bash -c "test $rc -eq 2 && grep -q '~ public_key: ${OLDPUB:0:8}… → ${NEWPUB:0:8}…' $LAB_DIR/plan-rotate"
check "the hub's plan says it is the prepared key" grep -q "prepared next key" "$LAB_DIR/plan-rotate"
check "the plan holds no private key" bash -c "! grep -qF \"\$(cat $(keydir hub)/next.key)\" $LAB_DIR/plan-rotate"

# a ping every 0.2 s from kr1 to kr2 (through the hub), timestamped; the hosts'
# latest handshakes sampled every 0.1 s. nsenter itself, so that $! is the process.
nsenter --net="/run/netns/$(lab_ns kr1)" --mount="$LAB_DIR/mnt/kr1" -- \
	ping -D -i 0.2 -W 1 10.88.0.12 >"$LAB_DIR/ping.log" 2>&1 &
PING_PID=$!
sample_handshakes() {
	local h
	while :; do
		for h in kr1 kr2; do
			in_host "$h" wg show "$IF" latest-handshakes 2>/dev/null | sed "s/^/$h /"
		done
		sleep 0.1
	done
}
sample_handshakes >"$LAB_DIR/handshakes.log" 2>/dev/null &
SAMPLER_PID=$!
stop_bg() {
	kill "$PING_PID" "$SAMPLER_PID" 2>/dev/null
	wait "$PING_PID" "$SAMPLER_PID" 2>/dev/null
}
# the pings run before anything changes
check "the ping runs before the rotation" retry 20 bash -c "test \$(grep -c 'bytes from' '$LAB_DIR/ping.log' 2>/dev/null) -ge 5 2>/dev/null"
grep "^kr" "$LAB_DIR/handshakes.log" | sort -u >"$LAB_DIR/handshakes.before"

# the applies, right after each other (ROTATE_GAP=SECONDS waits that long
# between them: timers that are not in step; the outage grows with it)
GAP=${ROTATE_GAP:-0}
T0=$(date +%s%N)
kr_wgf hub apply --yes "$repo" >"$LAB_DIR/apply-rot.hub" 2>&1; rc_hub=$?
sleep "$GAP"
T1=$(date +%s%N)
kr_wgf kr1 apply --yes "$repo" >"$LAB_DIR/apply-rot.kr1" 2>&1; rc_kr1=$?
sleep "$GAP"
T2=$(date +%s%N)
kr_wgf kr2 apply --yes "$repo" >"$LAB_DIR/apply-rot.kr2" 2>&1; rc_kr2=$?
T3=$(date +%s%N)
check "apply on the hub (the rotation)" test $rc_hub -eq 0
[ $rc_hub -eq 0 ] || sed 's/^/#   /' "$LAB_DIR/apply-rot.hub"
check "apply on kr1 (the hub's new key)" test $rc_kr1 -eq 0
check "apply on kr2 (the hub's new key)" test $rc_kr2 -eq 0
for h in kr1 kr2; do
	check "$h's apply replaced its hub peer (old key out, new key in)" bash -c "
		grep -q '+ peer \"hub\" (${NEWPUB:0:8}…)' $LAB_DIR/apply-rot.$h &&
		grep -q -- '- peer (unknown) (${OLDPUB:0:8}…)' $LAB_DIR/apply-rot.$h"
done

# traffic resumes: replies after the last apply
resumed() {
	python3 - "$LAB_DIR/ping.log" "$T3" <<'PY'
import re, sys
t3 = int(sys.argv[2]) / 1e9
ts = [float(m.group(1)) for m in re.finditer(r"^\[(\d+\.\d+)\] \d+ bytes from", open(sys.argv[1]).read(), re.M)]
sys.exit(0 if sum(1 for t in ts if t > t3) >= 5 else 1)
PY
}
check "the ping runs again after the rotation" retry 60 resumed
sleep 1
stop_bg

# the outage: the longest gap between two replies, and the replies lost
python3 - "$LAB_DIR/ping.log" "$T0" "$T1" "$T2" "$T3" >"$LAB_DIR/outage" <<'PY'
import re, sys
log = open(sys.argv[1]).read()
t0, t1, t2, t3 = (int(x) / 1e9 for x in sys.argv[2:6])
replies = [(float(t), int(s)) for t, s in re.findall(r"^\[(\d+\.\d+)\] \d+ bytes from \S+ icmp_seq=(\d+)", log, re.M)]
gap, at = 0.0, 0.0
for (a, _), (b, _) in zip(replies, replies[1:]):
    if b - a > gap:
        gap, at = b - a, a
seqs = sorted({s for _, s in replies})
lost = (seqs[-1] - seqs[0] + 1 - len(seqs)) if seqs else -1
print(f"outage {max(gap - 0.2, 0):.3f} s (longest gap between replies {gap:.3f} s, starting "
      f"{at - t0:+.3f} s from the hub's apply); {lost} of {seqs[-1] - seqs[0] + 1 if seqs else 0} pings unanswered; "
      f"from the start of one apply to the next: hub to kr1 {t1 - t0:.3f} s, kr1 to kr2 {t2 - t1:.3f} s, "
      f"kr2 took {t3 - t2:.3f} s; hub start to kr2 end {t3 - t0:.3f} s")
PY
echo "# rotation: $(cat "$LAB_DIR/outage")"
check "the outage was measured from the ping's timestamps" grep -q '^outage [0-9.]* s' "$LAB_DIR/outage"

# handshakes: new (key, time) pairs with a time, per host, after the rotation began
new_handshakes() {
	grep "^$1 " "$LAB_DIR/handshakes.log" | awk '$3 != 0' | sort -u |
		comm -23 - "$LAB_DIR/handshakes.before" | awk -v k="$2" '$2 == k' | wc -l
}
for h in kr1 kr2; do
	n=$(new_handshakes "$h" "$NEWPUB")
	echo "# $h: $n new handshake(s) with the hub's new key"
	check "$h made exactly one new handshake with the hub (sampled latest-handshakes)" test "$n" -eq 1
	check "$h has no other new handshake (none with the old key)" test "$(grep "^$h " "$LAB_DIR/handshakes.log" |
		awk '$3 != 0' | sort -u | comm -23 - "$LAB_DIR/handshakes.before" | wc -l)" -eq "$n"
done

# the records
in_host hub env WGF_STATE_DIR="$LAB_DIR/state-hub" NO_COLOR=1 "$WGF" journal >"$LAB_DIR/journal" 2>&1
check "the journal records the rotation with both fingerprints" \
	grep -qE "key-rotated .*publicKey ${OLDPUB:0:8}… replaced by ${NEWPUB:0:8}…" "$LAB_DIR/journal"
check "next.key is gone" test ! -e "$(keydir hub)/next.key"
check "private.key holds the new key (0600)" bash -c "test \"\$(wg pubkey <$(keydir hub)/private.key)\" = '$NEWPUB' &&
	test \"\$(stat -c %a $(keydir hub)/private.key)\" = 600"
check "private.key.previous holds the old key (0600)" bash -c "test \"\$(wg pubkey <$(keydir hub)/private.key.previous)\" = '$OLDPUB' &&
	test \"\$(stat -c %a $(keydir hub)/private.key.previous)\" = 600"
check "the hub's device runs the new key" test "$(in_host hub wg show "$IF" public-key)" = "$NEWPUB"
for h in $HOSTS; do
	kr_wgf "$h" plan "$repo" >"$LAB_DIR/plan-after.$h" 2>&1
	check "wgf plan on $h afterwards is empty (exit 0)" test $? -eq 0
done
check "kr2 pings kr1 through the hub" pings kr2 10.88.0.11

# again through a saved plan (wgf plan --out, then wgf apply FILE): the same switch
OLDPUB=$NEWPUB
NEWPUB=$(kr_host hub rotate 2>/dev/null)
set_public_key "$repo" hub "$NEWPUB"
kr_wgf hub plan --out "$LAB_DIR/saved.json" "$repo" >"$LAB_DIR/plan-saved" 2>&1; rc=$?
check "a saved plan of the second rotation (exit 2), with no private key in it" bash -c "test $rc -eq 2 &&
	! grep -qF \"\$(cat $(keydir hub)/next.key)\" $LAB_DIR/saved.json $LAB_DIR/plan-saved"
kr_wgf hub apply --yes "$LAB_DIR/saved.json" >"$LAB_DIR/apply-saved" 2>&1; rc=$?
check "the saved plan applies on the hub" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/#   /' "$LAB_DIR/apply-saved"
check "... and switches the key files" bash -c "test ! -e $(keydir hub)/next.key &&
	test \"\$(wg pubkey <$(keydir hub)/private.key)\" = '$NEWPUB' &&
	test \"\$(wg pubkey <$(keydir hub)/private.key.previous)\" = '$OLDPUB'"
in_host hub env WGF_STATE_DIR="$LAB_DIR/state-hub" NO_COLOR=1 "$WGF" journal >"$LAB_DIR/journal2" 2>&1
check "... and journals the second rotation" test "$(grep -c 'key-rotated' "$LAB_DIR/journal2")" -eq 2
for h in kr1 kr2; do kr_wgf "$h" apply --yes "$repo" >/dev/null 2>&1; done
check "kr1 pings kr2 after the second rotation" pings kr1 10.88.0.12
kr_wgf hub plan "$repo" >/dev/null 2>&1
check "the hub's plan is empty after the second rotation" test $? -eq 0

# a Host key that is neither the current nor the prepared one says how to rotate
set_public_key "$repo" hub "$OLDPUB"
kr_wgf hub plan "$repo" >"$LAB_DIR/plan-wrong" 2>&1; rc=$?
check "a publicKey that is not this host's key: error naming wgf host rotate" bash -c "test $rc -eq 1 && grep -q 'wgf host rotate' '$LAB_DIR/plan-wrong'"
lab_done
