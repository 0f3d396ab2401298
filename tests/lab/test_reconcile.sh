#!/usr/bin/env bash
# `wgf reconcile` (issue 12) against a real git server (tests/lab/gitserver.sh):
# OpenSSH's sshd with a deploy key and a pinned host key, git's smart HTTP over
# TLS with a test CA and a token, in a namespace of its own joined to the hub's.
# The hub follows the branch main of the repository; peers bob and carol are
# plain wg clients whose pings prove what was applied.
#
#   pull: a signed commit that adds a peer, over SSH, then over HTTPS (token);
#   trust: unsigned, unknown key, wrong namespace, force-push to an older signed
#     commit: each refused (exit 3, the commit and the reason named) with the
#     host byte-identical; --allow-rewind applies a rewind once; signed-tag mode;
#   host keys: a wrong one refused; none refused unless --accept-new-host-key;
#   a hung server: a run bounded by --fetch-timeout, backoff, recovery; a server
#     that is down: the same, backoff growing; suspend and resume; drift by hand
#     repaired by the next run; `wgf journal verify` on an intact journal and on
#     each kind of tampering.
set -u
LAB_RUN=${LAB_RUN:-wgfrc$$}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/gitserver.sh"
lab_start "${1:-build}"
lab_need git ssh-keygen openssl /usr/sbin/sshd jq wg || { lab_done; exit 1; }
if ! "$WGF" reconcile --help >/dev/null 2>&1; then
	fail "$WGF has no reconcile command (wgf reconcile --help fails)"; lab_done; exit 1
fi

# --- the lab: hub (runs wgf), bob and carol (plain wg), the git server -------------
lab_switch
for h in hub bob carol; do lab_host "$h"; done
lab_port hub 198.51.100.1/24
lab_port bob 198.51.100.11/24
lab_port carol 198.51.100.12/24
gs_init "$(lab_ns hub)" 192.0.2.1/24 192.0.2.2/24 || { fail "gs_init (the git server's namespace)"; lab_done; exit 1; }
in_host hub mount --bind "$(gs_hosts_file)" /etc/hosts

HUBPUB=$(wgf_host_key hub)
declare -A PUB
for p in alice bob carol dave erin frank grace; do
	(umask 077; wg genkey >"$LAB_DIR/$p.key")
	PUB[$p]=$(wg pubkey <"$LAB_DIR/$p.key")
done

# q TEXT: TEXT quoted for an extended regular expression (fingerprints hold + and /)
q() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|]/\\&/g'; }

# --- the repository and its signers ---------------------------------------------
admin=$(gs_signing_key admin)
mallory=$(gs_signing_key mallory)
ADMIN_FP=$(gs_fingerprint "$admin")
MALLORY_FP=$(gs_fingerprint "$mallory")
ADMIN_RE=$(q "$ADMIN_FP") MALLORY_RE=$(q "$MALLORY_FP")
etc=$LAB_DIR/etc
mkdir -p "$etc"
gs_allowed_signers "$etc/allowed_signers" admin@example.org "$admin"
work=$LAB_DIR/work
gs_repo net && gs_work net "$work"
mkdir -p "$work/hosts" "$work/peers"
cat >"$work/network.yaml" <<'EOF'
apiVersion: wgf/v1
kind: Network
metadata:
  name: lab
spec:
  interface: wg0
  listenPort: 51820
  addressPools:
    ipv4: 10.10.0.0/24
EOF
cat >"$work/hosts/hub.yaml" <<EOF
apiVersion: wgf/v1
kind: Host
metadata:
  name: hub
spec:
  role: hub
  publicKey: $HUBPUB
  endpoint: 198.51.100.1:51820
  addresses: [10.10.0.1/24]
EOF
# peer NAME ADDR: peers/NAME.yaml, a peer of the hub
peer() {
	cat >"$work/peers/$1.yaml" <<EOF
apiVersion: wgf/v1
kind: Peer
metadata:
  name: $1
spec:
  publicKey: ${PUB[$1]}
  addresses: [$2]
  hubs: [hub]
EOF
}
peer alice 10.10.0.10
check "the repository is valid" "$WGF" validate "$work"

# bob and carol: plain wg clients of the hub
for c in bob carol; do
	n=$([ $c = bob ] && echo 11 || echo 12)
	plain_peer $c "$LAB_DIR/$c.key" "10.10.0.$n/24" "$HUBPUB" 198.51.100.1:51820 10.10.0.0/24
done
# reconnect CLIENT: the client drops its session and starts over (a peer the hub
# forgot and got back would otherwise wait for WireGuard's rekey timeout, ~15 s)
reconnect() {
	in_host "$1" wg set wg0 peer "$HUBPUB" remove
	in_host "$1" wg set wg0 peer "$HUBPUB" endpoint 198.51.100.1:51820 allowed-ips 10.10.0.0/24 persistent-keepalive 25
}

# --- the host's configuration, and how a run is made -------------------------------
STATE=$LAB_DIR/state-hub
CONF=$etc/reconcile.conf
gs_sshd_start || { fail "sshd for the git server"; lab_done; exit 1; }
gs_known_hosts "$etc/known_hosts"
cp "$etc/known_hosts" "$etc/known_hosts.good"
SSH_URL=$(gs_ssh_url net)
SSH_RE=$(q "$SSH_URL")
cat >"$CONF" <<EOF
# wgf reconcile on the lab's hub (tests/lab/test_reconcile.sh)
remote = $SSH_URL
ref = main
verify = commit
allowed-signers = $etc/allowed_signers
ssh-key = $GS_DEPLOY_KEY
known-hosts = $etc/known_hosts
fetch-timeout = 3
interval = 2
backoff-max = 8
host = hub
key-file = $LAB_DIR/hub.key
EOF
note "remote: $SSH_URL"

# rec NAME [ARGS...]: one `wgf reconcile` on the hub with the config file; its output
# in $LAB_DIR/NAME.out (OUT), exit code RC, wall time MS (milliseconds)
rec() {
	local name=$1 t0; shift
	OUT=$LAB_DIR/$name.out
	t0=$(date +%s%N)
	in_host hub env -u SUDO_USER NO_COLOR=1 "$WGF" reconcile --config "$CONF" --state-dir "$STATE" "$@" >"$OUT" 2>&1
	RC=$?
	MS=$(ms_since "$t0")
}
# rec_traced NAME [ARGS...]: rec under strace (wgf_traced): $LAB_DIR/NAME.strace for wg_writes
rec_traced() {
	local name=$1; shift
	OUT=$LAB_DIR/$name.out
	wgf_traced hub "$LAB_DIR/$name.strace" reconcile --config "$CONF" --state-dir "$STATE" "$@" >"$OUT" 2>&1
	RC=$?
}
show() { sed 's/^/#     /' "$OUT" | tail -n "${1:-12}"; }
# rc_is CODE: the last run exited CODE (else shows its output)
rc_is() { [ "$RC" -eq "$1" ] && return 0; echo "#   exit $RC, want $1:"; show; return 1; }
# says ERE: a line of the last run's output matches (else shows it)
says() { grep -qE -- "$1" "$OUT" && return 0; echo "#   no line matches /$1/:"; show; return 1; }
rc_says() { rc_is "$1" && says "$2"; }
says_not() { ! grep -qE -- "$1" "$OUT" && return 0; echo "#   a line matches /$1/:"; show; return 1; }
# st: `wgf status --json` of the hub into $LAB_DIR/status.json; sj FILTER: a jq value of it
st() { in_host hub env NO_COLOR=1 "$WGF" status --json --state-dir "$STATE" >"$LAB_DIR/status.json" 2>"$LAB_DIR/status.err"; }
sj() { jq -r "$1" "$LAB_DIR/status.json" 2>/dev/null; }
# sj_is FILTER VALUE: after st, FILTER is VALUE (else shows what it is)
sj_is() {
	local v; v=$(sj "$1")
	[ "$v" = "$2" ] && return 0
	echo "#   status --json: $1 is '$v', want '$2'"
	[ -s "$LAB_DIR/status.json" ] || sed 's/^/#     /' "$LAB_DIR/status.err"
	return 1
}
epoch() { date -u -d "$1" +%s 2>/dev/null; }
hub_has() { in_host hub wg show wg0 peers 2>/dev/null | grep -qxF "${PUB[$1]}"; }
hub_lacks() { ! hub_has "$1"; }
no_ping() { ! in_host "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1; }
short() { echo "${1:0:12}"; }
quiet() { "$@" >/dev/null 2>&1; }
# only_wireguard_go: no process but wireguard-go is left in the hub's namespace
only_wireguard_go() {
	local left
	left=$(ps -o pid=,args= -p "$(ip netns pids "$(lab_ns hub)" | paste -sd, -)" | grep -v wireguard-go)
	[ -z "$left" ] && return 0
	echo "$left" | sed 's/^/#   left: /'
	return 1
}

# hostsnap FILE: what wgf configures on the hub and its kernel's view of it: the
# device and peers (handshakes and counters left out: traffic moves them), links,
# addresses, routes of every table, the whole nftables ruleset (counters zeroed)
hostsnap() {
	in_host hub sh -c '
		wg show wg0 dump 2>&1 | awk "NR == 1 { print \$2, \$3, \$4; next } { print \$1, \$2, \$3, \$4, \$8 }" | sort
		ip -d link show 2>/dev/null; ip -d addr show 2>/dev/null
		ip -d -4 route show table all; ip -d -6 route show table all
		nft list ruleset' 2>&1 | sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/' >"$1"
}
# same_host FILE: the hub is as snapshot FILE says (else the difference)
same_host() {
	hostsnap "$LAB_DIR/snap.now"
	cmp -s "$1" "$LAB_DIR/snap.now" && return 0
	diff "$1" "$LAB_DIR/snap.now" | sed 's/^/#   /' | head -n 20
	return 1
}
wg_wrote_nothing() { test "$(wg_writes "$LAB_DIR/$1.strace")" = "0 0"; }

# --- pull over SSH ----------------------------------------------------------------
C1=$(gs_commit_signed "$work" "$admin" "hub and alice")
gs_push "$work"

rec dry --dry-run
check "--dry-run: does not fail" test "$RC" -ne 1 -a "$RC" -ne 3
check "--dry-run: shows the plan (+ peer alice)" says '\+ peer "alice"'
check "--dry-run: applies nothing (no wg0)" bash -c "! ip -n $(lab_ns hub) link show wg0 >/dev/null 2>&1"

rec first
check "first run over SSH: exit 0" rc_is 0
check "first run: 'Reconciled to commit $(short "$C1") (main), signed by admin@example.org $ADMIN_FP: …'" \
	says "^Reconciled to commit $(short "$C1") \(main\), signed by admin@example.org $ADMIN_RE: [0-9]+ added, [0-9]+ changed, [0-9]+ destroyed\.$"
check "first run: wg0 is up with alice" hub_has alice
check "the mirror is bare, wgf's own, 0700" test "$(stat -c %a "$STATE/mirror.git" 2>/dev/null)" = 700 -a \
	"$(git --git-dir="$STATE/mirror.git" rev-parse --is-bare-repository 2>/dev/null)" = true
check "the mirror holds the fetched commit as refs/wgf/fetched" \
	test "$(git --git-dir="$STATE/mirror.git" rev-parse refs/wgf/fetched 2>/dev/null)" = "$C1"
st
check "status: last_applied is the commit" sj_is .reconcile.last_applied.revision "$C1"
check "status: signed by admin@example.org" sj_is .reconcile.last_applied.signer.principal admin@example.org
check "status: the signer's fingerprint" sj_is .reconcile.last_applied.signer.fingerprint "$ADMIN_FP"
check "status: outcome applied" sj_is .reconcile.last_attempt.outcome applied
check "status: no failures" sj_is .reconcile.consecutive_failures 0
check "status: remote, ref, verify" sj_is '[.reconcile.remote, .reconcile.ref, .reconcile.verify] | join(" ")' "$SSH_URL main commit"

peer bob 10.10.0.11
C2=$(gs_commit_signed "$work" "$admin" "add bob")
gs_push "$work"
rec add-bob
check "a signed commit that adds bob, pulled over SSH: exit 0" rc_is 0
check "... reconciled to it" says "^Reconciled to commit $(short "$C2") \(main\)"
check "... bob is a peer of the hub" hub_has bob
check "bob pings the hub through the tunnel" pings bob 10.10.0.1
rec_traced again
check "a second run: exit 0, nothing to do" rc_is 0
check "... says the commit is applied" says "^Reconciled: commit $(short "$C2").* is applied; nothing to do\.$"
check "... and writes nothing to WireGuard" wg_wrote_nothing again
st
check "status: outcome no-changes" sj_is .reconcile.last_attempt.outcome no-changes

# --- pull over HTTPS --------------------------------------------------------------
echo "wgf-lab-token-$$" >"$etc/token"
chmod 600 "$etc/token"
gs_https_start 443 "$etc/token" || fail "the HTTPS git server starts"
HTTPS_URL=$(gs_https_url net)
HTTPS_RE=$(q "$HTTPS_URL")
HTTPS=(--remote "$HTTPS_URL" --ca-file "$GS_CA")
note "remote: $HTTPS_URL"
peer carol 10.10.0.12
C3=$(gs_commit_signed "$work" "$admin" "add carol")
gs_push "$work"
rec https-notoken "${HTTPS[@]}"
check "HTTPS without the token: exit 1" rc_is 1
check "... 'wgf: fetch from $HTTPS_URL failed: …'" says "^wgf: fetch from $HTTPS_RE failed: "
check "... carol is not applied" hub_lacks carol
rec https-noca --force --remote "$HTTPS_URL" --token-file "$etc/token"
check "HTTPS without the test CA (system store only): exit 1" rc_is 1
check "... the fetch failed" says "^wgf: fetch from $HTTPS_RE failed: "
rec https --force "${HTTPS[@]}" --token-file "$etc/token"
check "a signed commit that adds carol, pulled over HTTPS with the token: exit 0" rc_is 0
check "... reconciled to it" says "^Reconciled to commit $(short "$C3") \(main\), signed by admin@example.org"
check "... the server saw the token" grep -q 'git-upload-pack -> 200 user=' "$GS_DIR/https.log"
check "carol pings the hub through the tunnel" pings carol 10.10.0.1
check "bob still pings the hub" pings bob 10.10.0.1
st
check "status: remote is the HTTPS URL, failures back to 0" \
	sj_is '"\(.reconcile.remote) \(.reconcile.consecutive_failures)"' "$HTTPS_URL 0"
# (libgit2 1.5 with mbedTLS 2.28 matches a certificate's DNS names only: by address is informative)
rec https-ip --remote "https://$GS_ADDR/net.git" --ca-file "$GS_CA" --token-file "$etc/token"
note "HTTPS by address ($GS_ADDR, an IP subject alternative name): exit $RC: $(head -n 1 "$OUT")"
rec back-to-ssh --force
check "back on SSH: exit 0, nothing to do" rc_is 0

# --- refused commits: the host stays byte-identical --------------------------------
hostsnap "$LAB_DIR/snap.c3"
mon_start hub ip "$LAB_DIR/mon.refused"; mon1=$?
refused() {   # refused NAME COMMIT WHAT REASON REASON_ERE: a run that must refuse COMMIT
	local name=$1 c=$2 what=$3 reason=$4 re=$5
	rec_traced "$name" --force
	check "$what: exit 3 (refused)" rc_is 3
	check "$what: 'wgf: refused commit $(short "$c")…: $reason'" says "^wgf: refused commit $c: $re"
	check "$what: nothing written to WireGuard" wg_wrote_nothing "$name"
	check "$what: the host is byte-identical" same_host "$LAB_DIR/snap.c3"
	check "$what: dave is not a peer" hub_lacks dave
}
peer dave 10.10.0.13
U=$(gs_commit_unsigned "$work" "add dave, unsigned")
gs_push "$work"
refused unsigned "$U" "an unsigned commit" "not signed" "not signed"
st
check "status: last attempt refused, the commit and the reason" \
	sj_is '"\(.reconcile.last_attempt.outcome) \(.reconcile.last_attempt.revision) \(.reconcile.last_attempt.reason)"' "refused $U not signed"
check "status: last applied is still $(short "$C3")" sj_is .reconcile.last_applied.revision "$C3"

gs_git -C "$work" reset -q --hard "$C3"; peer dave 10.10.0.13
M=$(gs_commit_signed "$work" "$mallory" "add dave, signed by mallory")
gs_force_push "$work" "$M"
# (the reasons' wording is the spec's "e.g.": the checks ask for what they must name)
refused unknown-key "$M" "a commit signed by a key not in allowed_signers" "… mallory's key … the allowed-signers file …" \
	".*($MALLORY_RE.*$(q "$etc/allowed_signers")|$(q "$etc/allowed_signers").*$MALLORY_RE)"
st
check "status: the refused commit's signer key is named" bash -c "grep -qF -- '$MALLORY_FP' '$LAB_DIR/status.json'"

gs_git -C "$work" reset -q --hard "$C3"; peer dave 10.10.0.13
W=$(gs_commit_wrong_ns "$work" "$admin" "add dave, signed for namespace file")
gs_force_push "$work" "$W"
refused wrong-ns "$W" "a commit signed by admin for namespace \"file\"" '… namespace "file", not "git"' '.*namespace "file", not "git"'
st
check "status: 3 consecutive failures" sj_is .reconcile.consecutive_failures 3
mon_stop "$LAB_DIR/mon.refused"; mon2=$?
check "ip monitor ran through the refusals and saw nothing on wg0 or wgf's routes" \
	bash -c "[ $mon1$mon2 = 00 ] && ! grep -E 'wg0|proto (157|wgf)' '$LAB_DIR/mon.refused' | grep -q ."

# never backwards: bob is revoked, then main is pointed back at the commit that had him
gs_git -C "$work" reset -q --hard "$C3"
rm "$work/peers/bob.yaml"
C4=$(gs_commit_signed "$work" "$admin" "revoke bob")
gs_force_push "$work" "$C4"
rec revoke --force
check "revoking bob (signed commit on top of the last applied): exit 0" rc_is 0
check "... bob is no longer a peer" hub_lacks bob
check "... and bob's pings fail" no_ping bob 10.10.0.1
hostsnap "$LAB_DIR/snap.c4"
gs_force_push "$work" "$C3"
rec_traced rewind
check "force-push back to the older signed commit $(short "$C3"): exit 3" rc_is 3
check "... 'not a descendant of the last applied revision $(short "$C4")…'" \
	says "^wgf: refused commit $C3: not a descendant of the last applied revision $C4"
check "... nothing written to WireGuard" wg_wrote_nothing rewind
check "... the host is byte-identical" same_host "$LAB_DIR/snap.c4"
check "... bob stays revoked" hub_lacks bob
rec allow-rewind --force --allow-rewind
check "--allow-rewind applies the rewind: exit 0" rc_is 0
check "... reconciled to $(short "$C3")" says "^Reconciled to commit $(short "$C3")"
check "... bob is back" hub_has bob
reconnect bob
check "... and pings the hub" pings bob 10.10.0.1
gs_force_push "$work" "$C2"
rec rewind-again
check "--allow-rewind held for that run only: rewinding to $(short "$C2") is refused (exit 3)" rc_is 3
check "... as not a descendant of $(short "$C3")" says "^wgf: refused commit $C2: not a descendant of the last applied revision $C3"
gs_force_push "$work" "$C3"
gs_git -C "$work" reset -q --hard "$C3"
rec settle --force
check "main back at $(short "$C3"): exit 0" rc_is 0

# --- signed-tag mode ---------------------------------------------------------------
peer dave 10.10.0.13
C5=$(gs_commit_signed "$work" "$admin" "add dave")
gs_tag_signed "$work" v1 "$admin"
gs_push "$work" main v1
rec tag-v1 --verify tag --ref refs/tags/v1
check "tag mode, a signed tag: exit 0" rc_is 0
check "... reconciled to its commit $(short "$C5")" says "^Reconciled to commit $(short "$C5") \(refs/tags/v1\), signed by admin@example.org $ADMIN_RE"
check "... dave is a peer" hub_has dave
peer erin 10.10.0.14
C6=$(gs_commit_signed "$work" "$admin" "add erin")
gs_tag_unsigned "$work" v2
gs_push "$work" v2
hostsnap "$LAB_DIR/snap.c5"
rec_traced tag-v2 --verify tag --ref refs/tags/v2
check "tag mode, an unsigned tag on a signed commit: exit 3" rc_is 3
check "... 'wgf: refused commit $(short "$C6")…'" says "^wgf: refused commit $C6: "
check "... nothing written to WireGuard" wg_wrote_nothing tag-v2
check "... the host is byte-identical" same_host "$LAB_DIR/snap.c5"
gs_tag_signed "$work" v2-mallory "$mallory"
gs_push "$work" v2-mallory
rec tag-mallory --force --verify tag --ref refs/tags/v2-mallory
check "tag mode, a tag signed by mallory: exit 3" rc_is 3
check "... names mallory's key" says "^wgf: refused commit $C6: .*$MALLORY_RE"
check "... erin is not a peer" hub_lacks erin
gs_push "$work" main
rec commit-mode --force
check "commit mode again on main ($(short "$C6"), signed): exit 0" rc_is 0
check "... erin is a peer" hub_has erin

# --- host keys --------------------------------------------------------------------
ssh-keygen -q -t ed25519 -N '' -C impostor -f "$LAB_DIR/impostor"
gs_host_key_line 22 "$LAB_DIR/impostor.pub" >"$etc/known_hosts"
IMP_FP=$(gs_fingerprint "$LAB_DIR/impostor")
REAL_FP=$(gs_fingerprint "$GS_HOST_KEY")
hostsnap "$LAB_DIR/snap.c6"
rec hostkey-wrong
check "a host key that does not match known_hosts: exit 1" rc_is 1
check "... 'host key for $GS_ADDR does not match $etc/known_hosts (… the key it offered)'" \
	says "^wgf: fetch from $SSH_RE failed: .*host key for $GS_ADDR does not match $(q "$etc/known_hosts") \(.*$(q "$REAL_FP")\)"
check "... the host is byte-identical" same_host "$LAB_DIR/snap.c6"
rec hostkey-wrong-accept --force --accept-new-host-key
check "... refused with --accept-new-host-key too: exit 1" rc_is 1
check "... known_hosts is not changed" test "$(cat "$etc/known_hosts")" = "$(gs_host_key_line 22 "$LAB_DIR/impostor.pub")"
: >"$etc/known_hosts"
rec hostkey-none --force
check "no known_hosts entry for the server: exit 1" rc_is 1
check "... 'host key for $GS_ADDR is not in $etc/known_hosts'" \
	says "^wgf: fetch from $SSH_RE failed: .*host key for $GS_ADDR is not in $(q "$etc/known_hosts")"
check "... known_hosts stays empty" test ! -s "$etc/known_hosts"
rec hostkey-accept --force --accept-new-host-key
check "--accept-new-host-key: exit 0" rc_is 0
check "... the server's key is appended to known_hosts" grep -qF "$(cut -d' ' -f2 "$GS_HOST_KEY.pub")" "$etc/known_hosts"
rec hostkey-pinned
check "... and pinned: the next run is fine without the flag" rc_is 0
note "host keys: impostor $IMP_FP, real $REAL_FP"
cp "$etc/known_hosts.good" "$etc/known_hosts"

# --- a server that hangs: a bounded run, backoff, recovery ------------------------------
peer frank 10.10.0.15
C7=$(gs_commit_signed "$work" "$admin" "add frank")
gs_push "$work"
gs_stop sshd
gs_hang_start 22 || fail "a hung server on port 22"
rec hang
HANG_END=$(date -u +%Y-%m-%dT%H:%M:%SZ)
check "a hung server: exit 1" rc_is 1
check "... the run is bounded by --fetch-timeout 3 (${MS} ms)" test "$MS" -ge 3000 -a "$MS" -lt 5500
check "... 'wgf: fetch from URL … timed out after 3 s'" says "^wgf: fetch from $SSH_RE (failed: )?.*timed out after 3 s"
check "... the fetch child is gone (only wireguard-go left in the hub)" only_wireguard_go
check "... frank is not applied" hub_lacks frank
st
check "status: 1 consecutive failure, outcome fetch-failed" \
	sj_is '"\(.reconcile.consecutive_failures) \(.reconcile.last_attempt.outcome)"' "1 fetch-failed"
NEXT=$(epoch "$(sj .reconcile.next_attempt)")
LAST=$(epoch "$(sj .reconcile.last_attempt.time)")
# the backoff counts from the end of the run: the 3 s the fetch hung, then the 2 s interval
check "status: next_attempt is interval (2 s) after the run ended, the timeout (3 s) after it began" \
	test -n "$NEXT" -a -n "$LAST" -a "$((NEXT - LAST))" -ge 5 -a "$((NEXT - LAST))" -le 6
note "hung run: last_attempt.time $(sj .reconcile.last_attempt.time), next_attempt $(sj .reconcile.next_attempt), the run ended $HANG_END"
rec hang-backoff
check "a run while backing off: exit 0 (${MS} ms)" rc_is 0
check "... at once" test "$MS" -lt 1000
check "... says when it will try" says "^wgf: backing off after 1 failures?; next attempt at .* \(use --force to run now\)$"
gs_stop hang-22
gs_sshd_start || fail "sshd starts again"
rec hang-recovered --force
check "the server is back, --force: exit 0" rc_is 0
check "... reconciled to $(short "$C7")" says "^Reconciled to commit $(short "$C7")"
check "... frank is a peer" hub_has frank
st
check "status: failures back to 0" sj_is .reconcile.consecutive_failures 0

# --- a server that is down: fails at once, backoff grows, recovers by itself ------------
peer grace 10.10.0.16
C8=$(gs_commit_signed "$work" "$admin" "add grace")
gs_push "$work"
gs_stop sshd
rec down
check "a server that is down: exit 1 at once (${MS} ms)" test "$RC" -eq 1 -a "$MS" -lt 2000
check "... 'wgf: fetch from $SSH_URL failed: …'" says "^wgf: fetch from $SSH_RE failed: "
rec down-backoff
check "... the next run backs off: exit 0 (${MS} ms)" rc_is 0
check "... at once" test "$MS" -lt 1000
check "... and says so" says "^wgf: backing off after 1 failures?; next attempt at "
rec down-force --force
check "... --force tries anyway: exit 1" rc_is 1
st
NEXT=$(epoch "$(sj .reconcile.next_attempt)")
LAST=$(epoch "$(sj .reconcile.last_attempt.time)")
check "status: 2 failures, the backoff doubled (4 s)" test "$(sj .reconcile.consecutive_failures)" = 2 -a -n "$NEXT" -a "$((NEXT - ${LAST:-0}))" -eq 4
gs_sshd_start || fail "sshd starts again"
rec down-early
check "the server is back, but the backoff holds: exit 0, backing off" rc_says 0 "^wgf: backing off after 2 failures"
check "... grace is not applied yet" hub_lacks grace
while [ "$(date +%s)" -le "${NEXT:-0}" ]; do sleep 0.2; done
rec down-recovered
check "after next_attempt, without --force: exit 0" rc_is 0
check "... reconciled to $(short "$C8")" says "^Reconciled to commit $(short "$C8")"
check "... grace is a peer" hub_has grace
st
check "status: failures 0, outcome applied" sj_is '"\(.reconcile.consecutive_failures) \(.reconcile.last_attempt.outcome)"' "0 applied"

# --- suspend and resume -------------------------------------------------------------
in_host hub env -u SUDO_USER NO_COLOR=1 "$WGF" suspend --reason "maintenance window" --state-dir "$STATE" >"$LAB_DIR/suspend.out" 2>&1
check "wgf suspend --reason: exit 0" test $? -eq 0
rm "$work/peers/grace.yaml"
C9=$(gs_commit_signed "$work" "$admin" "remove grace")
gs_push "$work"
hostsnap "$LAB_DIR/snap.c8"
rec_traced suspended
check "a run while suspended: exit 0" rc_is 0
check "... 'wgf: reconcile suspended by root at …: maintenance window'" says "^wgf: reconcile suspended by root at [-0-9T:Z]+: maintenance window"
check "... nothing written to WireGuard" wg_wrote_nothing suspended
check "... the host is byte-identical (grace stays)" same_host "$LAB_DIR/snap.c8"
st
check "status --json: suspended by root, why" sj_is '"\(.reconcile.suspended.by): \(.reconcile.suspended.reason)"' "root: maintenance window"
check "status --json: and when" test -n "$(epoch "$(sj .reconcile.suspended.at)")"
in_host hub env NO_COLOR=1 "$WGF" status --state-dir "$STATE" >"$LAB_DIR/status.txt" 2>&1
check "status (text): 'suspended by root at …: maintenance window'" grep -qiE "suspended by root at .*: maintenance window" "$LAB_DIR/status.txt"
in_host hub env -u SUDO_USER NO_COLOR=1 "$WGF" resume --state-dir "$STATE" >"$LAB_DIR/resume.out" 2>&1
check "wgf resume: exit 0" test $? -eq 0
rec resumed
check "after resume: exit 0, reconciled to $(short "$C9")" rc_says 0 "^Reconciled to commit $(short "$C9")"
check "... grace is removed" hub_lacks grace
st
check "status: no longer suspended" sj_is .reconcile.suspended null
in_host hub env SUDO_USER=alice NO_COLOR=1 "$WGF" suspend --state-dir "$STATE" >/dev/null 2>&1
st
check "suspend under sudo names \$SUDO_USER" sj_is .reconcile.suspended.by alice
in_host hub env NO_COLOR=1 "$WGF" resume --state-dir "$STATE" >/dev/null 2>&1

# --- drift made by hand is repaired by the next run ---------------------------------------
in_host hub wg set wg0 peer "${PUB[bob]}" remove
rec drift-peer
check "drift (bob removed by hand): the next run exits 0" rc_is 0
check "... bob is a peer again" hub_has bob
reconnect bob
check "... and pings the hub" pings bob 10.10.0.1
in_host hub wg set wg0 listen-port 40000
rec drift-port
check "drift (listen port changed by hand): the next run exits 0" rc_is 0
check "... listens on 51820 again" test "$(in_host hub wg show wg0 listen-port)" = 51820
check "... carol pings the hub" pings carol 10.10.0.1
rec_traced converged
check "converged: the next run exits 0" rc_is 0
check "... and writes nothing to WireGuard" wg_wrote_nothing converged

# --- verification off is loud ---------------------------------------------------------
peer grace 10.10.0.16
C10=$(gs_commit_unsigned "$work" "add grace again, unsigned")
gs_push "$work"
rec verify-off --verify off
check "--verify off applies an unsigned commit: exit 0" rc_is 0
check "... reconciled to $(short "$C10")" says "^Reconciled to commit $(short "$C10")"
check "... grace is a peer" hub_has grace
in_host hub env NO_COLOR=1 "$WGF" status --state-dir "$STATE" >"$LAB_DIR/status.txt" 2>&1
check "status says loudly: WARNING: signature verification is off" grep -q "WARNING: signature verification is off" "$LAB_DIR/status.txt"

# --- the journal: names revisions and signers; tamper-evident -------------------------------
in_host hub env NO_COLOR=1 "$WGF" journal --state-dir "$STATE" >"$LAB_DIR/journal.txt" 2>&1
check "wgf journal: exit 0" test $? -eq 0
sed 's/^/#   journal: /' "$LAB_DIR/journal.txt" | tail -n 4
check "... names the refused commit and why" grep -q "$W.*signed for namespace \"file\"\|$(short "$W").*signed for namespace \"file\"" "$LAB_DIR/journal.txt"
check "... names an applied revision and its signer" grep -qE "$(short "$C2").*admin@example.org|admin@example.org.*$(short "$C2")" "$LAB_DIR/journal.txt"
in_host hub env NO_COLOR=1 "$WGF" journal --json --state-dir "$STATE" >"$LAB_DIR/journal.json" 2>&1
check "wgf journal --json parses" quiet jq -e . "$LAB_DIR/journal.json"
in_host hub env NO_COLOR=1 "$WGF" journal verify --state-dir "$STATE" >"$LAB_DIR/jv.out" 2>&1
check "wgf journal verify: an intact journal passes (exit 0)" test $? -eq 0
JN=$(wc -l <"$STATE/journal")
note "journal: $JN entries"
# tamper NAME KIND K: a copy of the state directory whose journal is tampered with at
# line K; verify must exit 1 and name line K or the line after it (the entry whose
# link to the one before broke)
tamper() {
	local name=$1 kind=$2 k=$3 d=$LAB_DIR/tamper-$1 rc
	cp -a "$STATE" "$d"
	python3 - "$d/journal" "$kind" "$k" <<'PY' 2>"$d.out" || { OUT=$d.out RC=99; return 1; }
import json, re, sys
path, kind, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = open(path, "rb").read().split(b"\n")
tail = lines[-1] == b""
if tail:
    lines.pop()
i = k - 1
if kind == "edit":
    # a well-formed lie: one more change counted (else: another signer named)
    line = lines[i].decode()
    m = re.search(r'"(create|update|delete)":([0-9]+)', line)
    if m:
        line = line[:m.start(2)] + str(int(m.group(2)) + 1) + line[m.end(2):]
    elif "admin@example.org" in line:
        line = line.replace("admin@example.org", "mallory@example.org")
    else:
        sys.exit("line %d has no count and no signer to edit: %s" % (k, line))
    lines[i] = line.encode()
elif kind == "edit-signer":
    line = lines[i].decode()
    if "admin@example.org" not in line:
        sys.exit("line %d names no signer admin@example.org: %s" % (k, line))
    lines[i] = line.replace("admin@example.org", "mallory@example.org").encode()
elif kind == "remove":
    del lines[i]
elif kind == "reorder":
    lines[i], lines[i + 1] = lines[i + 1], lines[i]
elif kind == "insert":
    lines.insert(i, lines[0])
elif kind == "truncate":
    del lines[i:]
open(path, "wb").write(b"\n".join(lines) + (b"\n" if tail else b""))
PY
	in_host hub env NO_COLOR=1 "$WGF" journal verify --state-dir "$d" >"$d.out" 2>&1; rc=$?
	OUT=$d.out RC=$rc
}
tamper_caught() {   # tamper_caught WHAT K: exit 1 and journal:K: or journal:K+1:
	note "journal verify: $(grep -m1 'journal:' "$OUT")"
	rc_is 1 || return 1
	grep -qE "journal:($2|$(($2 + 1))): " "$OUT" && return 0
	echo "#   no journal:$2: or journal:$(($2 + 1)): in:"; show; return 1
}
if [ "$JN" -ge 6 ]; then
	tamper edit edit 3; check "journal verify catches an edited entry (line 3: a change count)" tamper_caught edit 3
	tamper signer edit-signer 3; check "journal verify catches an edited entry (line 3: another signer)" tamper_caught signer 3
	tamper remove remove 3; check "journal verify catches a removed entry (line 3)" tamper_caught remove 3
	tamper reorder reorder 3; check "journal verify catches two entries swapped (lines 3, 4)" tamper_caught reorder 3
	tamper insert insert 3; check "journal verify catches an inserted entry (line 3)" tamper_caught insert 3
	tamper truncate truncate "$JN"; note "journal verify: $(grep -m1 'journal:' "$OUT")"
	check "journal verify catches a truncated tail (the last entry gone)" rc_is 1
	check "... and says where it breaks" says "journal:[0-9]+: "
	in_host hub env NO_COLOR=1 "$WGF" journal verify --state-dir "$STATE" >/dev/null 2>&1
	check "the real journal still verifies" test $? -eq 0
	# the audit export of what this lab's runs journaled: every entry, the chain intact
	in_host hub "$WGF" journal export --since 1d --state-dir "$STATE" >"$LAB_DIR/export.json" 2>"$LAB_DIR/export.err"
	check "wgf journal export --since 1d: exit 0, every entry of the runs, the chain verified intact" \
		jq -e --argjson n "$JN" --arg c2 "$C2" '.kind == "wgf-journal-export" and .verification.intact == true and
			.verification.entries == $n and (.entries | length) == $n and
			any(.entries[]; .result == "applied" and .revision == $c2 and .signer.principal == "admin@example.org")
			and any(.entries[]; .result == "refused")' "$LAB_DIR/export.json"
	in_host hub "$WGF" journal export --format jsonl --state-dir "$LAB_DIR/tamper-edit" >"$LAB_DIR/export-bad.jsonl" 2>/dev/null
	check "wgf journal export of the edited journal: exit 3, all its entries, the break at line 3 or 4 in the last line" \
		bash -c "test $? -eq 3 && test \$(wc -l <'$LAB_DIR/export-bad.jsonl') -eq $((JN + 1)) &&
			tail -n 1 '$LAB_DIR/export-bad.jsonl' | jq -e '.verification.intact == false and (.verification.broken_at == 3 or .verification.broken_at == 4)' >/dev/null"
else
	fail "the journal has $JN entries, too few to tamper with (want 6 or more)"
fi
lab_done
