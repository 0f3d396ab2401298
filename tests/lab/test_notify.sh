#!/usr/bin/env bash
# Notifications (issue 16): `wgf reconcile` on a lab hub with real tunnels
# delivers its events to a real HTTPS receiver (python3 http.server + ssl, a
# self-signed certificate made here by openssl and given as webhook-ca-file,
# in the hub's namespace on 127.0.0.1:19391) and to a hook script. Each event
# type is provoked for real and its payload checked with jq, its signature
# (X-Wgf-Signature-256) verified with `openssl dgst -sha256 -hmac` over the
# exact body, and a wrong secret shown not to verify:
#
#   apply-completed  a signed commit applied       key-due     rotation maxAge 240h
#   peer-offline     bob's wireguard-go killed, its handshake older than staleAfter
#   peer-online      bob back, handshaken again
#   drift-detected + drift-repaired   `wg set … peer BOB remove` by hand, a run
#   commit-refused   an unsigned commit            apply-failed  a remote that is gone
#   reconcile-backoff  the second failure in a row
#   exit-failover    `wgf watch` on an exit group, one member's wireguard-go killed
#
# Then the receiver is stopped: reconcile still ends within notify-timeout and
# a margin (measured, printed), and `wgf status` (text and --json) shows the
# failed delivery. Nothing in a payload is a private key.
# usage: tests/lab/test_notify.sh [BUILD_DIR]
set -u
LAB_RUN=${LAB_RUN:-nf$$}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/gitserver.sh"
lab_start "${1:-build}"
lab_need git ssh-keygen openssl jq wg wireguard-go python3 || { lab_done; exit 1; }

PORT=19391
GS_DIR=$LAB_DIR/gs
mkdir -p "$GS_DIR/keys" "$GS_DIR/repos"

lab_switch
for h in hub bob; do lab_host "$h" || { fail "namespace $h"; lab_done; exit 1; }; done
lab_port hub 198.51.100.1/24
lab_port bob 198.51.100.11/24

HUBPUB=$(wgf_host_key hub)
(umask 077; wg genkey >"$LAB_DIR/bob.key")
BOBPUB=$(wg pubkey <"$LAB_DIR/bob.key")
(umask 077; wg genkey >"$LAB_DIR/wgpsk.none")

# --- the repository: hub and its peer bob (keepalive: expected up) ---------------
admin=$(gs_signing_key admin)
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
  interface: nfw0
  listenPort: 51820
  addressPools:
    ipv4: 10.10.0.0/24
  rotation:
    maxAge: 240h
  health:
    staleAfter: 8s
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
cat >"$work/peers/bob.yaml" <<EOF
apiVersion: wgf/v1
kind: Peer
metadata:
  name: bob
spec:
  publicKey: $BOBPUB
  addresses: [10.10.0.11]
  hubs: [hub]
  persistentKeepalive: 5
EOF
check "the repository is valid" "$WGF" validate "$work"

# bob: a plain WireGuard client of the hub (nfw1)
bob_up() {
	lab_wg_up bob nfw1 || return 1
	in_host bob wg set nfw1 private-key "$LAB_DIR/bob.key" peer "$HUBPUB" endpoint 198.51.100.1:51820 \
		allowed-ips 10.10.0.0/24 persistent-keepalive 5 || return 1
	in_host bob ip addr replace 10.10.0.11/24 dev nfw1
	in_host bob ip link set nfw1 up
}

# --- the receiver: HTTPS on the hub's 127.0.0.1:PORT, every request recorded ------
RX=$LAB_DIR/rx
mkdir -p "$RX"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
	-keyout "$LAB_DIR/rx.key" -out "$LAB_DIR/rx.crt" -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1 || { fail "openssl: the receiver's certificate"; lab_done; exit 1; }
cat >"$LAB_DIR/rx.py" <<'PY'
import http.server, json, os, ssl, sys
port, cert, key, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
open(out + ".pid", "w").write("%d\n" % os.getpid())
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        n = len([f for f in os.listdir(out) if f.endswith(".body")]) + 1
        with open(os.path.join(out, "%04d.body" % n), "wb") as f:
            f.write(body)
        with open(os.path.join(out, "%04d.hdr" % n), "w") as f:
            json.dump({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}}, f)
        self.send_response(204)
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", port), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
s.socket = ctx.wrap_socket(s.socket, server_side=True)
s.serve_forever()
PY
RX_PID=
# rx_start [HOST PORT DIR]: the receiver (default: the hub's, PORT, RX)
rx_start() {
	local h=${1:-hub} port=${2:-$PORT} dir=${3:-$RX}
	in_host "$h" python3 "$LAB_DIR/rx.py" "$port" "$LAB_DIR/rx.crt" "$LAB_DIR/rx.key" "$dir" >"$dir.log" 2>&1 &
	RX_PID=$!
	retry 20 in_host "$h" bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null
}
# (the PID python wrote: $! is the shell that runs in_host)
# rx_stop [HOST PORT DIR]: stops the receiver rx_start started with the same
rx_stop() {
	local h=${1:-hub} port=${2:-$PORT} dir=${3:-$RX} p
	p=$(cat "$dir.pid" 2>/dev/null)
	[ -n "$p" ] && kill "$p" 2>/dev/null
	wait "$RX_PID" 2>/dev/null; RX_PID=
	! in_host "$h" bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null
}
check "the HTTPS receiver listens on 127.0.0.1:$PORT in the hub" rx_start

# --- the hook: writes its stdin and WGF_EVENT to files -------------------------------
HOOKS=$etc/hooks.d
HOOKOUT=$LAB_DIR/hookout
mkdir -p "$HOOKS" "$HOOKOUT"
cat >"$HOOKS/10-save" <<EOF
#!/bin/sh
n=\$(ls "$HOOKOUT" | wc -l)
cat >"$HOOKOUT/\$n-\$WGF_EVENT.json"
EOF
chmod 700 "$HOOKS/10-save"
printf '#!/bin/sh\necho not run >%s/not-run\n' "$LAB_DIR" >"$HOOKS/20-not-executable"
chmod 600 "$HOOKS/20-not-executable"
cp "$HOOKS/10-save" "$HOOKS/.hidden"; cp "$HOOKS/10-save" "$HOOKS/30-old~"

# --- the settings -------------------------------------------------------------------
SECRET=$(head -c 24 /dev/urandom | base64)
(umask 077; echo "$SECRET" >"$etc/webhook.secret")
STATE=$LAB_DIR/state-hub
CONF=$etc/reconcile.conf
TIMEOUT=3
cat >"$CONF" <<EOF
remote = file://$GS_DIR/repos/net.git
ref = main
verify = commit
allowed-signers = $etc/allowed_signers
fetch-timeout = 5
interval = 1
backoff-max = 4
host = hub
key-file = $LAB_DIR/hub.key
hooks-dir = $HOOKS
webhook = https://127.0.0.1:$PORT/wgf/hook
webhook-secret-file = $etc/webhook.secret
webhook-ca-file = $LAB_DIR/rx.crt
notify-timeout = $TIMEOUT
notify-retries = 2
EOF

# rec NAME [ARGS...]: one `wgf reconcile` on the hub; output in OUT, exit RC, time MS
rec() {
	local name=$1 t0; shift
	OUT=$LAB_DIR/$name.out
	t0=$(date +%s%N)
	in_host hub env NO_COLOR=1 "$WGF" reconcile --config "$CONF" --state-dir "$STATE" "$@" >"$OUT" 2>&1
	RC=$?
	MS=$(ms_since "$t0")
}
show() { sed 's/^/#     /' "$OUT" | tail -n 12; }
rc_is() { [ "$RC" -eq "$1" ] && return 0; echo "#   exit $RC, want $1:"; show; return 1; }

# count TYPE: how many requests of event TYPE the receiver has
count() { local n=0 f; for f in "$RX"/*.body; do [ -f "$f" ] && [ "$(jq -r .event "$f")" = "$1" ] && n=$((n + 1)); done; echo $n; }
# wait_count TYPE N: until the receiver has N of TYPE (10 s)
wait_count() { local i; for ((i = 0; i < 100; i++)); do [ "$(count "$1")" -ge "$2" ] && return 0; sleep 0.1; done
	echo "#   the receiver has $(count "$1") $1, want $2"; return 1; }
# last TYPE: the file (without .body) of the last request of TYPE
last() { local f l=; for f in "$RX"/*.body; do [ -f "$f" ] && [ "$(jq -r .event "$f")" = "$1" ] && l=${f%.body}; done; echo "$l"; }
# hdr FILE NAME: a header of that request
hdr() { jq -r --arg h "$2" '.headers[$h] // empty' "$1.hdr"; }
jq_q() { jq -e "$@" >/dev/null; }
sig_of() { openssl dgst -sha256 -hmac "$1" -r <"$2" | cut -d' ' -f1; }

# payload_ok TYPE JQ: the last TYPE: the common fields, the headers, the
# signature over the exact body (and not with a wrong secret), no private key,
# and the jq test JQ of its details
payload_ok() {
	local type=$1 test=$2 f sig want
	f=$(last "$type")
	[ -n "$f" ] || { echo "#   no $type request"; return 1; }
	jq -e --arg t "$type" --arg h "${PHOST:-hub}" '.event == $t and (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"))
		and .host == $h and (.summary | length > 0) and (.id | test("^[0-9a-f]{32}$"))
		and (.details | type == "object") and (keys == ["details","event","host","id","revision","summary","time"])' \
		"$f.body" >/dev/null || { echo "#   $type: common fields wrong:"; sed 's/^/#     /' "$f.body"; return 1; }
	jq -e "$test" "$f.body" >/dev/null || { echo "#   $type: details fail $test:"; sed 's/^/#     /' "$f.body"; return 1; }
	[ "$(hdr "$f" x-wgf-event)" = "$type" ] || { echo "#   X-Wgf-Event: $(hdr "$f" x-wgf-event)"; return 1; }
	[ "$(hdr "$f" x-wgf-delivery)" = "$(jq -r .id "$f.body")" ] || { echo "#   X-Wgf-Delivery is not the id"; return 1; }
	[ "$(hdr "$f" x-wgf-timestamp)" = "$(jq -r .time "$f.body")" ] || { echo "#   X-Wgf-Timestamp is not the time"; return 1; }
	[ "$(hdr "$f" content-type)" = application/json ] || { echo "#   Content-Type: $(hdr "$f" content-type)"; return 1; }
	[ "$(hdr "$f" path)" = "" ] && [ "$(jq -r .path "$f.hdr")" = /wgf/hook ] || { echo "#   path $(jq -r .path "$f.hdr")"; return 1; }
	sig=$(hdr "$f" x-wgf-signature-256)
	want="sha256=$(sig_of "$SECRET" "$f.body")"
	[ "$sig" = "$want" ] || { echo "#   signature $sig, openssl says $want"; return 1; }
	[ "$sig" != "sha256=$(sig_of "wrong-$SECRET" "$f.body")" ] || { echo "#   a wrong secret verifies"; return 1; }
	! grep -qF -e "$(cat "$LAB_DIR/hub.key")" -e "$(cat "$LAB_DIR/bob.key")" -e "$SECRET" "$f.body" "$f.hdr" ||
		{ echo "#   a secret in the request"; return 1; }
	! jq -e '[paths | .[-1] | strings | test("private|psk|secret|token"; "i")] | any' "$f.body" >/dev/null ||
		{ echo "#   a secret-looking field"; return 1; }
}

# --- 1: apply-completed, key-due ------------------------------------------------------
C1=$(gs_commit_signed "$work" "$admin" "hub and bob")
gs_push "$work"
bob_up || fail "bob's WireGuard"
rec first
check "first run: exit 0" rc_is 0
check "apply-completed delivered" wait_count apply-completed 1
check "apply-completed: payload, headers, signature (openssl), no secrets" \
	payload_ok apply-completed ".revision == \"$C1\" and .details.create > 0 and .details.signer == \"admin@example.org\""
check "key-due: the hub's and bob's keys (maxAge 240h: due within 14 days)" wait_count key-due 2
check "key-due: payload and signature" payload_ok key-due \
	'(.details.kind == "host" or .details.kind == "peer") and .details.status == "due soon" and .details.max_age_days == 10
	 and (.details.fingerprint | length > 0)'
check "the hook got the same apply-completed body on stdin (WGF_EVENT)" bash -c "
	h=\$(ls $HOOKOUT/*-apply-completed.json | head -1); b=$(last apply-completed).body
	cmp -s \"\$h\" \"\$b\""
check "hooks: not the non-executable, the dotfile or the backup~" bash -c \
	"[ ! -e $LAB_DIR/not-run ] && [ \$(ls $HOOKOUT | wc -l) -eq \$(ls $RX/*.body | wc -l) ]"

# --- 2: peer-offline, peer-online ------------------------------------------------------
check "bob handshakes (a ping through the tunnel)" pings bob 10.10.0.1
rec online
check "a run with bob online: exit 0" rc_is 0
n_on=$(count peer-online)
lab_wg_stop bob
sleep 10   # staleAfter 8s: bob's handshake gets older than that
rec offline
check "a run with bob gone: exit 0" rc_is 0
check "peer-offline delivered" wait_count peer-offline 1
check "peer-offline: bob, stale, was online; signed" payload_ok peer-offline \
	".details.peer == \"bob\" and .details.public_key == \"$BOBPUB\" and .details.interface == \"nfw0\"
	 and .details.verdict == \"stale\" and .details.previous == \"online\""
bob_up || fail "bob's WireGuard again"
check "bob handshakes again" pings bob 10.10.0.1
rec back
check "a run with bob back: exit 0" rc_is 0
check "peer-online delivered" wait_count peer-online $((n_on + 1))
check "peer-online: bob, online, was stale; signed" payload_ok peer-online \
	'.details.peer == "bob" and .details.verdict == "online" and .details.previous == "stale"'
check "key-due is not repeated the same day" test "$(count key-due)" -eq 2

# --- 3: drift ----------------------------------------------------------------------------
in_host hub wg set nfw0 peer "$BOBPUB" remove
rec drift
check "drift run: exit 0" rc_is 0
check "drift-detected delivered" wait_count drift-detected 1
check "drift-detected: at the applied commit, one peer to add; signed" payload_ok drift-detected \
	".revision == \"$C1\" and .details.create == 1 and .details.items == 1"
check "drift-repaired delivered" wait_count drift-repaired 1
check "drift-repaired: signed" payload_ok drift-repaired ".revision == \"$C1\" and .details.create == 1"
hub_has_bob() { in_host hub wg show nfw0 peers | grep -qxF "$BOBPUB"; }
check "bob is back on the hub" hub_has_bob

# --- 4: commit-refused, apply-failed, reconcile-backoff ------------------------------------
echo "# unsigned" >>"$work/network.yaml"
C2=$(gs_commit_unsigned "$work" "unsigned")
gs_push "$work"
rec refused
check "an unsigned commit: exit 3" rc_is 3
check "commit-refused delivered" wait_count commit-refused 1
check "commit-refused: the commit, the ref, why; signed" payload_ok commit-refused \
	".revision == \"$C2\" and .details.ref == \"main\" and (.details.reason | test(\"sign\"))"
rec broken --force --remote "file://$LAB_DIR/gone.git"
check "a remote that is gone: exit 1" rc_is 1
check "apply-failed delivered" wait_count apply-failed 1
check "apply-failed: fetch-failed, the reason, 2 failures; signed" payload_ok apply-failed \
	'.details.outcome == "fetch-failed" and (.details.reason | length > 0) and .details.consecutive_failures == 2'
check "reconcile-backoff delivered (second failure in a row)" wait_count reconcile-backoff 1
check "reconcile-backoff: 2 failures, the next attempt; signed" payload_ok reconcile-backoff \
	'.details.consecutive_failures == 2 and (.details.next_attempt | test("Z$"))'

# --- 4b: wgf apply by hand announces itself too ($WGF_CONFIG) ----------------------------
(umask 077; wg genkey | wg pubkey >"$LAB_DIR/dave.pub")
cat >"$work/peers/dave.yaml" <<EOF
apiVersion: wgf/v1
kind: Peer
metadata:
  name: dave
spec:
  publicKey: $(cat "$LAB_DIR/dave.pub")
  addresses: [10.10.0.13]
  hubs: [hub]
EOF
n_done=$(count apply-completed)
in_host hub env NO_COLOR=1 WGF_CONFIG="$CONF" "$WGF" apply --yes "$work" --host hub --key-file "$LAB_DIR/hub.key" \
	--state-dir "$STATE" >"$LAB_DIR/apply-hand.out" 2>&1
RC=$? OUT=$LAB_DIR/apply-hand.out
check "wgf apply (a working tree, dave added): exit 0" rc_is 0
check "wgf apply: apply-completed delivered" wait_count apply-completed $((n_done + 1))
check "wgf apply: apply-completed says wgf apply, one peer added, the working tree as source; signed" payload_ok \
	apply-completed ".revision == null and .details.by == \"wgf apply\" and .details.create == 1 and
		(.details.source | test(\"$(basename "$work")\"))"
rm -f "$work/peers/dave.yaml"

# --- 5: the receiver is down -----------------------------------------------------------
check "the receiver is stopped (nothing listens on $PORT)" rx_stop
n_before=$(ls "$RX"/*.body | wc -l)
(umask 077; wg genkey | wg pubkey >"$LAB_DIR/carol.pub")
cat >"$work/peers/carol.yaml" <<EOF
apiVersion: wgf/v1
kind: Peer
metadata:
  name: carol
spec:
  publicKey: $(cat "$LAB_DIR/carol.pub")
  addresses: [10.10.0.12]
  hubs: [hub]
EOF
C3=$(gs_commit_signed "$work" "$admin" "carol")
gs_push "$work"
rec down --force
note "reconcile with the receiver down took $MS ms (notify-timeout ${TIMEOUT}s)"
check "receiver down: reconcile still applies (exit 0)" rc_is 0
check "receiver down: reconcile ends within notify-timeout + 3 s ($MS ms)" test "$MS" -lt $(( (TIMEOUT + 3) * 1000 ))
sleep 5   # the retries: 1 s and 2 s after a refused connection
in_host hub env NO_COLOR=1 "$WGF" status --json --state-dir "$STATE" >"$LAB_DIR/status.json" 2>"$LAB_DIR/status.err"
# (this run's events: apply-completed for carol, and key-due for carol's new key)
check "status --json: the webhook's last failure (event, error), its URL cut after the port" jq_q \
	--arg t "https://127.0.0.1:$PORT/…" '.notifications[$t].last_failure | (.event == "apply-completed" or .event == "key-due")
	 and (.error | test("attempts"))' \
	"$LAB_DIR/status.json"
check "status --json: its last delivery too" jq_q --arg t "https://127.0.0.1:$PORT/…" \
	'.notifications[$t].last_delivery.event | length > 0' "$LAB_DIR/status.json"
in_host hub env NO_COLOR=1 "$WGF" status --state-dir "$STATE" >"$LAB_DIR/status.txt" 2>&1
check "status (text): notifications, last failure" grep -qE "last failure: .*(apply-completed|key-due).*attempts" "$LAB_DIR/status.txt"
check "the hook still got it" bash -c "cat $HOOKOUT/*-apply-completed.json | jq -s -e 'map(select(.revision == \"$C3\")) | length == 1' >/dev/null"
check "nothing reached the stopped receiver" test "$(ls "$RX"/*.body | wc -l)" -eq "$n_before"

# --- 6: exit-failover from wgf watch --------------------------------------------------
# A second lab on the same switch: host hx routes its own traffic through exit
# group eu (xa, then xb); `wgf watch` there, with a receiver in hx's namespace.
for h in hx xa xb; do lab_host "$h" || fail "namespace $h"; done
lab_port hx 198.51.100.20/24
lab_port xa 198.51.100.21/24
lab_port xb 198.51.100.22/24
repo=$LAB_DIR/exrepo
mkdir -p "$repo/hosts"
cat >"$repo/network.yaml" <<EOF
apiVersion: wgf/v1
kind: Network
metadata:
  name: exnet
spec:
  interface: nfw2
  listenPort: 51830
  addressPools:
    ipv4: 10.78.0.0/24
---
apiVersion: wgf/v1
kind: ExitGroup
metadata:
  name: eu
spec:
  network: exnet
  members:
    - {host: xa, priority: 10}
    - {host: xb, priority: 20}
  health:
    hold: 5s
EOF
exhost() {   # exhost NAME ROLE N [EXIT]
	cat >"$repo/hosts/$1.yaml" <<EOF
apiVersion: wgf/v1
kind: Host
metadata:
  name: $1
spec:
  role: $2
  publicKey: $(wgf_host_key "$1" 2>/dev/null)
  endpoint: 198.51.100.$3:51830
  addresses: [10.78.0.$3/24]
EOF
	[ "$2" = exit ] && echo "  exitInterface: nf$1" >>"$repo/hosts/$1.yaml"
	[ -n "${4:-}" ] && echo "  exit: $4" >>"$repo/hosts/$1.yaml"
}
exhost xa exit 21
exhost xb exit 22
exhost hx hub 20 eu
check "the exit group repository is valid" "$WGF" validate "$repo"
for h in xa xb hx; do
	wgf_on "$h" apply --yes "$repo" >"$LAB_DIR/apply.$h" 2>&1 ||
		{ fail "apply on $h"; sed 's/^/#   /' "$LAB_DIR/apply.$h" | tail -n 8; }
done
RX2=$LAB_DIR/rx2
mkdir -p "$RX2"
check "a receiver in hx's namespace (127.0.0.1:19392)" rx_start hx 19392 "$RX2"
sed -e "s|127.0.0.1:$PORT|127.0.0.1:19392|" -e '/^hooks-dir/d' "$CONF" >"$etc/watch.conf"
nsenter --net="/run/netns/$(lab_ns hx)" --mount="$LAB_DIR/mnt/hx" -- \
	env WGF_KEY_FILE="$LAB_DIR/hx.key" WGF_STATE_DIR="$LAB_DIR/state-hx" NO_COLOR=1 \
	"$WGF" watch --host hx --config "$etc/watch.conf" --interval-scale 0.2 "$repo" >"$LAB_DIR/watch.log" 2>&1 &
WATCH_PID=$!
watch_says() { grep -qE "$1" "$LAB_DIR/watch.log" 2>/dev/null; }
check "watch runs on hx: exit group eu" retry 20 watch_says 'host "hx", exit group eu: 2 members'
check "eu's table goes out of xa" retry 20 bash -c "ip -n $(lab_ns hx) route show table all | grep -q 'default dev nfxa'"
lab_wg_stop xa
check "xa's wireguard-go killed: watch switches eu to xb" retry 40 watch_says 'exit group eu, table [0-9]+: xa -> xb'

RX_SAVE=$RX; RX=$RX2
check "exit-failover delivered" wait_count exit-failover 1
PHOST=hx
check "exit-failover: group eu, xa -> xb, the table, why; signed" payload_ok exit-failover \
	'.details.group == "eu" and .details.from == "xa" and .details.to == "xb" and .details.table > 0
	 and (.details.why | length > 0) and .revision == null'
RX=$RX_SAVE PHOST=hub
# the receiver down: watch's rounds go on (it never waits for a delivery)
check "hx's receiver is stopped" rx_stop hx 19392 "$RX2"
wgf_on xa apply --yes "$repo" >"$LAB_DIR/apply.xa2" 2>&1 || fail "xa's WireGuard again"
t0=$(date +%s%N)
check "xa back, receiver down: watch still switches eu back to xa (after the hold)" \
	retry 60 watch_says 'exit group eu, table [0-9]+: xb -> xa'
note "switch back with the receiver down after $(ms_since "$t0") ms (hold 5 s x 0.2)"
check "watch says the failed delivery on stderr" retry 20 watch_says 'notify: exit-failover [0-9a-f]{32} \(https://127.0.0.1:19392/…\): .*attempts'
check "and records it in hx's notify.json" retry 20 jq_q \
	'.targets["https://127.0.0.1:19392/…"].last_failure.event == "exit-failover"' "$LAB_DIR/state-hx/notify.json"
kill "$WATCH_PID" 2>/dev/null; wait "$WATCH_PID" 2>/dev/null
sed 's/^/#   watch: /' "$LAB_DIR/watch.log"

lab_done
