# Helpers for the hostile-input suite. Sourcing this file only defines functions;
# tests/hostile/run sets WGF, HOSTILE_TMP and the counters before it sources the cases.
#
#   hcase NAME                 start a case: $R is a fresh copy of base/ (a valid repository)
#   hfile PATH <<'Y' … Y       write PATH (relative to $R) from standard input
#   happend PATH <<'Y' … Y     append standard input to PATH (a base file keeps its locations)
#   hrun [ARGS…]               run wgf ARGS (default: validate $R) with a deadline;
#                              sets $RC, and $OUT / $ERR (files holding stdout / stderr)
#   hcheck EXIT LOC MSG [ARGS…]
#                              hrun ARGS, then the case passes only if wgf exited EXIT and
#                              stderr (or stdout, for --json runs) has a line "LOC: MSG…"
#                              (MSG is an extended regex, e.g. 'error: publicKey .* all zeros';
#                              LOC '' matches a message with no location)
#   hnone SEVERITY [ARGS…]     hrun ARGS and fail if any "SEVERITY:" line is printed
#   hnot STRING                fail the current case if any output of its last run holds STRING
#   hok / hfail WHY            count the current case by hand

hcase() {
	H_NAME=$1
	H_BAD=""
	R=$HOSTILE_TMP/repo
	rm -rf "$R"
	cp -a "$HOSTILE_BASE" "$R"
}

hfile() {
	mkdir -p "$(dirname "$R/$1")"
	cat >"$R/$1"
}

happend() {
	cat >>"$R/$1"
}

hrun() {
	OUT=$HOSTILE_TMP/out
	ERR=$HOSTILE_TMP/err
	[ $# -gt 0 ] || set -- validate "$R"
	timeout -k 5 "${HOSTILE_TIMEOUT:-60}" $HOSTILE_WRAP "$WGF" "$@" >"$OUT" 2>"$ERR" </dev/null
	RC=$?
	if [ "$RC" -eq 124 ] || [ "$RC" -eq 137 ]; then
		H_BAD="${H_BAD}wgf did not finish within ${HOSTILE_TIMEOUT:-60} s; "
	elif [ "$RC" -gt 2 ]; then
		H_BAD="${H_BAD}wgf exited $RC (crash or sanitizer report); "
	fi
}

# hmatch LOC MSG: is there a line "LOC: MSG…" in stderr or stdout?
hmatch() {
	local loc=$1 msg=$2 re
	if [ -n "$loc" ]; then
		re="^$(printf '%s' "$loc" | sed 's/[][\.*^$+?(){}|/]/\\&/g'): $msg"
	else
		re="^(wgf: )?$msg"
	fi
	grep -qE -- "$re" "$ERR" "$OUT"
}

hnot() {
	if grep -qF -- "$1" "$OUT" "$ERR"; then
		H_BAD="${H_BAD}output contains \"$1\"; "
	fi
}

hok() {
	ok "$H_NAME"
}

hfail() {
	fail "$H_NAME: $1"
	sed 's/^/    | /' "$ERR" | head -n 12
	sed 's/^/    > /' "$OUT" | head -n 6
}

# hdone: count the case from what its checks found
hdone() {
	if [ -n "$H_BAD" ]; then hfail "$H_BAD"; else hok; fi
}

hcheck() {
	local want=$1 loc=$2 msg=$3
	shift 3
	hrun "$@"
	[ "$RC" -eq "$want" ] || H_BAD="${H_BAD}exit $RC, expected $want; "
	hmatch "$loc" "$msg" || H_BAD="${H_BAD}no line \"$loc: $msg\"; "
	hdone
}

hnone() {
	local sev=$1
	shift
	hrun "$@"
	if grep -qE "(^|: )$sev:" "$ERR" "$OUT"; then
		H_BAD="${H_BAD}unexpected $sev; "
	fi
	hdone
}
