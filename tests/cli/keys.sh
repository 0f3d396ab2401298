# Key ages (wgf keys; validate's and plan's overdue warnings) on a git repository
# built with backdated commits: a hub's key kept since the first commit, a peer's
# key rotated later, a peer whose file moved (it keeps its age), a peer with its
# own shorter maxAge, a second hub with its own peer; keyCreated for a directory.
# Sourced by tests/cli/run (uses its $tmp, $WGF, run3, check).
ka=$tmp/keyage
mkdir -p "$ka/r/hosts" "$ka/r/peers"
kg() { git -C "$ka/r" -c user.name=t -c user.email=t@example.org "$@"; }
# kcommit DATE MESSAGE: everything, committed (author and committer) at DATE noon UTC
kcommit() { kg add -A && GIT_AUTHOR_DATE="$1T12:00:00Z" GIT_COMMITTER_DATE="$1T12:00:00Z" kg commit -qm "$2"; }
kkey() { wg genkey | wg pubkey; }
# kfp KEY: the key's fingerprint as an extended regular expression ("+" is one)
kfp() { printf '%s…' "${1:0:8}" | sed 's/+/\\+/g'; }
khost() { printf 'apiVersion: wgf/v1\nkind: Host\nmetadata: {name: %s}\nspec:\n  role: hub\n  publicKey: %s\n  endpoint: 198.51.100.%s:51820\n  addresses: [10.60.0.%s/24]\n%b' "$1" "$2" "$3" "$3" "${4:-}"; }
kpeer() { printf 'apiVersion: wgf/v1\nkind: Peer\nmetadata: {name: %s}\nspec:\n  publicKey: %s\n  addresses: [10.60.0.%s]\n  hubs: [%s]\n%b' "$1" "$2" "$3" "$4" "${5:-}"; }
HUB=$(kkey) HUB2=$(kkey) ALICE1=$(kkey) ALICE2=$(kkey) BOB=$(kkey) CAROL=$(kkey) DAVE=$(kkey)
printf 'apiVersion: wgf/v1\nkind: Network\nmetadata: {name: home}\nspec:\n  addressPools: {ipv4: 10.60.0.0/24}\n  rotation: {maxAge: 90d}\n' >"$ka/r/network.yaml"
khost hub "$HUB" 1 >"$ka/r/hosts/hub.yaml"
khost hub2 "$HUB2" 2 >"$ka/r/hosts/hub2.yaml"
kpeer alice "$ALICE1" 10 hub >"$ka/r/peers/alice.yaml"
kpeer bob "$BOB" 11 hub >"$ka/r/peers/bob.yaml"
kpeer dave "$DAVE" 12 hub2 >"$ka/r/peers/dave.yaml"
kg init -q -b main
kcommit 2026-01-01 base
sed -i 's/10.60.0.11\]/10.60.0.21]/' "$ka/r/peers/bob.yaml"
kcommit 2026-03-01 "bob renumbered (its key unchanged)"
kpeer alice "$ALICE2" 10 hub >"$ka/r/peers/alice.yaml"
kpeer carol "$CAROL" 13 hub '  rotation: {maxAge: 30d}\n' >"$ka/r/peers/carol.yaml"
kcommit 2026-06-01 "alice rotated; carol, with 30 days"
mkdir "$ka/r/peers/team" && kg mv peers/bob.yaml peers/team/bob.yaml
kcommit 2026-07-01 "bob moved"
base=$(kg rev-parse --short=8 HEAD~3) rot=$(kg rev-parse --short=8 HEAD~1)
aug1=$(date -u -d 2026-08-01T00:00:00Z +%s)
export WGF_NOW=$aug1

r=$(run3 "$WGF" keys --repo "$ka/r" --json)
cp "$tmp/o" "$ka/keys.json"
check "keys --repo --json: exit 0, parses (python3 -m json.tool)" bash -c "test $r -eq 0 && python3 -m json.tool '$ka/keys.json' >/dev/null"
# kjson PY: asserts PY about the JSON in $ka/keys.json (d: it, k: the keys by name)
kjson() { python3 -c "
import json; d=json.load(open('$ka/keys.json')); k={x['name']: x for x in d['keys']}
$1" || { head -c 3000 "$ka/keys.json"; echo; return 1; }; }
check "keys: the hub's key dates from the first commit: 211 days, due 2026-04-01, overdue" kjson "
x=k['hub']
assert (x['kind'], x['origin'], x['commit'], x['created'], x['age_days'], x['max_age_seconds'], x['due'], x['status']) == ('Host', 'commit', '$base', '2026-01-01T12:00:00Z', 211, 90*86400, '2026-04-01T12:00:00Z', 'overdue'), x
assert x['file'] == 'hosts/hub.yaml' and (x['line'], x['column']) == (2, 1), x"
check "keys: a rotated key dates from its rotation (2026-06-01), 60 days of 90: ok" kjson "
x=k['alice']
assert (x['origin'], x['commit'], x['created'], x['age_days'], x['due'], x['status']) == ('commit', '$rot', '2026-06-01T12:00:00Z', 60, '2026-08-30T12:00:00Z', 'ok'), x"
check "keys: a key whose file moved (and was edited before) keeps its age" kjson "
x=k['bob']
assert (x['file'], x['commit'], x['created'], x['status']) == ('peers/team/bob.yaml', '$base', '2026-01-01T12:00:00Z', 'overdue'), x"
check "keys: the Peer's own maxAge (30d) wins over the Network's" kjson "
x=k['carol']
assert (x['max_age_seconds'], x['created'], x['due'], x['status']) == (30*86400, '2026-06-01T12:00:00Z', '2026-07-01T12:00:00Z', 'overdue'), x"
check "keys: the summary counts, the source and the time" kjson "
assert d['summary'] == {'keys': 6, 'overdue': 5, 'due_soon': 0, 'ok': 1, 'unknown': 0, 'no_policy': 0}, d['summary']
assert d['kind'] == 'wgf-keys' and d['now'] == '2026-08-01T00:00:00Z' and d['source'].startswith('commit '), d"
check "keys --json: fingerprints only, never a whole key" bash -c "! grep -qF -e '$HUB' -e '$ALICE2' -e '$BOB' -e '$CAROL' -e '$DAVE' '$ka/keys.json' && grep -qF '\"fingerprint\":\"${HUB:0:8}…\"' '$ka/keys.json'"
r=$(run3 "$WGF" keys --repo "$ka/r" --due-within 30 --json)
check "keys --due-within 30: alice (due in 29 days) is due soon" bash -c "test $r -eq 0 && python3 -c '
import json; d=json.load(open(\"$tmp/o\")); a=[x for x in d[\"keys\"] if x[\"name\"] == \"alice\"][0]
assert a[\"status\"] == \"due_soon\" and d[\"due_within_days\"] == 30, a'"

r=$(run3 "$WGF" keys --repo "$ka/r")
check "keys (text): exit 0, Hosts then Peers, the most urgent first, each row's facts" bash -c "test $r -eq 0 &&
	grep -qx 'Hosts' '$tmp/o' && grep -qx 'Peers' '$tmp/o' && test \$(grep -nx Hosts '$tmp/o' | cut -d: -f1) -lt \$(grep -nx Peers '$tmp/o' | cut -d: -f1) &&
	grep -qE '^  overdue +hub +$(kfp "$HUB") +2026-01-01 +commit $base +211d +90d +2026-04-01\$' '$tmp/o' &&
	grep -qE '^  ok +alice +$(kfp "$ALICE2") +2026-06-01 +commit $rot +60d +90d +2026-08-30\$' '$tmp/o' &&
	test \$(grep -nE '^  overdue +carol' '$tmp/o' | cut -d: -f1) -lt \$(grep -nE '^  ok +alice' '$tmp/o' | cut -d: -f1) &&
	grep -qx '6 keys: 5 overdue, 0 due soon, 1 ok, 0 unknown, 0 without a policy' '$tmp/o'"
check "keys (text): no colour when stdout is not a terminal, no whole key" bash -c "! grep -q \$'\\033' '$tmp/o' && ! grep -qF -e '$HUB' -e '$ALICE2' '$tmp/o'"
if command -v script >/dev/null; then
	TERM=xterm script -qec "'$WGF' keys --repo '$ka/r'" /dev/null >"$ka/tty" 2>&1
	check "keys on a terminal: the status in colour" grep -qF $'\033[1;31moverdue' "$ka/tty"
	NO_COLOR=1 TERM=xterm script -qec "'$WGF' keys --repo '$ka/r'" /dev/null >"$ka/tty" 2>&1
	check "keys on a terminal with NO_COLOR: no colour" bash -c "grep -q 'overdue' '$ka/tty' && ! grep -q \$'\\033\\[' '$ka/tty'"
else
	skip "keys on a terminal: no script(1)"
fi
r=$(run3 "$WGF" keys --repo "$ka/r" --fail-on-overdue)
check "keys --fail-on-overdue with overdue keys: exit 2, the list still printed" bash -c "test $r -eq 2 && grep -q '5 overdue' '$tmp/o'"
r=$(WGF_NOW=$(date -u -d 2026-03-20 +%s) run3 "$WGF" keys --repo "$ka/r" --ref HEAD~2 --fail-on-overdue)
check "keys --ref HEAD~2 on 2026-03-20, nothing overdue: exit 0, every key due soon (2026-04-01)" bash -c "test $r -eq 0 && grep -qx '5 keys: 0 overdue, 5 due soon, 0 ok, 0 unknown, 0 without a policy' '$tmp/o' && grep -qE '^  due soon +hub +.* 2026-04-01\$' '$tmp/o'"
r=$(run3 "$WGF" keys --repo "$ka/r" --due-within soon)
check "keys --due-within soon: exit 1, says what it takes" bash -c "test $r -eq 1 && grep -q -- '--due-within takes a number of days' '$tmp/e'"
r=$(run3 "$WGF" keys --repo "$ka/r" --dir "$ka/r")
check "keys --dir with --repo: exit 1" bash -c "test $r -eq 1 && grep -q -- '--dir reads a directory' '$tmp/e'"

# validate: file:line:col warnings, errors with --fail-on-overdue
cat >"$ka/want" <<EOF
hosts/hub.yaml:2:1: warning: key of Host "hub" is 211 days old, rotation maxAge is 90 days: rotate it (wgf host rotate, on hub, then commit its next key)
hosts/hub2.yaml:2:1: warning: key of Host "hub2" is 211 days old, rotation maxAge is 90 days: rotate it (wgf host rotate, on hub2, then commit its next key)
peers/carol.yaml:2:1: warning: key of Peer "carol" is 60 days old, rotation maxAge is 30 days: rotate it (wgf peer rotate carol)
peers/dave.yaml:2:1: warning: key of Peer "dave" is 211 days old, rotation maxAge is 90 days: rotate it (wgf peer rotate dave)
peers/team/bob.yaml:2:1: warning: key of Peer "bob" is 211 days old, rotation maxAge is 90 days: rotate it (wgf peer rotate bob)
5 warnings
EOF
r=$(run3 "$WGF" validate --repo "$ka/r")
check "validate --repo: exit 0, one warning per overdue key at its file:line:col, nothing else" bash -c "test $r -eq 0 && diff '$ka/want' '$tmp/e'"
sed -e 's/: warning: /: error: /' -e 's/5 warnings/5 errors/' "$ka/want" >"$ka/want-err"
r=$(run3 "$WGF" validate --repo "$ka/r" --fail-on-overdue)
check "validate --fail-on-overdue: exit 1, the same as errors" bash -c "test $r -eq 1 && diff '$ka/want-err' '$tmp/e'"
r=$(run3 "$WGF" validate --repo "$ka/r" --fail-on-overdue --json)
check "validate --fail-on-overdue --json: valid false, the errors with their places" bash -c "test $r -eq 1 && python3 -c '
import json; d=json.load(open(\"$tmp/o\"))
assert d[\"valid\"] is False and d[\"error_count\"] == 5, d
e=[x for x in d[\"errors\"] if x[\"file\"] == \"peers/carol.yaml\"][0]
assert (e[\"line\"], e[\"column\"]) == (2, 1) and \"maxAge is 30 days\" in e[\"message\"], e'"
r=$(WGF_NOW=$(date -u -d 2026-02-01 +%s) run3 "$WGF" validate --repo "$ka/r" --fail-on-overdue)
check "validate --fail-on-overdue when nothing is overdue: exit 0, no warning" bash -c "test $r -eq 0 && ! test -s '$tmp/e'"

# plan: only the planned host's own key and its Peers'
# snap HOST: an empty snapshot of HOST (what `wgf observe --json` writes on a host with nothing yet)
snap() { printf '{"format_version": 1, "kind": "wgf-observed-state", "host": "%s", "interfaces": [], "routes": [], "sysctls": {}, "firewall": {"present": false, "listing": null}, "records": {"owned_interfaces": [], "declared_endpoints": [], "firewall": null}}\n' "$1" >"$ka/$1.json"; }
snap hub; snap hub2
r=$(run3 "$WGF" plan --repo "$ka/r" --observed "$ka/hub.json")
check "plan for hub: its key, bob's and carol's (its Peers), not hub2's or dave's" bash -c "test $r -eq 2 && diff <(grep -e hosts/hub.yaml -e carol -e bob '$ka/want') '$tmp/e' && grep -q 'wgf plan for host \"hub\"' '$tmp/o'"
r=$(run3 "$WGF" plan --repo "$ka/r" --observed "$ka/hub2.json")
check "plan for hub2: its key and dave's only" bash -c "test $r -eq 2 && diff <(grep -e hosts/hub2.yaml -e dave '$ka/want') '$tmp/e'"
r=$(run3 "$WGF" plan --repo "$ka/r" --observed "$ka/hub2.json" --fail-on-overdue)
check "plan --fail-on-overdue: exit 1, errors at file:line:col, no plan printed" bash -c "test $r -eq 1 && ! test -s '$tmp/o' && grep -qx 'peers/dave.yaml:2:1: error: key of Peer \"dave\" is 211 days old, rotation maxAge is 90 days: rotate it (wgf peer rotate dave)' '$tmp/e' && grep -qx 'wgf: 2 keys are overdue for rotation (--fail-on-overdue)' '$tmp/e'"
r=$(run3 "$WGF" plan --all --repo "$ka/r")
check "plan --all: every overdue key warned about once" bash -c "test $r -eq 2 && diff <(grep -v warnings '$ka/want') '$tmp/e'"
r=$(run3 "$WGF" plan --all --repo "$ka/r" --fail-on-overdue)
check "plan --all --fail-on-overdue: exit 1" bash -c "test $r -eq 1 && grep -q '5 keys are overdue' '$tmp/e'"

# a file name that is printed escaped (a backslash, a tab): its key is still found in history
mkdir -p "$ka/odd" && git -C "$ka/odd" init -q -b main
printf 'apiVersion: wgf/v1\nkind: Network\nmetadata: {name: n}\nspec:\n  addressPools: {ipv4: 10.60.0.0/24}\n  rotation: {maxAge: 1d}\n---\n' >"$ka/odd/we\ird	x.yaml"
khost h "$HUB" 1 >>"$ka/odd/we\ird	x.yaml"
git -C "$ka/odd" add -A && GIT_COMMITTER_DATE=2026-07-25T00:00:00Z git -C "$ka/odd" -c user.name=t -c user.email=t@example.org commit -qm odd
r=$(run3 "$WGF" validate --repo "$ka/odd")
check "a file name printed escaped: its key dated by history (7 days, maxAge 1 day), the place as printed" bash -c "test $r -eq 0 && grep -qxF 'we\\\\ird\\x09x.yaml:9:1: warning: key of Host \"h\" is 7 days old, rotation maxAge is 1 day: rotate it (wgf host rotate, on h, then commit its next key)' '$tmp/e'"

# a directory: keyCreated, else unknown; no policy without a rotation
mkdir -p "$ka/dir" && cp -r "$ka/r/." "$ka/dir/" && rm -rf "$ka/dir/.git"
printf '  keyCreated: 2026-01-31\n' >>"$ka/dir/hosts/hub.yaml"
printf '  keyCreated: 2026-07-20\n' >>"$ka/dir/peers/alice.yaml"
r=$(run3 "$WGF" keys --dir "$ka/dir" --json)
cp "$tmp/o" "$ka/keys.json"
check "keys --dir: exit 0" test "$r" -eq 0
check "keys --dir: keyCreated where given (hub overdue, alice ok), unknown elsewhere" kjson "
h, a, b = k['hub'], k['alice'], k['bob']
assert (h['origin'], h['commit'], h['created'], h['age_days'], h['status']) == ('keyCreated', None, '2026-01-31T00:00:00Z', 182, 'overdue'), h
assert (a['origin'], a['age_days'], a['due'], a['status']) == ('keyCreated', 12, '2026-10-18T00:00:00Z', 'ok'), a
assert (b['origin'], b['created'], b['age_days'], b['due'], b['status']) == ('unknown', None, None, None, 'unknown'), b
assert d['summary']['unknown'] == 4, d['summary']"
r=$(run3 "$WGF" validate "$ka/dir")
check "validate of the directory: only the hub's key (keyCreated) is overdue" bash -c "test $r -eq 0 && grep -qx 'hosts/hub.yaml:2:1: warning: key of Host \"hub\" is 182 days old, rotation maxAge is 90 days: rotate it (wgf host rotate, on hub, then commit its next key)' '$tmp/e' && test \$(grep -c ': warning: ' '$tmp/e') -eq 1"
sed -i '/rotation:/d' "$ka/dir/network.yaml"
r=$(run3 "$WGF" keys "$ka/dir" --fail-on-overdue)
check "keys PATH without a rotation policy: no policy, exit 0 with --fail-on-overdue" bash -c "test $r -eq 0 && grep -qE '^  no policy +hub +$(kfp "$HUB") +2026-01-31 +keyCreated +182d +- +-\$' '$tmp/o' && grep -q '5 without a policy' '$tmp/o'"
unset WGF_NOW
