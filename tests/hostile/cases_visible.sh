# Part 5 of the hostile-input suite: what the repository says is visible. A peer
# that no host configures (disabled, expired) never vanishes silently: validate
# names it with its place and why, and so does plan for the host it was on; a peer
# about to expire is named before it goes. Sourced by tests/hostile/run.
#
# base/: alice and bob are peers of hub (peers/alice.yaml, peers/bob.yaml; the
# "kind:" of each is at 2:1); router has none.

V_NOW=1780142400            # 2026-05-30T12:00:00Z, pinned for every case below
export WGF_NOW=$V_NOW

# vspec FILE LINE: append a spec field to a peer of base/
vspec() {
	printf '  %s\n' "$2" >>"$R/$1"
}

hcase "an expired peer is named with its place and the date (exit still 0)"
vspec peers/alice.yaml 'expires: "2026-01-31"'
hcheck 0 "peers/alice.yaml:2:1" 'warning: peer "alice" expired on 2026-01-31 and is not configured$'

hcase "a peer that expires this very second is expired"
vspec peers/alice.yaml 'expires: "2026-05-30T12:00:00Z"'
hcheck 0 "peers/alice.yaml:2:1" 'warning: peer "alice" expired on 2026-05-30T12:00:00Z and is not configured$'

hcase "a peer that expires one second from now is expiring, in 1 day"
vspec peers/alice.yaml 'expires: "2026-05-30T12:00:01Z"'
hcheck 0 "peers/alice.yaml:2:1" 'warning: peer "alice" expires on 2026-05-30T12:00:01Z, in 1 day, and is then no longer configured$'

hcase "a peer expiring within 14 days is named before it goes"
vspec peers/bob.yaml 'expires: "2026-06-01T12:00:00Z"'
hcheck 0 "peers/bob.yaml:2:1" 'warning: peer "bob" expires on 2026-06-01T12:00:00Z, in 2 days, and is then no longer configured$'

hcase "the last day of the horizon is inside it, the next second is not"
vspec peers/alice.yaml 'expires: "2026-06-13T12:00:00Z"'
vspec peers/bob.yaml 'expires: "2026-06-13T12:00:01Z"'
hcheck 0 "peers/alice.yaml:2:1" 'warning: peer "alice" expires on 2026-06-13T12:00:00Z, in 14 days,'
hnot 'peer "bob"'

hcase "--expiry-warning 0 names no expiring peer"
vspec peers/bob.yaml 'expires: "2026-06-01"'
hnone warning validate --expiry-warning 0 "$R"

hcase "--expiry-warning 0 still names an expired one"
vspec peers/bob.yaml 'expires: "2026-01-01"'
hcheck 0 "peers/bob.yaml:2:1" 'warning: peer "bob" expired on 2026-01-01' validate --expiry-warning 0 "$R"

hcase "an expiry far ahead is not named (until --expiry-warning reaches it)"
vspec peers/bob.yaml 'expires: "2099-01-01"'
hnone warning
hcase "--expiry-warning 36500 reaches 2099"
vspec peers/bob.yaml 'expires: "2099-01-01"'
hcheck 0 "peers/bob.yaml:2:1" 'warning: peer "bob" expires on 2099-01-01, in 26514 days,' validate --expiry-warning 36500 "$R"

hcase "a disabled peer is a note, whatever its expiry says"
vspec peers/alice.yaml 'enabled: false'
vspec peers/alice.yaml 'expires: "2026-01-31"'
hcheck 0 "peers/alice.yaml:2:1" 'note: peer "alice" is disabled \(enabled: false\) and is not configured$'
hnot "expired on"

hcase "every disabled peer is named, none left out (300 of them)"
for i in $(seq 1 300); do
	hfile "peers/off$i.yaml" <<Y
apiVersion: wgf/v1
kind: Peer
metadata: {name: off$i}
spec:
  publicKey: $(printf 'visible-off-%020d' "$i" | base64 -w0)
  addresses: [fd20::100:$i]
  hubs: [hub]
  enabled: false
Y
done
hrun
[ "$RC" -eq 0 ] || H_BAD="${H_BAD}exit $RC; "
V_N=$(grep -c '^peers/off[0-9]*\.yaml:2:1: note: peer "off[0-9]*" is disabled (enabled: false) and is not configured$' "$ERR")
[ "$V_N" -eq 300 ] || H_BAD="${H_BAD}$V_N notes, expected 300; "
hdone

hcase "a file name that would steer a terminal is escaped in the notice"
V_EVIL=$(printf 'e\033]0;pwned\007x')
hfile "peers/$V_EVIL.yaml" <<'Y'
apiVersion: wgf/v1
kind: Peer
metadata:
  name: evil
spec:
  publicKey: 2NEl+Z3hkCzMbF9VWKeOTGYqbKQ5rFXIu0Ey0wxd1Ww=
  addresses: [10.20.0.30]
  hubs: [hub]
  expires: "2026-01-01"
Y
hrun
hnot "$(printf '\033')"
hnot "$(printf '\007')"
[ "$RC" -eq 0 ] || H_BAD="${H_BAD}exit $RC; "
hmatch 'peers/e\x1b]0;pwned\x07x.yaml:2:1' 'warning: peer "evil" expired on 2026-01-01' ||
	H_BAD="${H_BAD}no escaped notice; "
hdone

hcase "validate --json: the same notices as data, the counts unchanged"
vspec peers/alice.yaml 'expires: "2026-01-31"'
vspec peers/bob.yaml 'enabled: false'
hrun validate --json "$R"
python3 - "$OUT" <<'PY' || H_BAD="${H_BAD}JSON notices wrong; "
import json, sys
d = json.load(open(sys.argv[1]))
assert d["valid"] and d["errors"] == [] and d["peers"] == 2, d
got = [(n["peer"], n["state"], n["expires"], n["severity"], n["file"], n["line"], n["column"])
       for n in d["peer_notices"]]
assert got == [("alice", "expired", "2026-01-31", "warning", "peers/alice.yaml", 2, 1),
               ("bob", "disabled", None, "note", "peers/bob.yaml", 2, 1)], got
PY
hdone

hcase "an invalid repository shows its errors, not notices"
vspec peers/alice.yaml 'expires: "2026-01-31"'
vspec peers/bob.yaml 'enabled: nope'
hcheck 1 "peers/bob.yaml:10:12" 'error: "enabled" must be true or false'
hnot "expired on"

# --- plan: the notices of the planned host. It reads the kernel (root, rtnetlink),
# so it runs in a network namespace of its own (unshare -n) and changes nothing.
if [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
	V_KEYS=$HOSTILE_TMP/visible-keys
	mkdir -p "$V_KEYS"
	# vplan HOST [ARGS…]: wgf plan for HOST of $R with a key that matches it
	vplan() {
		local host=$1 pub
		shift
		rm -f "$V_KEYS/$host.key"
		pub=$(WGF_KEY_FILE=$V_KEYS/$host.key "$WGF" host init) || H_BAD="${H_BAD}host init failed; "
		sed -i "s|publicKey: .*|publicKey: $pub|" "$R/hosts/$host.yaml"
		mkdir -p "$HOSTILE_TMP/vstate"
		OUT=$HOSTILE_TMP/out
		ERR=$HOSTILE_TMP/err
		NO_COLOR=1 timeout -k 5 60 unshare -n $HOSTILE_WRAP "$WGF" plan --host "$host" \
			--key-file "$V_KEYS/$host.key" --state-dir "$HOSTILE_TMP/vstate" "$@" "$R" \
			>"$OUT" 2>"$ERR" </dev/null
		RC=$?
		[ "$RC" -le 2 ] || H_BAD="${H_BAD}wgf exited $RC; "
	}

	hcase "plan: the hub lists its skipped and expiring peers before the summary"
	vspec peers/alice.yaml 'expires: "2026-01-31"'
	vspec peers/bob.yaml 'expires: "2026-06-01"'
	vplan hub
	[ "$RC" -eq 2 ] || H_BAD="${H_BAD}exit $RC, expected 2; "
	tail -n 7 "$OUT" | head -n 6 | diff -u - <(printf '%s\n' \
		'Skipped peers:' \
		'  alice: expired on 2026-01-31 (peers/alice.yaml:2:1)' \
		'' \
		'Expiring peers:' \
		'  bob: expires on 2026-06-01, in 2 days (peers/bob.yaml:2:1)' \
		'') >"$HOSTILE_TMP/diff" ||
		H_BAD="${H_BAD}plan tail differs: $(tr '\n' ' ' <"$HOSTILE_TMP/diff"); "
	tail -n 1 "$OUT" | grep -qE '^Plan: [0-9]+ to add, [0-9]+ to change, [0-9]+ to destroy\.$' ||
		H_BAD="${H_BAD}the summary is not the last line; "
	hnot '+ peer "alice"'
	grep -q '^  + peer "bob"' "$OUT" || H_BAD="${H_BAD}bob (still active) is not planned; "
	hdone

	hcase "plan --json: the hub's notices, next to the unchanged fields"
	vspec peers/alice.yaml 'enabled: false'
	vplan hub --json
	python3 - "$OUT" <<'PY' || H_BAD="${H_BAD}JSON notices wrong; "
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format_version"] == 2 and d["host"] == "hub" and "summary" in d and "changes" in d, d.keys()
assert [(n["peer"], n["state"], n["line"]) for n in d["peer_notices"]] == [("alice", "disabled", 2)], d["peer_notices"]
PY
	hdone

	hcase "plan: a host that does not carry the peers lists none of them"
	vspec peers/alice.yaml 'expires: "2026-01-31"'
	vplan router
	[ "$RC" -eq 2 ] || H_BAD="${H_BAD}exit $RC, expected 2; "
	hnot "Skipped peers"
	hnot "alice"
	hdone

	hcase "plan --expiry-warning 0: no expiring section"
	vspec peers/bob.yaml 'expires: "2026-06-01"'
	vplan hub --expiry-warning 0
	hnot "Expiring peers"
	hnot "Skipped peers"
	hdone
else
	echo "# skipped: the plan cases of cases_visible.sh need root and unshare -n"
fi
unset WGF_NOW
