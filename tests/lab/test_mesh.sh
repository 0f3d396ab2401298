#!/usr/bin/env bash
# examples/small-mesh on real tunnels: three member hosts in a full mesh, each
# reaching the others directly over IPv4 and IPv6; then a host leaves the mesh.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
lab_start "${1:-build}"

repo=$LAB_DIR/repo
lab_repo small-mesh "$repo"
lab_switch
for i in 1 2 3; do
	lab_host node$i
	lab_port node$i 198.51.100.4$i/24
	set_public_key "$repo" node$i "$(wgf_host_key node$i)"
done
for i in 1 2 3; do check "apply on node$i" wgf_on node$i apply --yes "$repo"; done
for i in 1 2 3; do
	for j in 1 2 3; do
		[ $i = $j ] && continue
		check "node$i reaches node$j (IPv4)" pings node$i 10.30.0.$j
		check "node$i reaches node$j (IPv6)" pings node$i fd30::$j
	done
done
check "node1 has two peers" test "$(in_host node1 wg show wgmesh peers | wc -l)" -eq 2
for i in 1 2 3; do
	wgf_on node$i plan "$repo" >/dev/null 2>&1
	check "node$i converged" test $? -eq 0
done

# node3 moves to another port: a changed declaration is applied (not taken for a roam)
python3 - "$repo/hosts.yaml" <<'PY'
import re, sys
p = sys.argv[1]
docs = re.split(r"(?m)^---\s*$", open(p).read())
for i, d in enumerate(docs):
    if "name: node3" in d:
        d = d.replace("198.51.100.43:51830", "198.51.100.43:51831")
        docs[i] = re.sub(r"(?m)^(\s*)endpoint:", r"\1listenPort: 51831\n\1endpoint:", d, count=1)
open(p, "w").write("---".join(docs))
PY
wgf_on node1 plan "$repo" >"$LAB_DIR/plan-move" 2>&1; rc=$?
check "node1 plan after node3 moved exits 2" test $rc -eq 2
check "node1 plan changes node3's endpoint" grep -q 'endpoint: 198.51.100.43:51830 → 198.51.100.43:51831' "$LAB_DIR/plan-move"
check "node1 plan changes only that" grep -q '^Plan: 0 to add, 1 to change, 0 to destroy' "$LAB_DIR/plan-move"
for i in 1 2 3; do wgf_on node$i apply --yes "$repo" >/dev/null 2>&1; done
check "node3 listens on the new port" test "$(in_host node3 wg show wgmesh listen-port)" = 51831
check "node1 sends to node3's new endpoint" bash -c "grep -q '198.51.100.43:51831' <<<'$(in_host node1 wg show wgmesh endpoints)'"
check "node1 reaches node3 after the move" pings node1 10.30.0.3
for i in 1 2 3; do
	wgf_on node$i plan "$repo" >/dev/null 2>&1
	check "node$i converged after the move" test $? -eq 0
done

# node3 leaves: remove its document from the multi-document file
python3 - "$repo/hosts.yaml" <<'PY'
import re, sys
p = sys.argv[1]
docs = re.split(r"(?m)^---\s*$", open(p).read())
open(p, "w").write("---".join(d for d in docs if "name: node3" not in d))
PY
wgf_on node1 plan "$repo" >"$LAB_DIR/plan" 2>&1
check "node1 plan removes one peer" grep -q '^Plan: 0 to add, 1 to change, 1 to destroy' "$LAB_DIR/plan"
check "node1 plan removes node3's access from the nftables table" grep -q '^      - access host node3: ' "$LAB_DIR/plan"
wgf_on node1 apply --yes "$repo" >/dev/null 2>&1
check "node1 has one peer left" test "$(in_host node1 wg show wgmesh peers | wc -l)" -eq 1
check "node1 still reaches node2" pings node1 10.30.0.2
lab_done
