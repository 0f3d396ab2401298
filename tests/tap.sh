# The one test reporter of wgf's shell suites (unit runner, lab, vm; cli and hostile
# can use it the same way). Sourcing it only defines functions and variables.
#
#   . tests/tap.sh
#   TAP_NAME=cli          # the name on the summary line (default: the script's name)
#   tap_plan 12           # optional: the number of results this script will report
#   ok "what passed"
#   fail "what failed"    # "not ok" (aliases: not_ok)
#   skip "why not run"    # counted as skipped, never as passed
#   check "what" CMD...   # ok when CMD exits 0, fail otherwise
#   tap_done              # prints "NAME: N passed, N failed[, N skipped]"; returns 1 on any failure
#
# Output is TAP-like: "ok - ...", "not ok - ...", "ok - ... # SKIP why", "# ..." notes.
# A planned count that differs from what ran is a failure, reported by tap_done.
# Runners read the summary line (tap_summary parses one); a script that prints none
# (it died or exited early) has failed, whatever its exit code.
#
# Existing scripts keep working: the names ok, fail and check are the same as the
# ones tests/cli/run and tests/hostile/lib.sh define for themselves; to switch, source
# this file instead of defining them, set TAP_NAME, and end with `tap_done`
# (in place of printing their own "N passed, N failed" line).

TAP_PASSED=0 TAP_FAILED=0 TAP_SKIPPED=0 TAP_PLAN=
TAP_NAME=${TAP_NAME:-}
TAP_TIMES=${TAP_TIMES:-0}   # 1: after each check, the milliseconds since the previous one
TAP_T0=

tap_plan() { TAP_PLAN=$1; echo "1..$1"; }
ok()     { TAP_PASSED=$((TAP_PASSED + 1)); echo "ok - $*"; }
fail()   { TAP_FAILED=$((TAP_FAILED + 1)); echo "not ok - $*"; }
not_ok() { fail "$@"; }
skip()   { TAP_SKIPPED=$((TAP_SKIPPED + 1)); echo "ok - # SKIP $*"; }
check() {
	local what=$1; shift
	if "$@"; then ok "$what"; else fail "$what"; fi
	tap_time
}
tap_time() {
	[ "$TAP_TIMES" = 1 ] || return 0
	local now; now=$(date +%s%N)
	echo "#   $(( (now - ${TAP_T0:-$now}) / 1000000 )) ms"
	TAP_T0=$now
}
# note TEXT...: a diagnostic line (never counted)
note() { echo "# $*"; }

tap_done() {
	local name=${1:-${TAP_NAME:-$(basename "$0")}} ran
	ran=$((TAP_PASSED + TAP_FAILED + TAP_SKIPPED))
	if [ -n "$TAP_PLAN" ] && [ "$ran" -ne "$TAP_PLAN" ]; then
		fail "$name planned $TAP_PLAN results and reported $ran"
	fi
	if [ "$TAP_SKIPPED" -gt 0 ]; then
		echo "$name: $TAP_PASSED passed, $TAP_FAILED failed, $TAP_SKIPPED skipped"
	else
		echo "$name: $TAP_PASSED passed, $TAP_FAILED failed"
	fi
	[ "$TAP_FAILED" -eq 0 ]
}

# tap_summary TEXT: from the last summary line of TEXT ("NAME: N passed, N failed[, N
# skipped]" at the start of a line: the indented summaries of inner scripts that a
# runner shows do not count), prints "PASSED FAILED SKIPPED" and returns 0; returns 1
# (printing nothing) when TEXT holds no summary line.
tap_summary() {
	local line p f s=0
	line=$(grep -E '^[^[:space:]#=][^:]*: [0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' <<<"$1" | tail -n 1)
	[ -n "$line" ] || return 1
	p=$(grep -oE '[0-9]+ passed' <<<"$line"); p=${p% passed}
	f=$(grep -oE '[0-9]+ failed' <<<"$line"); f=${f% failed}
	if [[ $line =~ ([0-9]+)\ skipped$ ]]; then s=${BASH_REMATCH[1]}; fi
	echo "$p $f $s"
}

# tap_signal RC: "was killed by SIGSEGV" for an exit status above 128, else "exited RC".
tap_signal() {
	local name
	if [ "$1" -gt 128 ] && name=$(kill -l $(($1 - 128)) 2>/dev/null); then
		echo "was killed by SIG$name"
	else
		echo "exited $1"
	fi
}

# tap_tally NAME OUTPUT RC [lines]: the results of one script or runner, from its
# output and exit status, in TALLY_P, TALLY_F, TALLY_S. Adds a failure (with a
# "not ok" line saying why in TALLY_MSG, for the caller to print) for what its own count would hide: no summary line (it
# died or exited before reporting), or a non-zero exit with no failure counted. With
# "lines", the output is one script's own TAP: its "ok"/"not ok" lines must add up
# to its summary (an "ok" echoed by hand, or a result counted but not shown, fails).
tap_tally() {
	local name=$1 out=$2 rc=$3 sum lp lf ls
	TALLY_P=0 TALLY_F=0 TALLY_S=0 TALLY_MSG=
	if ! sum=$(tap_summary "$out"); then
		TALLY_MSG+="not ok - $name printed no summary line (it $(tap_signal "$rc"))"$'\n'
		TALLY_F=1; return 0
	fi
	read -r TALLY_P TALLY_F TALLY_S <<<"$sum"
	if [ "${4:-}" = lines ]; then
		ls=$(grep -cE '^ok .*# SKIP' <<<"$out")
		lp=$(( $(grep -cE '^ok ' <<<"$out") - ls )); lf=$(grep -cE '^not ok ' <<<"$out")
		if [ "$lp $lf $ls" != "$TALLY_P $TALLY_F $TALLY_S" ]; then
			TALLY_MSG+="not ok - $name: its lines ($lp ok, $lf not ok, $ls skipped) do not add up to its summary"$'\n'
			TALLY_F=$((TALLY_F + 1))
		fi
	fi
	if [ "$rc" -ne 0 ] && [ "$TALLY_F" -eq 0 ]; then
		TALLY_MSG+="not ok - $name: no test failed but it $(tap_signal "$rc")"$'\n'; TALLY_F=1
	fi
	return 0
}
