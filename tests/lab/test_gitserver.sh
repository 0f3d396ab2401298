#!/usr/bin/env bash
# The lab git server (tests/lab/gitserver.sh), proven with the real git client
# before wgf relies on it: clones over SSH (deploy key, pinned host key) and over
# HTTPS (test CA, token); each refusal it must be able to stage (wrong or missing
# host key, another key, no or a wrong token, an unknown CA, a push with the
# read-only deploy key); the signatures its helpers make, as git itself and
# ssh-keygen judge them (signed, unsigned, unknown key, wrong namespace, signed
# and unsigned tags); a force-push; a hung server, one that is down, and that
# everything it started is gone after gs_cleanup.
set -u
LAB_RUN=${LAB_RUN:-wgfrc$$}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/gitserver.sh"
lab_start "${1:-build}"
lab_need git ssh ssh-keygen openssl /usr/sbin/sshd || { lab_done; exit 1; }

quiet() { "$@" >/dev/null 2>&1; }
lab_host cl
gs_init "$(lab_ns cl)" 192.0.2.1/24 192.0.2.2/24 || { fail "gs_init"; lab_done; exit 1; }
in_host cl mount --bind "$(gs_hosts_file)" /etc/hosts
check "the client reaches the git server's namespace" quiet in_host cl ping -c 1 -W 2 "$GS_ADDR"

alice=$(gs_signing_key alice)
mallory=$(gs_signing_key mallory)
gs_allowed_signers "$LAB_DIR/allowed_signers" alice@example.org "$alice"
work=$LAB_DIR/work
gs_repo net && gs_work net "$work"
echo one >"$work/a.yaml"
c1=$(gs_commit_signed "$work" "$alice" "first")
echo two >"$work/a.yaml"
c2=$(gs_commit_signed "$work" "$alice" "second")
gs_push "$work"
check "commits pushed to the bare repository" test "$(gs_git -C "$GS_DIR/repos/net.git" rev-parse main)" = "$c2"

# client side: git with no system or global configuration, in the client's namespace
# (GIT_SSL_CAINFO, when the environment sets it, would override http.sslCAInfo: set it per call)
cgit() { in_host cl env GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_TERMINAL_PROMPT=0 HOME="$LAB_DIR" git "$@"; }
cagit() { in_host cl env GIT_SSL_CAINFO="$GS_CA" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null \
	GIT_TERMINAL_PROMPT=0 HOME="$LAB_DIR" git "$@"; }

# --- SSH -------------------------------------------------------------------------
check "sshd starts in the server's namespace" gs_sshd_start
kh=$LAB_DIR/known_hosts
gs_known_hosts "$kh"
url=$(gs_ssh_url net)
note "ssh: $url"
GIT_SSH_COMMAND=$(gs_ssh_command "$kh") cgit clone -q "$url" "$LAB_DIR/c-ssh" 2>"$LAB_DIR/err"
check "git clone over SSH with the deploy key and the pinned host key" test "$(cgit -C "$LAB_DIR/c-ssh" rev-parse HEAD 2>/dev/null)" = "$c2"
sed 's/^/#   /' "$LAB_DIR/err"

ssh-keygen -q -t ed25519 -N '' -f "$LAB_DIR/other_host" -C other
gs_host_key_line 22 "$LAB_DIR/other_host.pub" >"$LAB_DIR/kh-wrong"
GIT_SSH_COMMAND=$(gs_ssh_command "$LAB_DIR/kh-wrong") cgit ls-remote "$url" >/dev/null 2>"$LAB_DIR/err"; rc=$?
check "a different pinned host key: refused" test $rc -ne 0
check "... as a changed host key" grep -q 'REMOTE HOST IDENTIFICATION HAS CHANGED' "$LAB_DIR/err"
: >"$LAB_DIR/kh-empty"
GIT_SSH_COMMAND=$(gs_ssh_command "$LAB_DIR/kh-empty") cgit ls-remote "$url" >/dev/null 2>"$LAB_DIR/err"; rc=$?
check "no known_hosts entry: refused" test $rc -ne 0 -a -n "$(grep -i 'host key verification failed' "$LAB_DIR/err")"

GIT_SSH_COMMAND=$(gs_ssh_command "$kh" "$mallory") cgit ls-remote "$url" >/dev/null 2>"$LAB_DIR/err"; rc=$?
check "a key that is not the deploy key: refused" test $rc -ne 0 -a -n "$(grep 'Permission denied' "$LAB_DIR/err")"
(cd "$LAB_DIR/c-ssh" && echo x >b && gs_git add b && gs_git commit -qm push)
GIT_SSH_COMMAND=$(gs_ssh_command "$kh") cgit -C "$LAB_DIR/c-ssh" push -q origin main 2>"$LAB_DIR/err"; rc=$?
check "the deploy key cannot push (forced command: upload-pack only)" test $rc -ne 0 -a -n "$(grep 'not allowed' "$LAB_DIR/err")"
check "... and the repository is unchanged" test "$(gs_git -C "$GS_DIR/repos/net.git" rev-parse main)" = "$c2"
GIT_SSH_COMMAND=$(gs_ssh_command "$kh") cgit ls-remote "ssh://root@$GS_ADDR/etc/../$GS_DIR/repos/net.git" >/dev/null 2>&1
check "the forced command refuses paths outside the repositories" test $? -ne 0

# --- HTTPS -----------------------------------------------------------------------
echo "s3cret-token-$$" >"$LAB_DIR/token"
check "the HTTPS server starts (test CA, token)" gs_https_start 443 "$LAB_DIR/token"
hurl=$(gs_https_url net)
note "https: $hurl"
check "the server certificate verifies against the test CA (openssl)" \
	quiet openssl verify -CAfile "$GS_CA" -verify_hostname "$GS_NAME" "$GS_DIR/tls/server.pem"
check "... also for its address" quiet openssl verify -CAfile "$GS_CA" -verify_ip "$GS_ADDR" "$GS_DIR/tls/server.pem"
tok=$(cat "$LAB_DIR/token")
cagit clone -q "https://git:$tok@$GS_NAME/net.git" "$LAB_DIR/c-https" 2>"$LAB_DIR/err"
check "git clone over HTTPS with the CA and the token" test "$(cgit -C "$LAB_DIR/c-https" rev-parse HEAD 2>/dev/null)" = "$c2"
sed 's/^/#   /' "$LAB_DIR/err"
check "... the server saw the token's user" grep -q 'git-upload-pack -> 200 user=git' "$GS_DIR/https.log"
cagit ls-remote "https://git:$tok@$GS_ADDR/net.git" >"$LAB_DIR/ls" 2>"$LAB_DIR/err"
check "... and by address (GIT_SSL_CAINFO; the certificate names the IP)" grep -q "^$c2	refs/heads/main" "$LAB_DIR/ls"
cagit ls-remote "$hurl" >/dev/null 2>"$LAB_DIR/err"; rc=$?
check "HTTPS without the token: refused (401)" test $rc -ne 0 -a -n "$(grep -i 'authentication\|could not read Username' "$LAB_DIR/err")"
cagit ls-remote "https://git:wrong@$GS_NAME/net.git" >/dev/null 2>"$LAB_DIR/err"; rc=$?
check "HTTPS with a wrong token: refused" test $rc -ne 0 -a -n "$(grep -i 'authentication failed' "$LAB_DIR/err")"
in_host cl env -u GIT_SSL_CAINFO GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME="$LAB_DIR" \
	git ls-remote "https://git:$tok@$GS_NAME/net.git" >/dev/null 2>"$LAB_DIR/err"; rc=$?
check "HTTPS without the test CA: refused (certificate)" test $rc -ne 0 -a -n "$(grep -i 'certificate' "$LAB_DIR/err")"

# --- signatures, as git and ssh-keygen judge them ---------------------------------
fails() { ! "$@" >/dev/null 2>&1; }
vgit() { gs_git -C "$work" -c gpg.ssh.allowedSignersFile="$LAB_DIR/allowed_signers" "$@"; }
check "a signed commit verifies (git verify-commit)" vgit verify-commit "$c2" 2>/dev/null
echo three >"$work/a.yaml"
u=$(gs_commit_unsigned "$work" "unsigned")
check "an unsigned commit does not" fails vgit verify-commit "$u"
check "... and carries no gpgsig header" bash -c "! git -C '$work' cat-file commit $u | grep -q '^gpgsig'"
echo four >"$work/a.yaml"
m=$(gs_commit_signed "$work" "$mallory" "by mallory")
vgit verify-commit "$m" >/dev/null 2>"$LAB_DIR/err"; rc=$?
check "a commit signed by a key not in allowed_signers does not verify" test $rc -ne 0
check "... git says no principal matched" grep -qi 'no principal matched' "$LAB_DIR/err"
echo five >"$work/a.yaml"
w=$(gs_commit_wrong_ns "$work" "$alice" "wrong namespace")
check "the wrong-namespace commit was written (git fsck)" gs_git -C "$work" fsck --strict --no-dangling
check "... with alice's signature in a gpgsig header" bash -c "git -C '$work' cat-file commit $w | grep -q '^gpgsig -----BEGIN SSH SIGNATURE-----'"
vgit verify-commit "$w" >/dev/null 2>"$LAB_DIR/err"; rc=$?
check "... git verify-commit refuses it" test $rc -ne 0
# the signature itself is good, for namespace "file": split the object as git does
gs_git -C "$work" cat-file commit "$w" | awk '
	hdr && /^gpgsig / { insig = 1; sub(/^gpgsig /, ""); print > "/dev/stderr"; next }
	insig && /^ / { sub(/^ /, ""); print > "/dev/stderr"; next }
	{ insig = 0 } /^$/ { hdr = 0 } { print }' hdr=1 >"$LAB_DIR/w.payload" 2>"$LAB_DIR/w.sig"
check "... its signature is valid for namespace \"file\" (ssh-keygen -Y check-novalidate)" \
	ssh-keygen -q -Y check-novalidate -n file -s "$LAB_DIR/w.sig" <"$LAB_DIR/w.payload"
check "... and not for \"git\"" bash -c "! ssh-keygen -q -Y check-novalidate -n git -s '$LAB_DIR/w.sig' <'$LAB_DIR/w.payload' 2>/dev/null"
# (allowed_signers allows alice for "git" only: a copy that allows "file")
sed 's/namespaces="git"/namespaces="file"/' "$LAB_DIR/allowed_signers" >"$LAB_DIR/as-file"
check "... by alice's key (an allowed_signers line for \"file\")" ssh-keygen -q -Y verify -f "$LAB_DIR/as-file" \
	-I alice@example.org -n file -s "$LAB_DIR/w.sig" <"$LAB_DIR/w.payload"
gs_git -C "$work" reset -q --hard "$c2"
gs_tag_signed "$work" v1 "$alice"
gs_tag_unsigned "$work" v1-unsigned
check "a signed tag verifies (git verify-tag)" vgit verify-tag v1 2>/dev/null
check "an unsigned annotated tag does not" fails vgit verify-tag v1-unsigned
gs_push "$work" v1 v1-unsigned
GIT_SSH_COMMAND=$(gs_ssh_command "$kh") cgit ls-remote "$url" >"$LAB_DIR/ls"
check "tags pushed, seen over SSH" test "$(grep -c 'refs/tags/v1' "$LAB_DIR/ls")" -ge 2

# --- force-push ------------------------------------------------------------------
gs_force_push "$work" "$c1"
GIT_SSH_COMMAND=$(gs_ssh_command "$kh") cgit ls-remote "$url" main >"$LAB_DIR/ls"
check "a force-push points main back at the first commit" grep -q "^$c1	refs/heads/main" "$LAB_DIR/ls"

# --- hung and down ---------------------------------------------------------------
check "a server that never answers listens on 2222" gs_hang_start 2222
t0=$(date +%s%N)
GIT_SSH_COMMAND="$(gs_ssh_command "$kh") -o ConnectTimeout=600" in_host cl timeout 3 env GIT_CONFIG_NOSYSTEM=1 \
	GIT_CONFIG_GLOBAL=/dev/null git ls-remote "$(gs_ssh_url net 2222)" >/dev/null 2>&1; rc=$?
ms=$(ms_since "$t0")
check "the hung server: git ls-remote over SSH hangs until killed (exit 124 after ${ms} ms)" test $rc -eq 124 -a "$ms" -ge 2900
check "... it accepted the connection" grep -q 'accepted 192.0.2.1' "$GS_DIR/hang.log"
gs_stop hang-2222
check "... and it stops" gs_wait_closed 2222
gs_stop all
t0=$(date +%s%N)
GIT_SSH_COMMAND=$(gs_ssh_command "$kh") cgit ls-remote "$url" >/dev/null 2>"$LAB_DIR/err"; rc=$?
ms=$(ms_since "$t0")
check "down: git ls-remote fails at once (${ms} ms), connection refused" test $rc -ne 0 -a "$ms" -lt 2000 -a -n "$(grep -i 'refused' "$LAB_DIR/err")"
grep -qi refused "$LAB_DIR/err" || sed 's/^/#   /' "$LAB_DIR/err"
check "sshd starts again (same host key)" gs_sshd_start
GIT_SSH_COMMAND=$(gs_ssh_command "$kh") cgit ls-remote "$url" main >"$LAB_DIR/ls" 2>/dev/null
check "... and serves again" grep -q "^$c1	refs/heads/main" "$LAB_DIR/ls"

# --- cleanup ---------------------------------------------------------------------
gs_https_start 443 "$LAB_DIR/token" && gs_hang_start 2222
check "the recorded PIDs are the servers themselves (sshd, python3)" test \
	"$(readlink /proc/${GS_PIDS[sshd]}/exe)" = /usr/sbin/sshd -a \
	"$(basename "$(readlink /proc/${GS_PIDS[https]}/exe)")" = "$(basename "$(readlink -f "$GS_PY")")"
pids=("${GS_PIDS[@]}")
ns=$GS_NS
gs_cleanup
alive=0
for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
check "gs_cleanup stops every server it started (${#pids[@]})" test $alive -eq 0
check "gs_cleanup deletes its namespace $ns" bash -c "! ip netns list | grep -qw '$ns'"
check "... and the client's end of the veth pair" bash -c "! ip -n '$(lab_ns cl)' link show 'wgfgs$$c' >/dev/null 2>&1"
lab_done
