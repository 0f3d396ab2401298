#!/usr/bin/env bash
# wgf fleet plan / fleet apply over SSH (libssh2) against real OpenSSH servers:
# examples/small-mesh's three nodes as namespaces, each running sshd with a host
# key made here and pinned in a known_hosts file, root login by an Ed25519 key
# only (authorized_keys gives each node its own state directory and key file).
# A "CI" namespace holds only the repository (git) and the key, and reaches the
# nodes over the switch. It plans (every node's real plan, naming the commit),
# is refused by a wrong or missing host key, stops at a failed canary and at an
# unreachable node (or goes on with --keep-going), converges the mesh (pings
# through the tunnels) and then plans nothing.
set -u
export LAB_RUN=fl-$$
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
lab_start "${1:-build}"
lab_need sshd ssh-keygen jq git || { lab_done; exit 1; }
SSHD=$(command -v sshd)

SSHD_PIDS=()
fleet_cleanup() {
	local p
	for p in "${SSHD_PIDS[@]}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done
	lab_cleanup
}
trap fleet_cleanup EXIT

nodes=(node1 node2 node3)
declare -A addr=([node1]=198.51.100.41 [node2]=198.51.100.42 [node3]=198.51.100.43)
declare -A sshd_pid

work=$LAB_DIR/work
lab_repo small-mesh "$work"
yaml_edit "$work/network.yaml" "interface: wgmesh" "interface: wgflmesh"

lab_switch
lab_host ci
lab_port ci 198.51.100.60/24
for h in "${nodes[@]}"; do
	lab_host "$h"
	lab_port "$h" "${addr[$h]}/24"
	set_public_key "$work" "$h" "$(wgf_host_key "$h")"
done
# 4 MiB that compress to 3: the pack outgrows every socket and SSH window
# buffer, so stdin is fed while the host reads (flow control, both ways)
head -c 3145728 /dev/urandom | base64 >"$work/README.bin"
git -C "$work" init -q -b main
git -C "$work" -c user.name=lab -c user.email=lab@wgf.invalid add -A
git -C "$work" -c user.name=lab -c user.email=lab@wgf.invalid commit -qm "the mesh"
commit=$(git -C "$work" rev-parse HEAD)

# CI's key, the inventory (outside the repository), the pinned host keys
ci=$LAB_DIR/ci
mkdir -p "$ci" /run/sshd
ssh-keygen -q -t ed25519 -N "" -C wgf-ci -f "$ci/id" || fail "ssh-keygen for CI's key"
{ echo "# where the Hosts are"; for h in "${nodes[@]}"; do echo "$h root@${addr[$h]}"; done; } >"$ci/inventory"
: >"$ci/known_hosts"

# sshd_start HOST: OpenSSH in HOST's namespace, logged to $LAB_DIR/ssh-HOST/log
sshd_start() {
	local h=$1 d=$LAB_DIR/ssh-$1
	# nsenter execs sshd: $! is sshd's PID
	nsenter --net="/run/netns/$(lab_ns "$h")" --mount="$LAB_DIR/mnt/$h" -- \
		"$SSHD" -D -f "$d/sshd_config" -E "$d/log" &
	sshd_pid[$h]=$!
	SSHD_PIDS+=("$!")
}
sshd_stop() {
	kill "${sshd_pid[$1]}" 2>/dev/null
	wait "${sshd_pid[$1]}" 2>/dev/null
}
for h in "${nodes[@]}"; do
	d=$LAB_DIR/ssh-$h
	mkdir -p "$d"
	ssh-keygen -q -t ed25519 -N "" -f "$d/host_key"
	echo "${addr[$h]} $(cut -d' ' -f1,2 "$d/host_key.pub")" >>"$ci/known_hosts"
	echo "environment=\"WGF_STATE_DIR=$LAB_DIR/state-$h\",environment=\"WGF_KEY_FILE=$LAB_DIR/$h.key\",environment=\"NO_COLOR=1\" $(cat "$ci/id.pub")" >"$d/authorized_keys"
	cat >"$d/sshd_config" <<CFG
ListenAddress ${addr[$h]}
HostKey $d/host_key
PidFile none
AuthorizedKeysFile $d/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitUserEnvironment yes
StrictModes no
UsePAM no
LogLevel ERROR
CFG
	sshd_start "$h"
	check "sshd listens on $h" wait_listening "$h" tcp 22
done

# fleet ARGS...: wgf fleet from the CI namespace
fleet() {
	local sub=$1; shift
	in_host ci env NO_COLOR=1 "$WGF" fleet "$sub" --repo "$work" --inventory "$ci/inventory" \
		--identity "$ci/id" --remote-wgf "$WGF" --connect-timeout 5 --timeout 120 "$@"
}
jqt() { jq -e "$@" >/dev/null; }
no_iface() {   # no_iface HOST: wgf made no interface there
	! in_host "$1" ip link show wgflmesh >/dev/null 2>&1
}

# 1. every node's real plan, planned on the node, naming the commit
fleet plan --known-hosts "$ci/known_hosts" >"$LAB_DIR/plan1" 2>&1; rc=$?
check "fleet plan exits 2 (changes)" test $rc -eq 2
[ $rc -eq 2 ] || sed 's/^/#   /' "$LAB_DIR/plan1" | tail -n 20
check "fleet plan names the commit" grep -q "commit ${commit:0:12}" "$LAB_DIR/plan1"
for h in "${nodes[@]}"; do
	check "fleet plan shows $h's plan" grep -q "== host \"$h\" (changes)" "$LAB_DIR/plan1"
done
check "fleet plan sums up the fleet" grep -q "Fleet: 3 hosts, 3 with changes" "$LAB_DIR/plan1"
fleet plan --known-hosts "$ci/known_hosts" --json >"$LAB_DIR/plan1.json" 2>"$LAB_DIR/plan1.err"
check "fleet plan --json: each host's plan of the commit" \
	test "$(jq -r --arg c "${commit:0:12}" '[.hosts[] | select(.plan.source | contains($c)) | .host] | join(",")' "$LAB_DIR/plan1.json")" = "node1,node2,node3"
check "fleet plan --json: a peer to add on node1" \
	jqt '.hosts[0].plan.changes | map(select(.object == "peer" and .action == "create")) | length == 2' "$LAB_DIR/plan1.json"
check "the nodes planned it themselves: node2 received the commit" \
	git --git-dir "$LAB_DIR/state-node2/mirror.git" cat-file -e "$commit"
check "all of it: the 4 MiB file came whole" \
	cmp -s "$work/README.bin" <(git --git-dir "$LAB_DIR/state-node2/mirror.git" show "$commit:README.bin")
for h in "${nodes[@]}"; do check "planning changed nothing on $h" no_iface "$h"; done

# 2. a wrong host key and a missing one are refused, with the key offered
fp2=$(ssh-keygen -l -f "$LAB_DIR/ssh-node2/host_key.pub" | cut -d' ' -f2)
ssh-keygen -q -t ed25519 -N "" -f "$LAB_DIR/other_key"
sed "s|^${addr[node2]} .*|${addr[node2]} $(cut -d' ' -f1,2 "$LAB_DIR/other_key.pub")|" "$ci/known_hosts" >"$ci/kh_wrong"
grep -v "^${addr[node3]} " "$ci/known_hosts" >"$ci/kh_missing"
fleet plan --known-hosts "$ci/kh_wrong" >"$LAB_DIR/plan2" 2>&1; rc=$?
check "a wrong host key: fleet plan exits 1" test $rc -eq 1
check "a wrong host key is refused with the fingerprint offered" \
	grep -q "node2: failed: host key for ${addr[node2]} does not match .* (the server offered $fp2)" "$LAB_DIR/plan2"
check "the other nodes are still planned" grep -q '== host "node3" (changes)' "$LAB_DIR/plan2"
fleet plan --known-hosts "$ci/kh_missing" >"$LAB_DIR/plan3" 2>&1; rc=$?
check "a host key not in known_hosts is refused" \
	grep -q "node3: failed: host key for ${addr[node3]} is not in" "$LAB_DIR/plan3"

# a hung host cannot hang wgf: sshd stopped (SIGSTOP) accepts TCP and never speaks
kill -STOP "${sshd_pid[node3]}"
t0=$(date +%s)
fleet plan --known-hosts "$ci/known_hosts" --connect-timeout 2 >"$LAB_DIR/plan-hung" 2>&1; rc=$?
t1=$(date +%s)
kill -CONT "${sshd_pid[node3]}"
check "a hung host: fleet plan exits 1" test $rc -eq 1
check "a hung host is reported unreachable after --connect-timeout" \
	grep -q "node3: unreachable: ${addr[node3]}: no SSH handshake within 2 s" "$LAB_DIR/plan-hung"
check "a hung host does not hang the run (it ended within 30 s)" test $((t1 - t0)) -lt 30
check "the others are planned beside the hung host" grep -q '== host "node1" (changes)' "$LAB_DIR/plan-hung"

# what the host says is checked, not just its exit status
printf '#!/bin/sh\nexec sleep 20\n' >"$LAB_DIR/slow-wgf"
printf '#!/bin/sh\ncat >/dev/null; echo "{}"; exit 0\n' >"$LAB_DIR/garbage-wgf"
printf '#!/bin/sh\n"%s" "$@"; exit 0\n' "$WGF" >"$LAB_DIR/liar-wgf"
printf '#!/bin/sh\necho "wgf: unrecognized option --pack" >&2; exit 1\n' >"$LAB_DIR/old-wgf"
chmod +x "$LAB_DIR"/slow-wgf "$LAB_DIR"/garbage-wgf "$LAB_DIR"/liar-wgf "$LAB_DIR"/old-wgf
fleet plan --known-hosts "$ci/known_hosts" --remote-wgf "$LAB_DIR/slow-wgf" --timeout 2 >"$LAB_DIR/plan-slow" 2>&1; rc=$?
check "a command that outlives --timeout fails on every host" \
	test "$(grep -c 'failed: .*the command did not finish within the timeout' "$LAB_DIR/plan-slow")" -eq 3
fleet plan --known-hosts "$ci/known_hosts" --remote-wgf "$LAB_DIR/garbage-wgf" >"$LAB_DIR/plan-garbage" 2>&1; rc=$?
check "exit 0 with no plan is a failure" test $rc -eq 1
check "exit 0 with no plan: its plan does not read" grep -q "node1: failed: its plan does not read" "$LAB_DIR/plan-garbage"
fleet plan --known-hosts "$ci/known_hosts" --remote-wgf "$LAB_DIR/liar-wgf" >"$LAB_DIR/plan-liar" 2>&1; rc=$?
check "exit 0 with a plan of changes is a failure" grep -q "node2: failed: exit 0 with a plan" "$LAB_DIR/plan-liar"
fleet plan --known-hosts "$ci/known_hosts" --remote-wgf "$LAB_DIR/old-wgf" >"$LAB_DIR/plan-old" 2>&1; rc=$?
check "a host that ends without reading the pack: its own words are the reason" \
	grep -q "node3: failed: exit 1: unrecognized option --pack" "$LAB_DIR/plan-old"

# 3. a canary that fails stops the rollout before any other host
fleet apply --known-hosts "$ci/kh_wrong" --canary node2 >"$LAB_DIR/apply1" 2>&1; rc=$?
check "a failed canary: fleet apply exits 1" test $rc -eq 1
check "the canary is reported failed" grep -qE "^node2 +failed .*\(canary\) host key for" "$LAB_DIR/apply1"
check "the others are not run" test "$(grep -cE '^node[13] +not-run .*the canaries' "$LAB_DIR/apply1")" -eq 2
for h in "${nodes[@]}"; do check "nothing changed on $h after the failed canary" no_iface "$h"; done

# 4. a node down: reported unreachable; the rollout stops, or goes on with --keep-going
sshd_stop node1
fleet apply --known-hosts "$ci/known_hosts" --parallel 1 >"$LAB_DIR/apply2" 2>&1; rc=$?
check "a node down: fleet apply exits 1" test $rc -eq 1
check "the node down is reported unreachable" grep -qE "^node1 +unreachable .*connecting to ${addr[node1]} port 22" "$LAB_DIR/apply2"
check "without --keep-going the run stops" test "$(grep -cE '^node[23] +not-run ' "$LAB_DIR/apply2")" -eq 2
check "nothing changed on node2 after the stop" no_iface node2
fleet apply --known-hosts "$ci/known_hosts" --parallel 1 --keep-going >"$LAB_DIR/apply3" 2>&1; rc=$?
check "--keep-going: still exits 1" test $rc -eq 1
check "--keep-going: node1 unreachable" grep -qE "^node1 +unreachable " "$LAB_DIR/apply3"
check "--keep-going: node2 and node3 applied" test "$(grep -cE '^node[23] +applied ' "$LAB_DIR/apply3")" -eq 2
[ $rc -eq 1 ] || sed 's/^/#   /' "$LAB_DIR/apply3" | tail -n 20

# 5. the whole fleet converges and traffic flows through the tunnels
sshd_start node1
check "sshd back on node1" wait_listening node1 tcp 22
fleet apply --known-hosts "$ci/known_hosts" --json >"$LAB_DIR/apply4.json" 2>"$LAB_DIR/apply4.err"; rc=$?
check "fleet apply exits 0" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/#   /' "$LAB_DIR/apply4.err" "$LAB_DIR/apply4.json" | tail -n 20
check "fleet apply --json: node1 applied, the others had nothing to do" \
	test "$(jq -r '[.hosts[] | .host + "=" + .result] | join(",")' "$LAB_DIR/apply4.json")" = "node1=applied,node2=no-changes,node3=no-changes"
check "fleet apply --json names the commit" test "$(jq -r .commit "$LAB_DIR/apply4.json")" = "$commit"
check "node1 reaches node2 through WireGuard" pings node1 10.30.0.2
check "node1 reaches node3 through WireGuard" pings node1 10.30.0.3
check "node2 reaches node3 through WireGuard" pings node2 10.30.0.3
check "the traffic went through the tunnel" \
	test "$(in_host node1 wg show wgflmesh transfer | awk '$2 > 0 && $3 > 0' | wc -l)" -eq 2
fleet plan --known-hosts "$ci/known_hosts" >"$LAB_DIR/plan4" 2>&1; rc=$?
check "a second fleet plan is empty (exit 0)" test $rc -eq 0
check "a second fleet plan: no host with changes" grep -q "Fleet: 3 hosts, 0 with changes" "$LAB_DIR/plan4"

# 6. saved plans: review a fleet's plan, then apply exactly it, once, and only
# while every host still has what it was planned against
peer_of() { in_host "$1" wg show wgflmesh peers | head -n 1; }
has_peer() { in_host "$1" wg show wgflmesh peers | grep -qxF -- "$2"; }
lacks_peer() { ! has_peer "$@"; }
drop1=$(peer_of node1)
in_host node1 wg set wgflmesh peer "$drop1" remove
fleet plan --known-hosts "$ci/known_hosts" --out "$ci/saved.json" >"$LAB_DIR/plan-out" 2>&1; rc=$?
check "fleet plan --out: exit 2 (node1 drifted by hand)" test $rc -eq 2
[ $rc -eq 2 ] || sed 's/^/#   /' "$LAB_DIR/plan-out" | tail -n 10
check "fleet plan --out: one saved plan of the three hosts" \
	test "$(jq -r '[.hosts[].host] | join(",")' "$ci/saved.json" 2>/dev/null)" = "node1,node2,node3"
check "fleet plan --out: the file names the commit" test "$(jq -r .source.commit "$ci/saved.json" 2>/dev/null)" = "$commit"
check "fleet plan --out: the file is 0600" test "$(stat -c %a "$ci/saved.json")" = 600
check "fleet plan --out: no host's private key in the file" \
	bash -c "! grep -qF -f <(cat '$LAB_DIR'/node[123].key) '$ci/saved.json'"
fleet apply "$ci/saved.json" --known-hosts "$ci/known_hosts" >"$LAB_DIR/apply-saved" 2>&1; rc=$?
check "fleet apply FILE: exit 0" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/#   /' "$LAB_DIR/apply-saved" | tail -n 10
check "fleet apply FILE: node1 applied, the others had nothing to do" \
	test "$(grep -cE '^node1 +applied |^node[23] +no-changes ' "$LAB_DIR/apply-saved")" -eq 3
check "fleet apply FILE: node1's peer is back" has_peer node1 "$drop1"
check "node1 reaches node2 again" pings node1 10.30.0.2
fleet apply "$ci/saved.json" --known-hosts "$ci/known_hosts" --keep-going >"$LAB_DIR/apply-again" 2>&1; rc=$?
check "fleet apply FILE a second time: exit 1" test $rc -eq 1
check "fleet apply FILE a second time: refused on every host (single use)" \
	test "$(grep -cE '^node[123] +failed .*exit 3: .*refused: .*applied on this host before' "$LAB_DIR/apply-again")" -eq 3
[ $rc -eq 1 ] || sed 's/^/#   /' "$LAB_DIR/apply-again" | tail -n 10
fleet plan --known-hosts "$ci/known_hosts" --out "$ci/saved2.json" >"$LAB_DIR/plan-out2" 2>&1; rc=$?
check "fleet plan --out of the converged fleet: exit 0" test $rc -eq 0
drop3=$(peer_of node3)
in_host node3 wg set wgflmesh peer "$drop3" remove
fleet apply "$ci/saved2.json" --known-hosts "$ci/known_hosts" --keep-going >"$LAB_DIR/apply-stale" 2>&1; rc=$?
check "a saved plan after drift by hand on node3: exit 1" test $rc -eq 1
check "node3 refused as stale, naming it" grep -qE '^node3 +failed .*exit 3: .*refused: .*(stale|no longer)' "$LAB_DIR/apply-stale"
[ $rc -eq 1 ] || sed 's/^/#   /' "$LAB_DIR/apply-stale" | tail -n 10
check "node1 and node2 applied their part (nothing to do)" \
	test "$(grep -cE '^node[12] +no-changes ' "$LAB_DIR/apply-stale")" -eq 2
check "nothing changed on node3: its peer is still gone" lacks_peer node3 "$drop3"
fleet apply --known-hosts "$ci/known_hosts" >"$LAB_DIR/apply-fix" 2>&1; rc=$?
check "a live fleet apply repairs node3" test $rc -eq 0

# 7. a host whose reconcile settings verify signatures (verify = commit) takes
# only a signed commit from the fleet too, and its plan names the signer
ssh-keygen -q -t ed25519 -N '' -C admin -f "$LAB_DIR/signer"
echo "admin@example.org namespaces=\"git\" $(cut -d' ' -f1,2 "$LAB_DIR/signer.pub")" >"$LAB_DIR/allowed_signers"
printf 'verify = commit\nallowed-signers = %s\n' "$LAB_DIR/allowed_signers" >"$LAB_DIR/node2-reconcile.conf"
sed -i "s|^environment=|environment=\"WGF_CONFIG=$LAB_DIR/node2-reconcile.conf\",environment=|" "$LAB_DIR/ssh-node2/authorized_keys"
fleet plan --known-hosts "$ci/known_hosts" >"$LAB_DIR/plan-unsigned" 2>&1; rc=$?
check "an unsigned commit: fleet plan exits 1" test $rc -eq 1
check "an unsigned commit: node2 refuses it (exit 3), saying why" \
	grep -qE "^node2: failed: exit 3: plan: commit ${commit:0:12} refused: .*nothing was changed" "$LAB_DIR/plan-unsigned"
[ $rc -eq 1 ] || sed 's/^/#   /' "$LAB_DIR/plan-unsigned" | tail -n 10
check "an unsigned commit: the other nodes plan it" grep -q "Fleet: 2 hosts, 0 with changes" "$LAB_DIR/plan-unsigned"
sed -i 's/^  listenPort: 51830/  listenPort: 51830\n  mtu: 1380/' "$work/network.yaml"
git -C "$work" -c user.name=lab -c user.email=lab@wgf.invalid -c gpg.format=ssh -c user.signingkey="$LAB_DIR/signer" \
	commit -q -a -S -m "signed: mtu 1380"
fleet apply --known-hosts "$ci/known_hosts" --json >"$LAB_DIR/apply-signed.json" 2>"$LAB_DIR/apply-signed.err"; rc=$?
check "a signed commit: fleet apply exits 0" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/#   /' "$LAB_DIR/apply-signed.err" "$LAB_DIR/apply-signed.json" | tail -n 10
check "a signed commit: node2's plan names the signer" \
	jqt '.hosts[] | select(.host == "node2") | .plan.source | test("signed by admin@example.org SHA256:")' "$LAB_DIR/apply-signed.json"
check "a signed commit: node2 applied it" bash -c "ip -n \"$(lab_ns node2)\" -o link show wgflmesh | grep -q ' mtu 1380 '"
check "a signed commit: node2's journal names the signer" \
	bash -c "WGF_STATE_DIR='$LAB_DIR/state-node2' '$WGF' journal --json | tail -n 1 | grep -q 'admin@example.org'"

# 8. fleet observe: every node's snapshot for offline planning and the report
fleet observe --known-hosts "$ci/known_hosts" --out "$ci/observed" >"$LAB_DIR/observe1" 2>&1; rc=$?
check "fleet observe: exit 0" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/#   /' "$LAB_DIR/observe1" | tail -n 10
check "fleet observe: a snapshot per node, 0600, of that node" bash -c "for h in ${nodes[*]}; do
	test \"\$(stat -c %a '$ci/observed/'\$h.json)\" = 600 && jq -e --arg h \$h '.host == \$h' '$ci/observed/'\$h.json >/dev/null || exit 1; done"
check "fleet observe: the directory is 0700" test "$(stat -c %a "$ci/observed")" = 700
in_host ci env NO_COLOR=1 "$WGF" plan --all --repo "$work" --observed "$ci/observed" >"$LAB_DIR/plan-obs1" 2>&1; rc=$?
check "plan --all --observed the fleet's snapshots: converged, exit 0" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/#   /' "$LAB_DIR/plan-obs1" | tail -n 10
drop1=$(peer_of node1)
in_host node1 wg set wgflmesh peer "$drop1" remove
sshd_stop node3
fleet observe --known-hosts "$ci/known_hosts" --out "$ci/observed" --connect-timeout 3 >"$LAB_DIR/observe2" 2>&1; rc=$?
check "fleet observe with node3 down: exit 1, node3 unreachable" \
	bash -c "test $rc -eq 1 && grep -qE '^node3 +unreachable ' '$LAB_DIR/observe2'"
check "fleet observe with node3 down: the others observed" test "$(grep -cE '^node[12] +observed ' "$LAB_DIR/observe2")" -eq 2
in_host ci env NO_COLOR=1 "$WGF" plan --all --repo "$work" --observed "$ci/observed" >"$LAB_DIR/plan-obs2" 2>&1; rc=$?
check "plan --all --observed after drift by hand on node1: exit 2, node1 has changes" \
	bash -c "test $rc -eq 2 && grep -q '== host \"node1\" (changes; against its snapshot)' '$LAB_DIR/plan-obs2'"
[ $rc -eq 2 ] || sed 's/^/#   /' "$LAB_DIR/plan-obs2" | tail -n 10
in_host ci "$WGF" report --repo "$work" --observed "$ci/observed" --format json >"$LAB_DIR/report-obs.json" 2>&1; rc=$?
check "report --observed: node1 changed, as observed" \
	jqt '.hosts[] | select(.host == "node1") | .status == "changed" and .observed' "$LAB_DIR/report-obs.json"
[ -n "${FLEET_KEEP:-}" ] && cp "$LAB_DIR"/plan* "$LAB_DIR"/apply* "$LAB_DIR"/observe* "$LAB_DIR"/report* "$ci"/saved*.json "$FLEET_KEEP"/
lab_done
