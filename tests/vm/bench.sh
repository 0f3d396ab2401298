#!/usr/bin/env bash
# Kernel WireGuard timings, run in the guest by tests/bench/vm (tests/vm/run BUILD bench):
#   - wgf apply from empty of N peers (tests/bench/gen's network) against `wg setconf`
#     of the same configuration into a new kernel device, and against `wg setconf`
#     plus `nft -f` of the table wgf made (wgf's apply does both jobs);
#   - a no-op wgf plan against `wg syncconf` of the unchanged configuration.
# The guest is emulated (TCG): only the ratios mean anything. Prints "ok/not ok"
# for the functional checks and "# bench-vm KEY VALUE" lines that tests/bench/vm reads.
# env: BENCH_PEERS (default 10000), BENCH_RUNS (default 3)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lab/lib.sh"
lab_start "${1:-build}"
N=${BENCH_PEERS:-10000} RUNS=${BENCH_RUNS:-3}

lab_host hub
(umask 077; wg genkey >"$LAB_DIR/hub.key")
python3 "$here/../bench/gen" "$LAB_DIR/g" --hub-key "$LAB_DIR/hub.key" --peers "$N" --seed 11 >/dev/null
repo=$LAB_DIR/g/repo conf=$LAB_DIR/g/setconf.conf

ms() {   # ms CMD...: the command's wall time in ms; fails with it
	local t=$(date +%s%N)
	"$@" >"$LAB_DIR/cmd.out" 2>&1 || { sed 's/^/#   /' "$LAB_DIR/cmd.out" | tail -n 5 >&2; return 1; }
	echo $(( ($(date +%s%N) - t) / 1000000 ))
}
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
fresh() {   # nothing of wgf's on the host: no device, no table, no state
	in_host hub ip link del wg0 2>/dev/null
	in_host hub nft delete table inet wgf 2>/dev/null
	rm -rf "$LAB_DIR/state-hub"
}

apply=() setconf=() both=() plan=() sync=() bad=0
for ((i = 1; i <= RUNS; i++)); do
	fresh
	a=$(ms wgf_on hub apply --yes "$repo") || { bad=1; break; }
	[ $i -eq 1 ] && wgf_peers=$(in_host hub wg show wg0 peers | wc -l)
	in_host hub nft -s list table inet wgf >"$LAB_DIR/table.nft"
	p=$(ms wgf_on hub plan "$repo") || { bad=2; break; }   # plan exits 0 only when converged
	in_host hub ip link del wgs 2>/dev/null; in_host hub ip link add wgs type wireguard
	s=$(ms in_host hub wg setconf wgs "$conf") || { bad=3; break; }
	y=$(ms in_host hub wg syncconf wgs "$conf") || { bad=3; break; }
	# setconf and the same table through nft, from nothing
	fresh
	{ printf 'add table inet wgf\ndelete table inet wgf\n'; cat "$LAB_DIR/table.nft"; } >"$LAB_DIR/load.nft"
	in_host hub ip link del wgs; in_host hub ip link add wgs type wireguard
	b=$(ms in_host hub sh -c "wg setconf wgs '$conf' && nft -f '$LAB_DIR/load.nft'") || { bad=3; break; }
	apply+=("$a") plan+=("$p") setconf+=("$s") sync+=("$y") both+=("$b")
	echo "# run $i: apply ${a} ms, wg setconf ${s} ms, wg setconf + nft -f ${b} ms; plan ${p} ms, wg syncconf ${y} ms"
done
check "bench: wgf apply of $N peers succeeds and converges (plan exit 0), $RUNS times" test "$bad" -eq 0
check "bench: wg(8) shows $N peers on wgf's device" test "${wgf_peers:-0}" -eq "$N"
check "bench: and on the one wg setconf / syncconf wrote" test "$(in_host hub wg show wgs peers | wc -l)" -eq "$N"
if [ "$bad" -eq 0 ]; then
	ma=$(median "${apply[@]}") ms_=$(median "${setconf[@]}") mb=$(median "${both[@]}")
	mp=$(median "${plan[@]}") my=$(median "${sync[@]}")
	echo "# bench-vm peers $N"
	echo "# bench-vm runs $RUNS"
	echo "# bench-vm kernel $(uname -r)"
	echo "# bench-vm apply_vs_setconf $(awk -v a="$ma" -v b="$ms_" 'BEGIN { printf "%.2f", a / b }')"
	echo "# bench-vm apply_vs_setconf_nft $(awk -v a="$ma" -v b="$mb" 'BEGIN { printf "%.2f", a / b }')"
	echo "# bench-vm plan_vs_syncconf $(awk -v a="$mp" -v b="$my" 'BEGIN { printf "%.2f", a / b }')"
fi
lab_done
