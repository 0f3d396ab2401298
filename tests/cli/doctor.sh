# wgf doctor's command line, sourced by tests/cli/run: usage errors, and its
# --json on this machine for a Host whose interface (drc0) was never made here:
# the shape of the answer, the checks that must then be problems, the key file
# named, nothing else changed. (tests/lab/test_doctor.sh proves each check on
# real tunnels.)
dr=$tmp/doctor
mkdir -p "$dr/net/hosts"
cat >"$dr/net/network.yaml" <<'Y'
apiVersion: wgf/v1
kind: Network
metadata:
  name: drcli
spec:
  interface: drc0
  listenPort: 19499
  addressPools:
    ipv4: 10.63.0.0/24
Y
drpub=$(WGF_KEY_FILE="$dr/hub.key" "$WGF" host init 2>/dev/null)
printf 'apiVersion: wgf/v1\nkind: Host\nmetadata:\n  name: hub\nspec:\n  role: hub\n  publicKey: %s\n  addresses: [10.63.0.1/24]\n  endpoint: 192.0.2.1:19499\n' \
	"$drpub" >"$dr/net/hosts/hub.yaml"
# drjq FILTER: jq -e on $tmp/o, false when it is empty
drjq() { [ -s "$tmp/o" ] && jq -e "$@" "$tmp/o" >/dev/null; }

r=$(run3 "$WGF" doctor --host nosuch --state-dir "$dr/state" "$dr/net")
check "doctor --host with no such Host: exit 1, says so" bash -c "test $r -eq 1 && ! test -s '$tmp/o' && grep -q 'no Host \"nosuch\"' '$tmp/e'"
r=$(run3 "$WGF" doctor --host hub "$dr/nothing-here")
check "doctor on a missing repository: exit 1" bash -c "test $r -eq 1 && ! test -s '$tmp/o'"
r=$(run3 "$WGF" doctor --host hub extra "$dr/net")
check "doctor with two paths: exit 1" test "$r" -eq 1
r=$(run3 "$WGF" doctor --json --host hub --key-file "$dr/hub.key" --state-dir "$dr/state" "$dr/net")
check "doctor --json, drc0 never made here: exit 4 (a problem)" test "$r" -eq 4
check "... twelve checks in the table's order, each with a status of three" drjq \
	'[.[].check] == ["backend","host-key","forwarding","rp-filter","firewall","mtu","listen-port","endpoints","clock","peers","state-dir","reconcile-timer"]
	 and all(.[]; .status == "ok" or .status == "warning" or .status == "problem")'
check "... the host key is ok, its public half named" drjq --arg k "$drpub" \
	'.[] | select(.check == "host-key") | .status == "ok" and (.message | contains("holds Host hub'"'"'s key " + $k))'
check "... peers: drc0 is not there, a problem with a hint" drjq \
	'.[] | select(.check == "peers") | .status == "problem" and (.message | test("drc0 is not there")) and .hint == "wgf apply"'
check "... the state directory does not exist yet: a warning, and doctor did not make it" \
	bash -c "jq -e '.[] | select(.check == \"state-dir\") | .status == \"warning\"' '$tmp/o' >/dev/null && ! test -e '$dr/state'"
r=$(run3 "$WGF" doctor --host hub --key-file "$dr/hub.key" --state-dir "$dr/state" --no-color "$dr/net")
check "doctor (text): exit 4, one line a check and its hint, no colour" \
	bash -c "test $r -eq 4 && grep -qE '^problem +peer handshakes +drc0 is not there' '$tmp/o' && grep -qE '^ +→ wgf apply$' '$tmp/o' && ! grep -q $'\033' '$tmp/o'"
