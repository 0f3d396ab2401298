# Part 2 of the hostile-input suite: memory and time are bounded by what the input
# builds, not only by its bytes; long error lists say they were cut. Sourced by run.

# hpeak LIMIT_MIB: the last hrun's peak RSS (from /usr/bin/time) must stay under LIMIT_MIB
hrun_measured() {
	OUT=$HOSTILE_TMP/out ERR=$HOSTILE_TMP/err
	timeout -k 5 120 /usr/bin/time -f 'peak-rss-kib %M' -o "$HOSTILE_TMP/rss" "$WGF" "$@" >"$OUT" 2>"$ERR" </dev/null
	RC=$?
	PEAK_MIB=$(( $(awk '/peak-rss-kib/ {print $2}' "$HOSTILE_TMP/rss") / 1024 ))
}

flat_list() {   # flat_list MIB FILE: "x: [1,1,1,…]" of about MIB MiB
	python3 -c 'import sys; n=(int(sys.argv[1])<<20)//2; open(sys.argv[2],"w").write("x: ["+"1,"*(n-8)+"1]\n")' "$1" "$2"
}

if [ -n "${HOSTILE_SAN:-}" ] || [ -n "$HOSTILE_WRAP" ] || [ ! -x /usr/bin/time ]; then
	skip "memory bound: 60 MiB flat list (sanitizer or wrapper build: memory is not comparable)"
else
	for mib in 20 60; do
		hcase "a $mib MiB flat list is refused within the memory budget (${HOSTILE_MEM_MIB:-400} MiB)"
		flat_list "$mib" "$R/big.yaml"
		hrun_measured validate "$R"
		[ "$RC" -eq 1 ] || H_BAD="${H_BAD}exit $RC; "
		hmatch "big.yaml:1:3999999" "error: too many YAML values: the repository may hold at most 2000000" ||
			H_BAD="${H_BAD}no budget error; "
		[ "$PEAK_MIB" -lt "${HOSTILE_MEM_MIB:-400}" ] || H_BAD="${H_BAD}peak RSS $PEAK_MIB MiB; "
		echo "# $mib MiB flat list: peak RSS $PEAK_MIB MiB"
		hdone
	done
fi

hcase "the node budget spans files: many files of many values are refused once"
for i in $(seq 1 5); do flat_list 1 "$R/many-$i.yaml"; done
hrun validate "$R"
[ "$RC" -eq 1 ] || H_BAD="${H_BAD}exit $RC; "
[ "$(grep -c 'too many YAML values' "$ERR")" -eq 1 ] || H_BAD="${H_BAD}budget error not reported exactly once; "
hdone

hcase "a repository just inside the budget loads"
python3 -c 'import sys; open(sys.argv[1],"w").write("# "+"x"*100+"\n")' "$R/comment.yaml"
hnone error

hcase "64,000 empty documents: an empty repository, refused quickly"
rm -rf "$R"/*
python3 -c 'import sys; open(sys.argv[1],"w").write("---\n"*64000)' "$R/empty.yaml"
hcheck 1 "$R" "error: the repository is empty: directory .* holds no YAML documents \(pass --allow-empty"

hcase "200,000 documents of an unknown kind: the count is real and the cut is said"
python3 -c '
import sys
with open(sys.argv[1], "w") as f:
    f.write("---\napiVersion: wgf/v1\nkind: Gadget\n" * 200000)' "$R/gadgets.yaml"
hrun validate "$R"
[ "$RC" -eq 1 ] || H_BAD="${H_BAD}exit $RC; "
hmatch "" "200000 errors \(only the first 1000 are listed; 199000 more not shown\)" || H_BAD="${H_BAD}no summary; "
[ "$(grep -c ': error: ' "$ERR")" -eq 1000 ] || H_BAD="${H_BAD}not 1000 listed; "
hmatch "gadgets.yaml:3:7" 'error: unknown kind "Gadget"' || H_BAD="${H_BAD}first error not at gadgets.yaml:3:7; "
# the same in JSON: error_count is real, truncated is true
hrun validate --json "$R"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["error_count"] == 200000 and d["truncated"] is True and len(d["errors"]) == 1000, d["error_count"]' "$OUT" ||
	H_BAD="${H_BAD}JSON counts wrong; "
hdone

hcase "YAML nested deeper than 32 levels is refused"
python3 -c 'import sys; open(sys.argv[1],"w").write("x: " + "["*40 + "]"*40 + "\n")' "$R/deep.yaml"
hcheck 1 "deep.yaml:1:35" "error: nested deeper than 32 levels"

hcase "a file over 64 MiB is refused before it is parsed"
truncate -s 65M "$R/huge.yaml"
hcheck 1 "huge.yaml" "error: file is larger than 64 MiB"
