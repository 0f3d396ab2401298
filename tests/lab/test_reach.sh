#!/usr/bin/env bash
# wgf report's reachability diff on real tunnels: examples/isp-multitenant built by
# tests/lab/topo.py (a namespace per Host, Peer and LAN). For each change (a port
# opened for a contractor, a tenant's isolation lifted, a policy into another
# tenant) the report is made offline against the applied commit; then every flow
# it lists is probed on the data plane with the change not yet applied (its
# "before" verdict) and after `wgf apply` on every host (its "after" verdict). A
# control flow the report does not list keeps its verdict.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
lab_start "${1:-build}"
export LAB_DIR LAB_RUN
TOPO="python3 $here/topo.py"
E=isp-multitenant
start=$SECONDS

if ! $TOPO setup "$LAB_DIR/topo" "$E=$here/../../examples/$E"; then
	fail "topo.py setup"; lab_done; exit 1
fi
. "$LAB_DIR/topo/setup.sh"
T=$LAB_DIR/topo/topo.json
if ! topo_build >"$LAB_DIR/build.log" 2>&1; then
	fail "lab topology built"; sed 's/^/    /' "$LAB_DIR/build.log"; lab_done; exit 1
fi
topo_apply
topo_peers_up
check "every listener is listening (ss in its namespace)" topo_listeners
check "every tunnel has a handshake" $TOPO wait "$T" 45
echo "# lab up after $((SECONDS - start)) s"
repo=$LAB_DIR/repo-$E
g() { git -C "$repo" -c user.name=lab -c user.email=lab@example.org "$@"; }
g init -q -b main && g add -A && g commit -q -m applied

# probe_is VERDICT FROM TO PROTO PORT: topo.py's exit code for that verdict (accept 0, drop 20)
probe_is() {
	local want=$1 code rc; shift
	case $want in accept) code=0 ;; drop) code=20 ;; *) echo "probe_is: no verdict $want"; return 1 ;; esac
	$TOPO probe "$T" "$E" "$@"; rc=$?
	[ $rc -eq $code ] && return 0
	echo "# want $want (exit $code), got exit $rc"; return 1
}
# The report's flows as probes: "BEFORE AFTER FROM TO PROTO PORT", one per service
# (tunnel and LAN endpoints: the lab's internet is not a tenant's)
probes() {
	python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for f in d["reachability"]["flows"]:
    if f["from"]["kind"] not in ("tunnel", "lan") or f["to"]["kind"] not in ("tunnel", "lan"):
        continue
    for s in f["services"].split(", "):
        s = s.split(" ")[0]
        proto, _, port = s.partition("/")
        print(f["before"], f["after"], f["from"]["address"], f["to"]["address"], proto, port or "0")
PY
}
# hold ADDR: an address of a LAN that the report names and the lab has no host for
# is added to the LAN's namespace (the lab holds the addresses the tests name)
hold() {
	local ns pfx dev
	read -r ns pfx < <(python3 -c "
import sys; sys.path.insert(0, '$here'); import topo, ipaddress
ex = topo.load_topo('$T')['examples']['$E']; a = ipaddress.ip_address('$1')
n = max((topo.net(p) for p, o in ex['owners'] if a.version == topo.net(p).version and a in topo.net(p)),
        key=lambda n: n.prefixlen, default=None)
print(topo.owner_of(ex, '$1'), n)")
	case $ns in *-lan) ;; *) return 0 ;; esac
	in_host "$ns" ip -o addr show | grep -q " $1/" && return 0
	dev=$(in_host "$ns" ip -o addr show to "$pfx" | awk '{print $2; exit}')
	[ -n "$dev" ] && in_host "$ns" ip addr add "$1/${pfx#*/}" dev "$dev" && echo "# held $1 in $ns ($dev)"
}
# run_probes FILE WHICH: every probe of FILE (its before or after verdict) as a
# check; probes of one service one after the other (a listener per port), services
# in parallel (a drop takes ~3 s)
run_probes() {
	local file=$1 which=$2 key i=0 pids=()
	for key in $(awk '{print $5 "/" $6}' "$file" | sort -u); do
		(
			while read -r before after from to proto port; do
				[ "$proto/$port" = "$key" ] || continue
				want=$before; [ "$which" = after ] && want=$after
				if out=$(probe_is "$want" "$from" "$to" "$proto" "$port" 2>&1); then
					echo "ok - $name, $which: $from → $to $proto/$port is $want"
				else
					echo "not ok - $name, $which: $from → $to $proto/$port is $want"; echo "$out" | sed 's/^/    /'
				fi
			done <"$file"
		) >"$LAB_DIR/probe.$which.$i" 2>&1 &
		pids+=($!); i=$((i + 1))
	done
	wait "${pids[@]}"
	cat "$LAB_DIR"/probe."$which".* | while IFS= read -r line; do echo "$line"; done >"$LAB_DIR/probe.$which"
	rm -f "$LAB_DIR"/probe."$which".*
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "${line#ok - }" ;;
		"not ok - "*) fail "${line#not ok - }" ;;
		*) echo "$line" ;;
		esac
	done <"$LAB_DIR/probe.$which"
}

# change NAME CONTROL...: the working tree holds the change; report, probe, apply, probe
change() {
	local n
	name=$1; shift
	"$WGF" report --base main --format json "$repo" >"$LAB_DIR/$name.json" 2>"$LAB_DIR/$name.err"
	check "$name: wgf report exits 2 (hosts change)" test $? -eq 2
	probes "$LAB_DIR/$name.json" >"$LAB_DIR/$name.probes"
	n=$(wc -l <"$LAB_DIR/$name.probes")
	check "$name: the reachability diff lists flows ($n probes)" test "$n" -gt 0
	sed "s/^/# $name: /" "$LAB_DIR/$name.probes"
	for a in $(awk '{print $3; print $4}' "$LAB_DIR/$name.probes" | sort -u); do hold "$a"; done
	run_probes "$LAB_DIR/$name.probes" before
	check "$name, before: control $* keeps its verdict" probe_is "$@"
	topo_apply
	run_probes "$LAB_DIR/$name.probes" after
	check "$name, after: control $* keeps its verdict" probe_is "$@"
	g commit -q -a -m "$name"
}

sed -i 's/      ports: \[22\]/      ports: [22, 8080]/' "$repo/policies/globex-contractors.yaml"
change port-opened drop globex-dave 192.168.20.30 tcp 8081
check "port-opened: exactly one flow, tcp/8080" test "$(cat "$LAB_DIR/port-opened.probes")" = \
	"drop accept 10.40.20.11 192.168.20.30 tcp 8080"

sed -i 's/isolated: true /isolated: false/' "$repo/tenants/acme.yaml"
change acme-opened drop acme-alice globex-carol tcp 22

cat >"$repo/policies/acme-to-globex.yaml" <<'YAML'
apiVersion: wgf/v1
kind: Policy
metadata:
  name: acme-to-globex
spec:
  rules:
    - from: {tenant: acme}
      to: {cidr: 192.168.20.0/24}
      protocol: tcp
      ports: [22]
      action: accept
YAML
g add -A
change acme-to-globex drop acme-alice 192.168.20.10 tcp 23
check "acme-to-globex: every flow is flagged as into another tenant" python3 -c "
import json; f=json.load(open('$LAB_DIR/acme-to-globex.json'))['reachability']['flows']
assert f and all(x['cross_tenant'] for x in f)"
echo "# total $((SECONDS - start)) s"
lab_done
