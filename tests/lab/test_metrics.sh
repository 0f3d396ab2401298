#!/usr/bin/env bash
# wgf metrics against the real Prometheus on real tunnels: a hub, a router
# (wgf) and alice (plain wg) with keepalive. In the hub's namespace: `wgf
# metrics --listen`, node_exporter's textfile collector reading what `wgf
# reconcile` (metrics-textfile) writes, and Prometheus scraping both every
# second. PromQL over its HTTP API: names and health of the peers, receive
# bytes grown by at least what alice pinged, no drift after a converged
# reconcile, drift items after a peer removed by hand (and repaired), the
# loop's outcome and times; an exit failover under `wgf watch` (exa's underlay
# cut: the member in use changes to exb); promtool check metrics on the
# endpoint's and the textfile's output; 404, IPv6, SIGTERM ends it with 0.
set -u
LAB_RUN=${LAB_RUN:-mt$$}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
lab_start "${1:-build}"
lab_need jq curl git prometheus promtool prometheus-node-exporter || { lab_done; exit 1; }

P_WGF=19290 P_PROM=19291 P_NODE=19292 P_WGF6=19293
PIDS=()
mt_cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	lab_cleanup
}
trap mt_cleanup EXIT

repo=$LAB_DIR/repo
mkdir -p "$repo/hosts" "$repo/peers"
cat >"$repo/network.yaml" <<'Y'
apiVersion: wgf/v1
kind: Network
metadata:
  name: mtnet
spec:
  interface: mtw0
  listenPort: 51820
  persistentKeepalive: 25
  addressPools:
    ipv4: 10.62.0.0/24
Y
cat >"$repo/hosts/hub.yaml" <<'Y'
apiVersion: wgf/v1
kind: Host
metadata:
  name: hub
spec:
  role: hub
  publicKey: PLACEHOLDER
  addresses: [10.62.0.1/24]
  endpoint: 198.51.100.1:51820
  maxPeers: 10
Y
cat >"$repo/hosts/router.yaml" <<'Y'
apiVersion: wgf/v1
kind: Host
metadata:
  name: router
spec:
  role: router
  publicKey: PLACEHOLDER
  addresses: [10.62.0.2/24]
Y
cat >"$repo/peers/alice.yaml" <<'Y'
apiVersion: wgf/v1
kind: Peer
metadata:
  name: alice
spec:
  publicKey: PLACEHOLDER
  addresses: [10.62.0.10]
  hubs: [hub]
  persistentKeepalive: 25
  exit: eu
Y
# two exits for alice's group eu (priority: exa, then exb); the hub's tunnels to them: mtxa, mtxb
for x in a:3 b:4; do
	cat >"$repo/hosts/ex${x%:*}.yaml" <<Y
apiVersion: wgf/v1
kind: Host
metadata:
  name: ex${x%:*}
spec:
  role: exit
  publicKey: PLACEHOLDER
  endpoint: 198.51.100.${x#*:}:51820
  addresses: [10.62.0.${x#*:}/24]
  exitInterface: mtx${x%:*}
Y
done
cat >"$repo/exits.yaml" <<'Y'
apiVersion: wgf/v1
kind: ExitGroup
metadata:
  name: eu
spec:
  network: mtnet
  members:
    - {host: exa, priority: 10}
    - {host: exb, priority: 20}
  health:
    hold: 5s
Y

lab_switch
for h in hub router alice exa exb; do lab_host "$h"; done
lab_port hub 198.51.100.1/24
lab_port router 198.51.100.2/24
lab_port alice 198.51.100.10/24
lab_port exa 198.51.100.3/24
lab_port exb 198.51.100.4/24

set_public_key "$repo" hub "$(wgf_host_key hub)"
set_public_key "$repo" router "$(wgf_host_key router)"
set_public_key "$repo" exa "$(wgf_host_key exa)"
set_public_key "$repo" exb "$(wgf_host_key exb)"
(umask 077; wg genkey >"$LAB_DIR/alice.key")
ALICEPUB=$(wg pubkey <"$LAB_DIR/alice.key")
set_public_key "$repo" alice "$ALICEPUB"
HUBPUB=$(WGF_KEY_FILE=$LAB_DIR/hub.key "$WGF" host pubkey)
git -C "$repo" init -q -b main && git -C "$repo" add -A &&
	git -C "$repo" -c user.name=lab -c user.email=lab@example.org commit -qm net

check "apply on exa" wgf_on exa apply --yes "$repo"
check "apply on exb" wgf_on exb apply --yes "$repo"
check "apply on hub" wgf_on hub apply --yes "$repo"
check "apply on router" wgf_on router apply --yes "$repo"
lab_wg_up alice mtw0
in_host alice wg set mtw0 private-key "$LAB_DIR/alice.key" peer "$HUBPUB" endpoint 198.51.100.1:51820 \
	allowed-ips 10.62.0.0/24 persistent-keepalive 25
in_host alice ip addr add 10.62.0.10/24 dev mtw0
in_host alice ip link set mtw0 up
check "alice pings the hub through the tunnel" pings alice 10.62.0.1
check "the router pings the hub through the tunnel" pings router 10.62.0.1

# the reconcile loop on the hub writes the textfile after every run
TXT=$LAB_DIR/textfile
mkdir -p "$TXT"
cat >"$LAB_DIR/reconcile.conf" <<C
remote = file://$repo
verify = off
metrics-textfile = $TXT
C
rec() { wgf_on hub reconcile --config "$LAB_DIR/reconcile.conf" >"$LAB_DIR/rec.$1" 2>&1; }
check "reconcile (converged) writes the textfile" rec 1
check "... wgf.prom is there, mode 0644, no temporary file left" \
	bash -c "[ \"\$(stat -c %a '$TXT/wgf.prom')\" = 644 ] && [ \"\$(ls '$TXT')\" = wgf.prom ]"
check "promtool check metrics passes on the textfile" bash -c "promtool check metrics <'$TXT/wgf.prom'"
check "the textfile names alice (the repository at the applied revision)" \
	grep -q "^wireguard_peer_info{device=\"mtw0\",public_key=\"$ALICEPUB\",endpoint=\"198.51.100.10:[0-9]*\",name=\"alice\"} 1$" "$TXT/wgf.prom"
check "wgf metrics --textfile DIR writes the same file" \
	bash -c "rm '$TXT/wgf.prom' && nsenter --net=/run/netns/$(lab_ns hub) --mount='$LAB_DIR/mnt/hub' -- env WGF_KEY_FILE='$LAB_DIR/hub.key' WGF_STATE_DIR='$LAB_DIR/state-hub' '$WGF' metrics --host hub --textfile '$TXT' '$repo' && grep -q '^wgf_build_info' '$TXT/wgf.prom'"
check "reconcile again (the textfile back from the loop)" rec 2

# spawn NAME CMD...: CMD in the hub's namespace, in the background, its PID kept
spawn() {
	local name=$1; shift
	nsenter --net="/run/netns/$(lab_ns hub)" --mount="$LAB_DIR/mnt/hub" -- "$@" >"$LAB_DIR/$name.log" 2>&1 &
	PIDS+=($!)
	eval "PID_$name=$!"
}
spawn wgf env WGF_KEY_FILE="$LAB_DIR/hub.key" WGF_STATE_DIR="$LAB_DIR/state-hub" "$WGF" metrics --host hub \
	--listen 127.0.0.1:$P_WGF "$repo"
spawn node prometheus-node-exporter --collector.disable-defaults --collector.textfile \
	--collector.textfile.directory="$TXT" --web.listen-address=127.0.0.1:$P_NODE
cat >"$LAB_DIR/prometheus.yml" <<P
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: wgf
    static_configs: [{targets: ['127.0.0.1:$P_WGF']}]
  - job_name: node
    static_configs: [{targets: ['127.0.0.1:$P_NODE']}]
P
spawn prom prometheus --config.file="$LAB_DIR/prometheus.yml" --storage.tsdb.path="$LAB_DIR/tsdb" \
	--web.listen-address=127.0.0.1:$P_PROM
check "wgf metrics, node_exporter and Prometheus listen" wait_listening hub tcp $P_WGF $P_NODE $P_PROM

in_host hub curl -sf http://127.0.0.1:$P_WGF/metrics >"$LAB_DIR/endpoint.prom"
check "GET /metrics: promtool check metrics passes" bash -c "promtool check metrics <'$LAB_DIR/endpoint.prom'"
check "GET /metrics: alice named" grep -q 'name="alice"' "$LAB_DIR/endpoint.prom"
check "GET /other: 404" test "$(in_host hub curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$P_WGF/other)" = 404
in_host hub curl -sI http://127.0.0.1:$P_WGF/metrics >"$LAB_DIR/endpoint.head"
check "the content type is Prometheus' text format 0.0.4" grep -qi '^content-type: text/plain; version=0.0.4' "$LAB_DIR/endpoint.head"

# pq QUERY: the first value of a PromQL instant query ("" when none)
pq() {
	in_host hub curl -s --data-urlencode "query=$1" "http://127.0.0.1:$P_PROM/api/v1/query" |
		jq -r '.data.result[0].value[1] // empty'
}
# pq_is QUERY VALUE: waits (10 s, or PQ_TRIES x 0.25 s) for the query to give VALUE
pq_is() { local i; for ((i = 0; i < ${PQ_TRIES:-40}; i++)); do [ "$(pq "$1")" = "$2" ] && return 0; sleep 0.25; done
	echo "#   $1 = '$(pq "$1")', want '$2'" >&2; return 1; }
# pq_wait SECONDS QUERY VALUE: pq_is, waiting up to SECONDS
pq_wait() { PQ_TRIES=$(($1 * 4)) pq_is "$2" "$3"; }
check "Prometheus scrapes wgf metrics" pq_is 'up{job="wgf"}' 1
check "Prometheus scrapes node_exporter" pq_is 'up{job="node"}' 1
check "node_exporter read wgf.prom (no textfile error)" pq_is 'node_textfile_scrape_error{job="node"}' 0
check "endpoint: alice named in wireguard_peer_info" pq_is 'wireguard_peer_info{job="wgf",name="alice"}' 1
check "textfile: alice named in wireguard_peer_info" pq_is 'wireguard_peer_info{job="node",name="alice"}' 1
check "endpoint: the hub's device with its public key" pq_is "wireguard_device_info{job=\"wgf\",device=\"mtw0\",public_key=\"$HUBPUB\"}" 1
check "alice is online" pq_is 'wgf_peer_health{job="wgf",name="alice",verdict="online"}' 1
check "the router is online" pq_is 'wgf_peer_health{job="wgf",name="router",verdict="online"}' 1
check "the peers on mtw0, as wg shows them" pq_is 'wgf_peers{job="wgf",interface="mtw0"}' "$(in_host hub wg show mtw0 peers | wc -l)"
check "1 peer assigned to the hub by the repository" pq_is 'wgf_peers_assigned{job="wgf",interface="mtw0"}' 1
check "the hub's capacity: maxPeers 10" pq_is 'wgf_peers_capacity{job="wgf",interface="mtw0"}' 10
check "the host is healthy" pq_is 'wgf_host_health{job="wgf",level="healthy"}' 1
check "alice's last handshake is a recent unix time" \
	pq_is "(time() - wireguard_peer_last_handshake_seconds{job=\"wgf\",public_key=\"$ALICEPUB\"}) < bool 300" 1
check "converged: no drift items" pq_is 'sum(wgf_drift_items{job="wgf"})' 0
check "the loop's last outcome: no-changes" pq_is 'wgf_reconcile_outcome{job="wgf",outcome="no-changes"}' 1
check "verify = off: signature not verified" pq_is 'wgf_signature_verified{job="wgf",verify="off"}' 0
check "last success within a minute" pq_is '(time() - wgf_reconcile_last_success_timestamp_seconds{job="wgf"}) < bool 60' 1

# traffic: 20 pings of 1000 bytes from alice; the hub's receive counter grows by more than that
RX="wireguard_peer_receive_bytes_total{job=\"wgf\",public_key=\"$ALICEPUB\"}"
sleep 1.5
rx0=$(pq "$RX")
check "receive bytes of alice known before" test -n "$rx0"
check "alice pings the hub 20 times with 1000 bytes" in_host alice ping -q -c 20 -i 0.05 -s 1000 -W 1 10.62.0.1
grown() { local v; v=$(pq "$RX"); [ -n "$v" ] && [ "$v" -ge $((rx0 + 20 * 1000)) ]; }
check "Prometheus: alice's receive bytes grew by at least 20000" retry 20 grown
check "increase() over the last minute sees it too" \
	pq_is "increase(${RX}[1m]) >= bool 20000" 1

# drift: alice removed on the hub by hand; reconcile finds it, repairs it, records it
in_host hub wg set mtw0 peer "$ALICEPUB" remove
check "reconcile repairs the drift" rec 3
check "... and says it applied" grep -q "Reconciled" "$LAB_DIR/rec.3"
check "endpoint: drift items of kind peer > 0" pq_is 'wgf_drift_items{job="wgf",kind="peer"} > bool 0' 1
check "textfile (node_exporter): drift items of kind peer > 0" pq_is 'wgf_drift_items{job="node",kind="peer"} > bool 0' 1
check "the loop's last outcome: applied" pq_is 'wgf_reconcile_outcome{job="wgf",outcome="applied"}' 1
# (alice's old session is gone on the hub: she starts a new handshake after
# keepalive-timeout + rekey-timeout, 15 s)
check "alice pings the hub again (a new handshake)" retry 40 in_host alice ping -c 1 -W 1 10.62.0.1
check "reconcile once more: converged" rec 4
check "drift back to 0" pq_is 'sum(wgf_drift_items{job="node"})' 0
# a suspended loop: the skipped run still writes the textfile, which says so
check "wgf suspend on the hub" in_host hub env WGF_STATE_DIR="$LAB_DIR/state-hub" "$WGF" suspend --reason maintenance
check "a skipped (suspended) reconcile exits 0" rec 5
check "textfile: the loop is suspended" pq_is 'wgf_reconcile_suspended{job="node"}' 1
check "endpoint: the host is degraded (the loop is suspended)" pq_is 'wgf_host_health{job="wgf",level="degraded"}' 1
check "wgf resume on the hub" in_host hub env WGF_STATE_DIR="$LAB_DIR/state-hub" "$WGF" resume

# exit failover: wgf watch on the hub; exa's underlay cut: exb takes over
spawn watch env WGF_KEY_FILE="$LAB_DIR/hub.key" WGF_STATE_DIR="$LAB_DIR/state-hub" NO_COLOR=1 \
	"$WGF" watch --host hub "$repo"
INUSE='sum(wgf_exit_member_in_use{job="wgf",group="eu",member="%s"}) > bool 0'
# shellcheck disable=SC2059
check "watch running: exa is the member in use (priority)" pq_wait 30 "$(printf "$INUSE" exa)" 1
check "... exb is not" pq_is "$(printf "$INUSE" exb)" 0
check "... both members up" pq_is 'sum(wgf_exit_member_up{job="wgf",group="eu"})' 2
check "... watch is running" pq_is 'wgf_exit_watch_running{job="wgf"}' 1
in_host exa ip link set eth0 down
check "exa cut off: exb becomes the member in use" pq_wait 40 "$(printf "$INUSE" exb)" 1
check "... exa is no longer in use" pq_is "$(printf "$INUSE" exa)" 0
check "... and down" pq_is 'wgf_exit_member_up{job="wgf",group="eu",member="exa"}' 0
check "Prometheus saw the member in use change (exa then exb, over 2 minutes)" \
	pq_is 'sum(max_over_time(wgf_exit_member_in_use{job="wgf",group="eu",member="exa"}[2m])) + sum(max_over_time(wgf_exit_member_in_use{job="wgf",group="eu",member="exb"}[2m]))' 2
kill -TERM "$PID_watch"; wait "$PID_watch"

# IPv6 loopback, and SIGTERM ends the server with 0
spawn wgf6 env WGF_STATE_DIR="$LAB_DIR/state-hub" "$WGF" metrics --listen "[::1]:$P_WGF6"
check "--listen [::1]:PORT listens" wait_listening hub tcp $P_WGF6
in_host hub curl -sfg "http://[::1]:$P_WGF6/metrics" >"$LAB_DIR/endpoint6.prom"
check "... and serves over IPv6" grep -q '^wgf_build_info' "$LAB_DIR/endpoint6.prom"
kill -TERM "$PID_wgf"; wait "$PID_wgf"; rc=$?
check "SIGTERM ends wgf metrics --listen with exit 0" test $rc -eq 0
kill -INT "$PID_wgf6"; wait "$PID_wgf6"; rc=$?
check "SIGINT too" test $rc -eq 0
check "a non-loopback address is allowed, and said" \
	bash -c "grep -q 'not on loopback' <(timeout 2 nsenter --net=/run/netns/$(lab_ns hub) -- env WGF_STATE_DIR=$LAB_DIR/state-hub '$WGF' metrics --listen 198.51.100.1:$P_WGF 2>&1)"

lab_done
