#!/usr/bin/env bash
# The nftables table inet wgf in plan, apply and drift, on one real host (the VPS
# of examples/game-server): the first apply creates and records it, a converged
# apply sends nothing to nftables, drift made by hand (a rule, set elements, the
# whole table) is named by plan and undone by apply, a YAML change is one item,
# other tables (inet other, ip wgf) are never touched, and a batch the kernel
# refuses changes nothing at all.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
lab_start "${1:-build}"

repo=$LAB_DIR/repo
state=$LAB_DIR/state-vps
lab_repo game-server "$repo"
lab_switch
lab_host vps
lab_port vps 198.51.100.20/24
in_host vps ip addr add 198.51.100.21/24 dev eth0
set_public_key "$repo" vps "$(wgf_host_key vps)"

nft_vps() { in_host vps nft "$@"; }
listing() { nft_vps -s list table inet wgf 2>/dev/null; }
ruleset() { nft_vps -s list ruleset; }
# the kernel's listing that the last apply recorded
recorded() {
	python3 -c 'import json, sys; sys.stdout.write(json.load(open(sys.argv[1]))["listing"])' "$state/firewall"
}
same() { [ "$1" = "$2" ] || { diff <(printf '%s\n' "$2") <(printf '%s\n' "$1") | sed 's/^/#   /'; return 1; }; }
plan() { wgf_on vps plan "$repo" >"$LAB_DIR/$1" 2>&1; }
has() { grep -qF -- "$2" "$LAB_DIR/$1" || { sed 's/^/#   /' "$LAB_DIR/$1"; return 1; }; }
# watch FILE CMD...: CMD with `nft monitor` of the host's netfilter events in FILE;
# the monitor proves with sentinel tables (lib.sh mon_start, mon_stop) that it was
# listening before CMD and had written everything after it, else FILE.bad exists.
watch() {
	local out=$LAB_DIR/$1 rc; shift
	rm -f "$out.bad" "$out.why"
	mon_start vps nft "$out" 2>>"$out.why" || touch "$out.bad"
	"$@"; rc=$?
	mon_stop "$out" 2>>"$out.why" || touch "$out.bad"
	return $rc
}
# events FILE: the monitor's events (sentinels removed); fails when it did not run
events() {
	[ ! -e "$LAB_DIR/$1.bad" ] || {
		echo "#   nft monitor did not prove it ran (sentinel missing)" >&2
		cat "$LAB_DIR/$1.why" >&2
		return 1
	}
	mon_events "$LAB_DIR/$1"
}

# Someone else's tables, one of them named wgf in another family.
nft_vps -f - <<'NFT'
table inet other {
	set keep {
		type ipv4_addr
		elements = { 10.9.9.9 }
	}

	chain input {
		type filter hook input priority 10; policy accept;
		ip saddr @keep tcp dport 7 counter accept
	}
}
table ip wgf {
	chain c {
		counter
	}
}
NFT
foreign() { nft_vps -s list table inet other && nft_vps -s list table ip wgf; }
foreign_before=$(foreign)

# --- first apply creates the table ---
plan plan1; rc=$?
check "first plan exits 2" test $rc -eq 2
check "first plan creates the table" has plan1 "  + nftables table inet wgf"
check "... and lists a forward by name" has plan1 "      + forward 198.51.100.20 tcp/25565 → minecraft-box 10.30.0.10:25565 (minecraft)"
check "... and an access level" has plan1 "      + access peer minecraft-box: custom: only what policies allow"
check "... counted as one addition" grep -qx "Plan: 7 to add, 1 to change, 0 to destroy." "$LAB_DIR/plan1"
wgf_on vps apply --yes "$repo" >"$LAB_DIR/apply1" 2>&1
check "first apply" test $? -eq 0
check "nft list tables shows inet wgf" bash -c "ip netns exec $(lab_ns vps) nft list tables | grep -qx 'table inet wgf'"
L1=$(listing)
check "the table has the forwards' DNAT map" grep -q "198.51.100.20 . tcp . 25565 : 10.30.0.10" <<<"$L1"
check "the record is in the state dir, mode 0600" test "$(stat -c %a "$state/firewall")" = 600
check "the record holds the listing read after the apply" same "$(recorded)" "$L1"
check "the foreign tables are untouched" same "$(foreign)" "$foreign_before"

# --- converged: plan empty, a second apply sends nothing to nftables ---
plan plan2; rc=$?
check "plan after apply exits 0" test $rc -eq 0
check "... and says no changes" has plan2 "No changes"
# converged and nothing committed since: the plan does not list the table (the
# record's ruleset stamp still matches). Checked before any monitor runs: its
# sentinel tables are commits too.
# elems TAG: how many rule and set-element listings a plan asked nftables for; the
# plan must exit 0 (converged, no drift), else it prints "plan-exited-RC", which no
# numeric test accepts
# (LeakSanitizer cannot run under ptrace: leak checks are off for these traced runs)
elems() { in_host vps strace -f -e trace=sendto,sendmsg -o "$LAB_DIR/$1.strace" env ASAN_OPTIONS=detect_leaks=0 \
	WGF_KEY_FILE="$LAB_DIR/vps.key" WGF_STATE_DIR="$state" NO_COLOR=1 "$WGF" plan --host vps "$repo" >"$LAB_DIR/$1.out" 2>&1
	local rc=$?
	if [ $rc -ne 0 ]; then echo "plan-exited-$rc"; sed 's/^/#   /' "$LAB_DIR/$1.out" >&2; return 1; fi
	grep -c 'NFT_MSG_GETSETELEM\|NFT_MSG_GETRULE' "$LAB_DIR/$1.strace"; }
# count_is OP N VALUE: VALUE is a number and VALUE OP N (a non-number says so and fails)
count_is() { [[ $3 =~ ^[0-9]+$ ]] || { echo "#   not a count: $3" >&2; return 1; }; test "$3" "$1" "$2"; }
check "the record carries the ruleset stamp" grep -q '"stamp"' "$state/firewall"
check "converged plan: exits 0, the table is not listed (stamp unchanged)" count_is -eq 0 "$(elems fast1)"
# after a commit to a foreign table the plan lists it again, and finds no drift
nft_vps add table inet other2
check "after a foreign commit: the plan exits 0 and lists the table again" count_is -gt 0 "$(elems slow1)"
plan plan3; rc=$?
check "... and finds no drift (exit 0)" test $rc -eq 0
nft_vps delete table inet other2
handles=$(nft_vps -a list table inet wgf)
watch mon2 wgf_on vps apply --yes "$repo" >"$LAB_DIR/apply2" 2>&1; rc=$?
check "second apply succeeds with no changes" bash -c "[ $rc -eq 0 ] && grep -q 'No changes' '$LAB_DIR/apply2'"
check "second apply: nft monitor ran and saw no event" bash -c '[ -z "$1" ] || { sed "s/^/#   /" <<<"$1"; false; }' _ "$(events mon2 || echo "(monitor failed)")"
check "second apply: table, chain, rule and set handles unchanged" same "$(nft_vps -a list table inet wgf)" "$handles"


status() { wgf_on vps status "$repo" 2>&1 | grep '^nftables table'; }
check "status: the table is as applied" test "$(status)" = "nftables table inet wgf: as applied"

# --- drift: a rule added by hand ---
nft_vps add rule inet wgf from_tunnel tcp dport 22 accept
check "status: the table was changed outside wgf" test "$(status)" = "nftables table inet wgf: changed outside wgf"
plan drift1; rc=$?
check "rule added by hand: plan exits 2" test $rc -eq 2
check "... and names the rule" has drift1 "      ! changed outside wgf: + chain from_tunnel: tcp dport 22 accept"
check "... as one change" grep -qx "Plan: 0 to add, 1 to change, 0 to destroy." "$LAB_DIR/drift1"
thandle() { nft_vps -a list table inet wgf | sed -n '1s/.*# handle \([0-9]*\).*/\1/p'; }
th=$(thandle)
# (the table's handle, not nft monitor: the replace defines the table's maps with
# their elements, and nft 1.0.6's monitor can crash printing element events of
# concatenated interval maps: the emulated vm guest met it)
wgf_on vps apply --yes "$repo" >/dev/null 2>&1
check "... apply restores the table (listing as recorded)" same "$(listing)" "$L1"
check "... by replacing it: the table has a new handle ($th, then $(thandle))" \
	bash -c "test -n '$th' && test -n \"\$1\" && test '$th' != \"\$1\"" _ "$(thandle)"
plan drift1b
check "... and converges" test $? -eq 0

# --- drift: set and map elements ---
set=$(awk '$1 == "set" { print $2; exit }' <<<"$L1")
el=$(awk '$1 == "elements" && /jump/ { sub(/.*= \{ /, ""); sub(/,.*/, ""); sub(/ \}$/, ""); print; exit }' <<<"$L1")
nft_vps add element inet wgf "$set" "{ 192.0.2.0/24 }"
nft_vps delete element inet wgf src4 "{ ${el%% :*} }"
plan drift2; rc=$?
check "elements changed by hand: plan exits 2" test $rc -eq 2
check "... and names the added element" has drift2 "! changed outside wgf: + set $set: element 192.0.2.0/24"
check "... and the removed one" has drift2 "! changed outside wgf: - map src4: element $el"
wgf_on vps apply --yes "$repo" >/dev/null 2>&1
check "... apply restores the table" same "$(listing)" "$L1"

# --- drift: the whole table deleted ---
nft_vps delete table inet wgf
plan drift3; rc=$?
check "table deleted by hand: plan exits 2" test $rc -eq 2
check "... plans to create it" has drift3 "  + nftables table inet wgf"
check "... and says it was deleted" has drift3 "      ! changed outside wgf: table deleted"
check "... one addition" grep -qx "Plan: 1 to add, 0 to change, 0 to destroy." "$LAB_DIR/drift3"
wgf_on vps apply --yes "$repo" >/dev/null 2>&1
check "... apply creates it again as before" same "$(listing)" "$L1"
check "... and records it" same "$(recorded)" "$L1"
check "the foreign tables are still untouched" same "$(foreign)" "$foreign_before"

# --- a change in the YAML is one item ---
yaml_edit "$repo/hosts/vps.yaml" 'toPort: 8123' 'toPort: 8124'
plan yaml1; rc=$?
check "toPort changed in the YAML: plan exits 2" test $rc -eq 2
check "... and shows the forward's change" has yaml1 \
	"      ~ forward 198.51.100.20 tcp/80: minecraft-box 10.30.0.10:8123 (minecraft-map) → minecraft-box 10.30.0.10:8124 (minecraft-map)"
check "... and nothing else" test "$(grep -c '^      [-+~!]' "$LAB_DIR/yaml1")" -eq 1
wgf_on vps plan --json "$repo" >"$LAB_DIR/yaml1.json" 2>/dev/null
check "... --json carries the item" python3 - "$LAB_DIR/yaml1.json" <<'PY'
import json, sys
a = [c for c in json.load(open(sys.argv[1]))["changes"] if c["object"] == "nftables table"]
assert len(a) == 1 and a[0]["action"] == "update" and a[0]["name"] == "inet wgf", a
ch = a[0]["items"]["changed"]
assert [c["key"] for c in ch] == ["forward/198.51.100.20/tcp/80"], ch
assert ch[0]["after"].endswith("10.30.0.10:8124 (minecraft-map)"), ch
assert a[0]["drift"] == [] and a[0]["items"]["added"] == [] == a[0]["items"]["removed"], a
PY
handles=$(nft_vps -a list table inet wgf | grep -v 'elements\|^[[:space:]]*[0-9a-f.:]* \. ')
wgf_on vps apply --yes "$repo" >/dev/null 2>&1
check "... applied" grep -q "198.51.100.20 . tcp . 80 : 10.30.0.10 . 8124" <<<"$(listing)"
# a replace (add + delete + define) gives the table and every chain and rule new
# handles; changing elements keeps them (nft monitor is no help here: nft 1.0.6
# crashes printing element events of concatenated interval maps)
check "... as element changes: the table, its chains and rules keep their handles" same "$(nft_vps -a list table inet wgf | grep -v 'elements\|^[[:space:]]*[0-9a-f.:]* \. ')" "$handles"
plan yaml2
check "... and converged" test $? -eq 0
L2=$(listing)

# --- a batch the kernel refuses ---
# Another program owns a table named inet wgf (flags owner: only the netlink
# socket that created it may change it, Linux >= 5.12), so the kernel refuses
# wgf's transaction with EPERM, in a dry run too.
nft_vps delete table inet wgf
mkfifo "$LAB_DIR/owner"
in_host vps nft -i <"$LAB_DIR/owner" >/dev/null 2>&1 & owner=$!
exec 8>"$LAB_DIR/owner"
echo 'add table inet wgf { flags owner; }' >&8
echo 'add chain inet wgf squat { type filter hook input priority 0; policy accept; }' >&8
check "another program owns a table inet wgf" retry 10 bash -c \
	"ip netns exec $(lab_ns vps) nft -s list table inet wgf 2>/dev/null | grep -q 'flags owner'"
keepalive() { in_host vps wg show wg0 persistent-keepalive | awk -v k=U03mmfX3xCL65SIHdh0TgBfr1RwZXx+isUCXYMXMVAU= '$1 == k { print $2 }'; }
# with a peer change before it, the table is checked before anything changes
yaml_edit "$repo/peers/admin-laptop.yaml" 'persistentKeepalive: 25' 'persistentKeepalive: 30'
before=$(ruleset)
wgf_on vps apply --yes "$repo" >"$LAB_DIR/fail1" 2>&1; rc=$?
check "refused batch after a peer change: apply exits 1" test $rc -eq 1
check "... names the table, the kernel's reason, and that nothing changed" has fail1 \
	"wgf: apply failed: nftables table inet wgf (checked before any change; nothing was changed): Operation not permitted: wgf-nft-batch:1:"
check "... the ruleset is byte-identical" same "$(ruleset)" "$before"
check "... the peer was not changed (keepalive still 25)" test "$(keepalive)" = 25
check "... the journal records the failure" bash -c \
	"tail -1 '$state/journal' | grep '\"result\":\"failed\"' | grep -q 'nftables table inet wgf'"
check "... the record is still the last applied table" same "$(recorded)" "$L2"
# the table alone: its own transaction fails, all of it
yaml_edit "$repo/peers/admin-laptop.yaml" 'persistentKeepalive: 30' 'persistentKeepalive: 25'
wgf_on vps apply --yes "$repo" >"$LAB_DIR/fail2" 2>&1; rc=$?
check "refused batch alone: apply exits 1" test $rc -eq 1
check "... names the table and the kernel's reason" has fail2 "wgf: apply failed: nftables table inet wgf: Operation not permitted: wgf-nft-batch:1:"
check "... quotes the first error only, and counts the others" bash -c \
	"grep -qx 'add table inet wgf' '$LAB_DIR/fail2' && grep -qE '^\(and [0-9]+ more errors\)$' '$LAB_DIR/fail2'"
check "... says nothing needed undoing" bash -c "! grep -q undone '$LAB_DIR/fail2'"
check "... the ruleset is byte-identical" same "$(ruleset)" "$before"
exec 8>&-
wait "$owner" 2>/dev/null
check "the owner is gone, and its table with it" bash -c "! ip netns exec $(lab_ns vps) nft list table inet wgf >/dev/null 2>&1"
wgf_on vps apply --yes "$repo" >"$LAB_DIR/apply3" 2>&1
check "apply converges again" test $? -eq 0
check "... with the last table" same "$(listing)" "$L2"
plan final
check "... and plan is empty" test $? -eq 0
check "the foreign tables are untouched after all that" same "$(foreign)" "$foreign_before"
lab_done
