#!/usr/bin/env bash
# Planning from a snapshot: `wgf observe --json` on a real host, then
# `wgf plan --observed FILE` elsewhere, as an unprivileged user outside the
# host's namespace, must print exactly the plan that `wgf plan` prints on the
# host: converged, after a change in the repository, and after drift. The
# snapshot holds no secret, and a broken one is refused with where it broke.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
lab_start "${1:-build}"
lab_need setpriv python3 || { lab_done; exit 1; }

repo=$LAB_DIR/repo
lab_repo home-access "$repo"
lab_switch
for h in hub homerouter; do lab_host "$h"; done
lab_port hub 198.51.100.1/24
lab_port homerouter 198.51.100.2/24
set_public_key "$repo" hub "$(wgf_host_key hub)"
set_public_key "$repo" homerouter "$(wgf_host_key homerouter)"
check "apply on hub" wgf_on hub apply --yes "$repo"

# an unprivileged user in no namespace of the lab: no root, no kernel state of the hub
chmod 755 "$LAB_DIR"
chmod -R a+rX "$repo"
elsewhere() { setpriv --reuid=65534 --regid=65534 --clear-groups env -u WGF_KEY_FILE NO_COLOR=1 \
	WGF_STATE_DIR=/nonexistent "$WGF" "$@"; }
snap() { wgf_on hub observe --json "$repo" >"$LAB_DIR/$1.json" 2>"$LAB_DIR/$1.err" && chmod 644 "$LAB_DIR/$1.json"; }
# same NAME ARGS...: the plan on the hub and the plan from snapshot NAME, text and JSON, and their exit codes
same() {
	local name=$1 a b ra rb; shift
	wgf_on hub plan "$@" "$repo" >"$LAB_DIR/$name.host" 2>&1; ra=$?
	elsewhere plan --observed "$LAB_DIR/$name.json" "$@" "$repo" >"$LAB_DIR/$name.snap" 2>&1; rb=$?
	if [ $ra -ne $rb ] || ! cmp -s "$LAB_DIR/$name.host" "$LAB_DIR/$name.snap"; then
		echo "# on the hub (exit $ra):"; sed 's/^/#   /' "$LAB_DIR/$name.host"
		echo "# from the snapshot (exit $rb):"; sed 's/^/#   /' "$LAB_DIR/$name.snap"
		return 1
	fi
}

check "observe --json writes a snapshot" snap s1
check "... a JSON object of its kind, for the hub" python3 - "$LAB_DIR/s1.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["kind"] == "wgf-observed-state" and d["format_version"] == 1 and d["host"] == "hub", d
assert [i["interface"] for i in d["interfaces"]] == ["wg0"], d["interfaces"]
assert d["records"]["owned_interfaces"] == ["wg0"], d["records"]
assert d["interfaces"][0]["peers"] and d["sysctls"], d
PY
check "... with the hub's public key and never its private key" bash -c \
	"grep -qF \"\$(WGF_KEY_FILE='$LAB_DIR/hub.key' '$WGF' host pubkey)\" '$LAB_DIR/s1.json' &&
	 ! grep -qF \"\$(cat '$LAB_DIR/hub.key')\" '$LAB_DIR/s1.json'"
check "converged: the plan from the snapshot is the hub's (no changes)" same s1
check "... and its JSON too" same s1 --json
elsewhere plan --observed "$LAB_DIR/s1.json" "$repo" >/dev/null 2>&1; rc=$?
check "... exit 0 without root, the Host taken from the snapshot" test $rc -eq 0

# a change in the repository: one peer's keepalive
yaml_edit "$repo/peers/alice-laptop.yaml" "persistentKeepalive: 25" "persistentKeepalive: 17"
check "a change in the repository: the same plan from the snapshot" same s1
check "... which has changes" grep -q 'keepalive' "$LAB_DIR/s1.snap"
check "... and the same JSON" same s1 --json

# drift on the hub: a peer removed by hand, a route deleted
alice=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["interfaces"][0]["peers"][0]["public_key"])' "$LAB_DIR/s1.json")
in_host hub wg set wg0 peer "$alice" remove
in_host hub ip route del 192.168.50.0/24 dev wg0 proto 157 2>/dev/null
check "observe after drift" snap s2
check "drift: the same plan from the new snapshot" same s2
check "... which repairs it" grep -qE '^  \+ (peer|route)' "$LAB_DIR/s2.snap"

# the fleet view: plan --all with a directory of snapshots plans the hub on its own
mkdir -p "$LAB_DIR/snaps" && cp "$LAB_DIR/s2.json" "$LAB_DIR/snaps/hub.json" && chmod -R a+rX "$LAB_DIR/snaps"
elsewhere plan --all --observed "$LAB_DIR/snaps" "$repo" >"$LAB_DIR/all" 2>&1; rc=$?
check "plan --all --observed DIR: exit 2 (the hub drifted), without root" test $rc -eq 2
check "... the hub is planned against its snapshot: the very plan the hub prints" python3 - "$LAB_DIR/all" "$LAB_DIR/s2.host" <<'PY'
import sys
out = open(sys.argv[1]).read().split("\n")
start = out.index('== host "hub" (changes; against its snapshot)')
end = next(i for i in range(start + 1, len(out)) if out[i].startswith("== host") or out[i].startswith("Fleet:"))
got = "\n".join(out[start + 1:end]).strip("\n")
want = open(sys.argv[2]).read().strip("\n")
if got != want:
    print("# --all:\n" + got + "\n# the hub:\n" + want)
    sys.exit(1)
PY
check "... a Host without a snapshot is planned as before (homerouter: as a new Host)" grep -qx '== host "homerouter" (new Host)' "$LAB_DIR/all"

# the wrong Host, and broken snapshots
elsewhere plan --observed "$LAB_DIR/s1.json" --host homerouter "$repo" >"$LAB_DIR/wrong" 2>&1; rc=$?
check "another Host than the snapshot's: exit 1" test $rc -eq 1
check "... says whose it is" grep -qF "was observed for Host \"hub\", not \"homerouter\"" "$LAB_DIR/wrong"
head -c 200 "$LAB_DIR/s1.json" >"$LAB_DIR/cut.json"
elsewhere plan --observed "$LAB_DIR/cut.json" "$repo" >"$LAB_DIR/cut" 2>&1; rc=$?
check "a cut snapshot: exit 1, named" bash -c "test $rc -eq 1 && grep -q 'cut.json: not a JSON object' '$LAB_DIR/cut'"
python3 - "$LAB_DIR/s1.json" "$LAB_DIR/bad.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["interfaces"][0]["peers"][0]["allowed_ips"][0] = "10.0.0.300/32"
json.dump(d, open(sys.argv[2], "w"))
PY
chmod 644 "$LAB_DIR/bad.json"
elsewhere plan --observed "$LAB_DIR/bad.json" "$repo" >"$LAB_DIR/bad" 2>&1; rc=$?
check "a bad prefix: exit 1, at its place" bash -c "test $rc -eq 1 && grep -qF 'bad.json: interfaces[0].peers[0].allowed_ips: [0]: \"10.0.0.300/32\" is not an IP prefix' '$LAB_DIR/bad'"
check "nothing on the hub changed meanwhile" bash -c "! grep -qF '$alice' <<<'$(in_host hub wg show wg0 peers)'"

lab_done
