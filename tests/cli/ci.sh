# examples/ci/: every command of the GitHub and GitLab pipelines that needs no CI
# service, run as a runner runs it (an unprivileged user, bash -e, wgf on PATH) in a
# clone of an example whose pull request opens one port; the rollout (`wgf fleet
# apply` with the credentials the pipeline writes) against an inventory whose hosts
# refuse the connection: every Host is tried and reported unreachable, exit 1.
# tests/cli/ci_steps.py names the steps left out (install, checkout and artifacts,
# the comment APIs) and refuses to leave out any other. Sourced by tests/cli/run
# (uses its $pa, run3, check).
ci=$pa/ci
mkdir -p "$ci/bin" "$ci/home" "$ci/runner" "$ci/steps"
ln -s "$WGF" "$ci/bin/wgf"
cp -r "$top/examples/isp-multitenant" "$ci/origin"
cg() { git -c safe.directory='*' -c user.name=t -c user.email=t@example.org "$@"; }
cg -C "$ci/origin" init -q -b main && cg -C "$ci/origin" add -A && cg -C "$ci/origin" commit -q -m base
cg clone -q "$ci/origin" "$ci/work"
cg -C "$ci/work" checkout -q -b open-8080
sed -i 's/      ports: \[22\]/      ports: [22, 8080]/' "$ci/work/policies/globex-contractors.yaml"
cg -C "$ci/work" commit -q -a -m "contractors: 8080 on the build server"
# the fleet's credentials, as the secrets would hold them: hosts that refuse (port 1)
ssh-keygen -q -t ed25519 -N '' -C ci -f "$ci/id_ed25519"
printf 'core root@127.0.0.1:1\nacme-router root@127.0.0.1:1\nglobex-router root@[::1]:1\n' >"$ci/inventory"
: >"$ci/known_hosts"
chown -R nobody "$ci"
python3 "$here/ci_steps.py" "$ci/steps" "$top/examples/ci/github/.github/workflows/wgf.yml" "$top/examples/ci/gitlab/.gitlab-ci.yml" >"$tmp/skips" 2>&1
check "ci: the steps left out are exactly those that need the CI service" test $? -eq 0
sed 's/^/# /' "$tmp/skips"
# the report a pipeline wrote in $ci/work: the one flow the pull request opens
ci_report() {
	grep -qx '### Reachability' "$ci/work/report.md" &&
	grep -qF '| peer globex-dave | 192.168.20.30 (LAN 192.168.20.0/24 of host globex-router) | tcp/8080 (IPv4) | drop | **accept** | policy globex-contractors rule 1' "$ci/work/report.md" &&
	tail -n1 "$ci/work/report.html" | grep -qx '</main></body></html>' &&
	python3 -c "import json; d=json.load(open('$ci/work/report.json')); assert len(d['reachability']['flows']) == 1"
}
for pipeline in github gitlab; do
	rm -f "$ci/work"/report.*
	n=0
	for step in "$ci/steps"/*-"$pipeline"-*.sh; do
		n=$((n + 1))
		r=$(cd "$ci/work" && run3 setpriv --reuid=nobody --regid=nogroup --clear-groups \
			env -i PATH="$ci/bin:/usr/bin:/bin" HOME="$ci/home" RUNNER_TEMP="$ci/runner" \
			BASE=origin/main CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main \
			SSH_KEY="$(cat "$ci/id_ed25519")" KNOWN_HOSTS="" INVENTORY="$(cat "$ci/inventory")" \
			WGF_FLEET_SSH_KEY="$ci/id_ed25519" WGF_FLEET_KNOWN_HOSTS="$ci/known_hosts" \
			WGF_FLEET_INVENTORY="$ci/inventory" WGF_CANARY=core CANARY=core bash -eo pipefail "$step")
		case $step in
		*.fleet.sh)
			checkw "ci $pipeline: $(basename "$step" .sh) runs wgf fleet apply: every Host tried, unreachable, exit 1" \
				bash -c "test $r -eq 1 && grep -qE '^core +unreachable +- .*\\(canary\\) connecting to 127.0.0.1 port 1' '$tmp/o' && test \$(grep -cE '^(acme|globex)-router +not-run ' '$tmp/o') -eq 2 && ! grep -q 'Usage' '$tmp/o' '$tmp/e' || { cat '$tmp/o' '$tmp/e'; exit 1; }" ;;
		*)
			checkw "ci $pipeline: $(basename "$step" .sh) succeeds: $(head -n1 "$step")" bash -c "test $r -eq 0 || { cat '$tmp/o' '$tmp/e'; exit 1; }" ;;
		esac
	done
	check "ci $pipeline: some steps ran ($n)" test "$n" -ge 3
	checkw "ci $pipeline: the report (Markdown, HTML, JSON) shows the port the change opens" ci_report
done
check "ci: the github rollout left no credentials behind" bash -c "! test -e '$ci/runner/fleet'"
