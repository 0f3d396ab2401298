# wgf metrics without root, sourced by tests/cli/run: promtool check metrics on
# its output with the loop's and watch's records (reconcile.json with drift,
# exits.json), --textfile (atomic, 0644, replaces), usage errors, and the
# example Grafana dashboard: JSON whose every metric name wgf emits and README
# documents.

ms=$tmp/metrics
mkdir -p "$ms/state" "$ms/tf"
cat >"$ms/state/reconcile.json" <<'J'
{"remote":"file:///srv/net.git","ref":"main","verify":"commit",
 "last_attempt":{"revision":"0123456789abcdef0123456789abcdef01234567","time":"2026-12-01T06:30:00Z","outcome":"failed",
   "reason":"apply failed","signer":{"principal":"ops@example.org","fingerprint":"SHA256:abc"}},
 "last_applied":{"revision":"89abcdef0123456789abcdef0123456789abcdef","time":"2026-12-01T06:00:00Z","outcome":"applied",
   "reason":null,"signer":{"principal":"ops@example.org","fingerprint":"SHA256:abc"}},
 "consecutive_failures":2,"last_success":"2026-12-01T06:00:00Z","next_attempt":"2026-12-01T06:40:00Z",
 "drift":{"interface":0,"peer":3,"nftables table":1},"suspended":null}
J
cat >"$ms/state/exits.json" <<'J'
{"host":"gw","updated_ms":1796106600000,"interval_ms":1000,"groups":[{"name":"egress","strategy":"failover",
 "when_all_down":"blackhole","members":[{"name":"exit-a","interface":"wgx-a","up":false,"since_ms":null,
 "why":"no handshake","latency_ms":null,"handshake_age_s":null},{"name":"exit-b","interface":"wgx-b","up":true,
 "since_ms":null,"why":null,"latency_ms":1.5,"handshake_age_s":3}],
 "tables":[{"table":52000,"slot":null,"route":"member","member":"exit-b","switched_ms":null}]}]}
J
# wm ARGS...: wgf metrics with this state directory, stdout in $tmp/o, stderr in $tmp/e; prints the exit status
wm() { run3 env WGF_NOW=1796107000 "$WGF" metrics --state-dir "$ms/state" "$@"; }
cp -r "$top/examples/home-access" "$ms/repo"
printf '  keyCreated: 2026-01-31\n' >>"$ms/repo/hosts/hub.yaml"
r=$(wm "$ms/repo")
cp "$tmp/o" "$ms/full.prom"
check "metrics with a repository and the loop's and watch's records: exit 0" test "$r" -eq 0
if command -v promtool >/dev/null; then
	checkw "promtool check metrics passes" promtool check metrics <"$ms/full.prom"
else
	fail "promtool check metrics (promtool missing: make deps installs prometheus)"
fi
check "the loop: outcome, failures, applied revision, signer" bash -c "grep -qx 'wgf_reconcile_outcome{outcome=\"failed\"} 1' '$ms/full.prom' &&
	grep -qx 'wgf_reconcile_consecutive_failures 2' '$ms/full.prom' &&
	grep -qx 'wgf_reconcile_revision_info{revision=\"89abcdef0123456789abcdef0123456789abcdef\"} 1' '$ms/full.prom' &&
	grep -qx 'wgf_signature_verified{principal=\"ops@example.org\",verify=\"commit\"} 1' '$ms/full.prom'"
check "the loop's times as unix seconds" bash -c "grep -qx 'wgf_reconcile_last_attempt_timestamp_seconds 1796106600' '$ms/full.prom' &&
	grep -qx 'wgf_reconcile_last_success_timestamp_seconds 1796104800' '$ms/full.prom'"
check "drift items by kind" bash -c "grep -qx 'wgf_drift_items{kind=\"peer\"} 3' '$ms/full.prom' && grep -qx 'wgf_drift_items{kind=\"nftables table\"} 1' '$ms/full.prom'"
check "exit members up and in use" bash -c "grep -qx 'wgf_exit_member_up{group=\"egress\",member=\"exit-a\"} 0' '$ms/full.prom' &&
	grep -qx 'wgf_exit_member_in_use{group=\"egress\",table=\"52000\",member=\"exit-b\"} 1' '$ms/full.prom' &&
	grep -qx 'wgf_exit_member_in_use{group=\"egress\",table=\"52000\",member=\"exit-a\"} 0' '$ms/full.prom'"
check "watch's record is old: not running" grep -qx 'wgf_exit_watch_running 0' "$ms/full.prom"
check "key age from keyCreated (2026-01-31), due for rotation by the default maxAge" bash -c "
	grep -qx 'wgf_key_age_seconds{name=\"hub\",kind=\"host\"} 26289400' '$ms/full.prom' &&
	grep -qx 'wgf_key_rotation_due_seconds{name=\"hub\",kind=\"host\"} 5160200' '$ms/full.prom'"

# --textfile: DIR/wgf.prom, 0644, the same exposition, replaced atomically
echo stale >"$ms/tf/wgf.prom"
r=$(wm --textfile "$ms/tf" "$ms/repo")
check "--textfile: exit 0, nothing on stdout" bash -c "test $r -eq 0 && ! test -s '$tmp/o'"
check "--textfile: wgf.prom replaced with the exposition, mode 0644, nothing else in DIR" \
	bash -c "cmp -s '$ms/tf/wgf.prom' '$ms/full.prom' && test \"\$(stat -c %a '$ms/tf/wgf.prom')\" = 644 && test \"\$(ls '$ms/tf')\" = wgf.prom"
r=$(wm --textfile "$ms/no-such-dir")
check "--textfile into a missing directory: exit 1, says where" bash -c "test $r -eq 1 && grep -q 'no-such-dir/wgf.prom' '$tmp/e'"
r=$(wm --textfile "$ms/tf" --listen 9586)
check "--textfile with --listen: exit 1" bash -c "test $r -eq 1 && grep -q 'give one' '$tmp/e'"
for bad in 127.0.0.1 127.0.0.1:0 127.0.0.1:65536 ::1:9586 'localhost:9586' '[::1]:x'; do
	r=$(wm --listen "$bad")
	check "--listen $bad: exit 1, says the form" bash -c "test $r -eq 1 && grep -q 'takes \[ADDR:\]PORT' '$tmp/e'"
done
r=$(wm --stale-after 0)
check "--stale-after 0: exit 1" test "$r" -eq 1
r=$(run3 "$WGF" reconcile --config /dev/null --remote file:///x --metrics-textfile '' --dry-run)
check "reconcile --metrics-textfile '': exit 1 (needs a value)" bash -c "test $r -eq 1 && grep -q 'metrics-textfile needs a value' '$tmp/e'"

# the example dashboard: JSON; every metric name in its queries is one wgf emits, and README documents it
dash=$top/examples/grafana/wgf.json
check "examples/grafana/wgf.json is JSON with panels" jqe '.panels | length > 5' "$dash"
jq -r '.. | .expr? // empty, (.query? | objects | .query) // empty' "$dash" | grep -oE '\b(wgf|wireguard)_[a-z_]+' | sort -u >"$ms/dash-names"
sed -n 's/^# TYPE \([a-z_]*\) .*/\1/p' "$ms/full.prom" | sort -u >"$ms/emitted"
check "the dashboard queries at least 12 metric names" test "$(wc -l <"$ms/dash-names")" -ge 12
checkw "every metric name of the dashboard is one wgf emits" bash -c "comm -23 '$ms/dash-names' '$ms/emitted' | sed 's/^/not emitted: /' | grep . && exit 1 || exit 0"
checkw "README documents every series wgf emits" bash -c "for n in \$(cat '$ms/emitted'); do grep -q \"^| \\\`\$n\\\`\" '$top/README.md' || echo \"undocumented: \$n\"; done | grep . && exit 1 || exit 0"
