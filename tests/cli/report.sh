# wgf report's reachability diff on changes to examples/isp-multitenant (one port
# opened, a tenant isolated, a path into another tenant), and every format of the
# report on every example; all as an unprivileged user. Sourced by tests/cli/run
# (uses its $pa, AS, run3, check).
rp=$pa/isp
cp -r "$top/examples/isp-multitenant" "$rp"
g() { git -c safe.directory='*' -C "$rp" -c user.name=t -c user.email=t@example.org "$@"; }
g init -q -b main && g add -A && g commit -q -m base
chown -R nobody "$rp"
# flows PY: asserts PY about the JSON report in $tmp/o (d: the report, f: its flows)
flows() { python3 -c "
import json; d=json.load(open('$tmp/o')); f=d['reachability']['flows']
assert d['kind'] == 'wgf-report', d['kind']
$1" || { head -c 3000 "$tmp/o"; echo; return 1; }; }

sed -i 's/      ports: \[22\]/      ports: [22, 8080]/' "$rp/policies/globex-contractors.yaml"
r=$(cd "$rp" && run3 "${AS[@]}" report --base main --format json)
check "reachability, one port opened: exactly that flow, with the rule that decides it" bash -c "test $r -eq 2 && $(declare -f flows); tmp='$tmp' flows \"
assert len(f) == 1, f
x=f[0]
assert (x['from']['label'], x['to']['label'], x['services']) == ('peer globex-dave', '192.168.20.30 (LAN 192.168.20.0/24 of host globex-router)', 'tcp/8080'), x
assert (x['before'], x['after'], x['decided_after'], x['decided_at']) == ('drop', 'accept', 'policy globex-contractors rule 1', 'policies/globex-contractors.yaml:9:7'), x
assert x['decided_before'].startswith('default drop'), x
assert not x['cross_tenant'] and not x['internet'] and x['opened'], x
assert d['reachability']['opened'] == 1 and d['reachability']['closed'] == 0\""
r=$(cd "$rp" && run3 "${AS[@]}" report --base main)
check "reachability in Markdown: the one row, the count, no warning" bash -c "test $r -eq 2 && grep -qxF '|  | peer globex-dave | 192.168.20.30 (LAN 192.168.20.0/24 of host globex-router) | tcp/8080 (IPv4) | drop | **accept** | policy globex-contractors rule 1 at policies/globex-contractors.yaml:9:7 |' '$tmp/o' && grep -qx '1 flow changes: 1 opened, 0 closed.' '$tmp/o' && ! grep -q '⚠' '$tmp/o'"
g checkout -q .

# a tenant isolated: base has acme open to the shared part of the network
sed -i 's/isolated: true /isolated: false/' "$rp/tenants/acme.yaml"
g commit -q -a -m "acme open"
sed -i 's/isolated: false/isolated: true /' "$rp/tenants/acme.yaml"
r=$(cd "$rp" && run3 "${AS[@]}" report --base HEAD --format json)
check "reachability, a tenant isolated: flows into it (and out of it to the shared part) go, nothing else" bash -c "test $r -eq 2 && $(declare -f flows); tmp='$tmp' flows \"
assert f and all(x['before'] == 'accept' and x['after'] == 'drop' for x in f), f
assert all((x['from']['tenant'], x['to']['tenant']) in (('acme', None), (None, 'acme')) for x in f), f
assert any(x['to']['tenant'] == 'acme' and x['from']['label'] == 'host core' for x in f), f
assert d['reachability']['opened'] == 0 and d['reachability']['flagged'] == 0\""
g checkout -q .
r=$(cd "$rp" && run3 "${AS[@]}" report --base HEAD~1 --format json)
check "reachability, the same the other way (base isolated, head open): the opening into acme is flagged" bash -c "test $r -eq 2 && $(declare -f flows); tmp='$tmp' flows \"
assert f and all(x['opened'] for x in f), f
assert all(x['cross_tenant'] == (x['to']['tenant'] == 'acme' and x['from']['tenant'] is None) for x in f), f
assert d['reachability']['flagged'] == sum(x['cross_tenant'] for x in f) > 0\""

# a path into another tenant: acme may reach globex's LAN on ssh
cat >"$rp/policies/acme-to-globex.yaml" <<'YAML'
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
chown nobody "$rp/policies/acme-to-globex.yaml"
r=$(cd "$rp" && run3 "${AS[@]}" report --base HEAD --format json)
check "reachability, a path into another tenant: every new flow flagged cross_tenant, ssh from acme to globex's LAN" bash -c "test $r -eq 2 && $(declare -f flows); tmp='$tmp' flows \"
assert f and all(x['opened'] and x['cross_tenant'] and x['services'] == 'tcp/22' for x in f), f
assert all(x['from']['tenant'] == 'acme' and x['to']['tenant'] == 'globex' for x in f), f
assert all(x['decided_after'] == 'policy acme-to-globex rule 1' for x in f), f
assert d['reachability']['flagged'] == len(f)\""
r=$(cd "$rp" && run3 "${AS[@]}" report --base HEAD)
check "reachability in Markdown: the warning line and the marked rows" bash -c "test $r -eq 2 && grep -qE '^> ⚠️ \*\*[0-9]+ changes? opens? a path into another tenant' '$tmp/o' && grep -qE '^\| ⚠️ \*\*into another tenant\*\* \| .* \| tcp/22 .*\| drop \| \*\*accept\*\* \| policy acme-to-globex rule 1 at policies/acme-to-globex.yaml:7:7 \|\$' '$tmp/o'"
r=$(cd "$rp" && run3 "${AS[@]}" report --base HEAD --format html)
check "reachability in HTML: the warning and the marked rows" bash -c "test $r -eq 2 && grep -q 'class=\"warn\"' '$tmp/o' && grep -q '⚠ into another tenant' '$tmp/o' && grep -q '</html>' '$tmp/o'"
rm "$rp/policies/acme-to-globex.yaml"

# every format on every example, unprivileged
for ex in "$top"/examples/*/; do
	case $(basename "$ex") in ci|grafana) continue;; esac
	n=$(basename "$ex")
	nh=$(find "$ex" -name '*.yaml' -exec cat {} + | grep -c '^kind: Host')
	r=$(run3 "${AS[@]}" report "$ex")
	check "report $n (markdown), unprivileged: exit 2, a row per host, the reachability section" bash -c "test $r -eq 2 && ! test -s '$tmp/e' && test \$(grep -c '^| .* | added | ' '$tmp/o') -eq $nh && grep -qx '### Reachability' '$tmp/o'"
	r=$(run3 "${AS[@]}" report --format html "$ex")
	check "report $n --format html, unprivileged: one page, an SVG box per host, nothing unescaped" bash -c "test $r -eq 2 && ! test -s '$tmp/e' && head -n1 '$tmp/o' | grep -qx '<!DOCTYPE html>' && tail -n1 '$tmp/o' | grep -qx '</main></body></html>' && test \$(grep -c '<rect ' '$tmp/o') -eq $nh && ! grep -qi '<script' '$tmp/o'"
	r=$(run3 "${AS[@]}" report --format json "$ex")
	check "report $n --format json, unprivileged: a wgf-report with every host and the reachability" bash -c "test $r -eq 2 && ! test -s '$tmp/e' && python3 -c '
import json; d=json.load(open(\"$tmp/o\"))
assert d[\"kind\"] == \"wgf-report\" and d[\"base\"] is None
assert len(d[\"hosts\"]) == $nh and all(h[\"status\"] == \"added\" for h in d[\"hosts\"])
r=d[\"reachability\"]; assert r[\"closed\"] == 0 and r[\"opened\"] == len(r[\"flows\"]) > 0 and r[\"groups\"] <= r[\"endpoints\"]'"
done

# a fleet larger than a comment: the table lists at most 100 rows and counts the
# rest, unchanged hosts in one row, and --head names the change
fr=$pa/fleet
"$top/tests/bench/gen_fleet" "$fr" --hubs 3 --routers 150 --peers 30 >/dev/null
gf() { git -c safe.directory='*' -C "$fr" -c user.name=t -c user.email=t@example.org "$@"; }
gf init -q -b main && gf add -A && gf commit -q -m base
sed -i '0,/lans: \[172.16.0.0\/24\]/s//lans: [172.16.0.0\/24, 172.31.0.0\/24]/' "$fr/routers/r00000.yaml"
gf commit -q -a -m "a LAN more on br-0000" && gf checkout -q HEAD~1
chown -R nobody "$fr"
r=$(cd "$fr" && run3 "${AS[@]}" report --base main~1 --head main)
check "report --head REF: the head is that commit, not the checkout" bash -c "test $r -eq 2 && grep -q '^Head: commit [0-9a-f]\{12\} (main)' '$tmp/o'"
check "report of 153 hosts: at most 100 rows, the rest counted" bash -c "test \$(grep -c '^| br-\|^| hub-' '$tmp/o') -le 100 && grep -qE '^\| \*[0-9]+ (more hosts|hosts)\* \|' '$tmp/o'"
check "report of 153 hosts: the sum line counts them all" grep -qE '^\*\*153 hosts, [0-9]+ with changes' "$tmp/o"
check "report of 153 hosts: within a pull-request comment (65,536 bytes)" test "$(wc -c <"$tmp/o")" -lt 65536
