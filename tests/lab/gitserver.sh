# Lab git server: a namespace of its own (wgfgs<PID>) joined by a veth pair to the
# namespace where wgf runs, serving bare repositories over SSH (OpenSSH's sshd,
# a deploy key with a forced command, a pinned Ed25519 host key) and over HTTPS
# (git http-backend as CGI behind a small TLS server, a test CA made by openssl,
# optional basic auth with a token); a server that accepts and never answers
# (gs_hang_start), and "down" (gs_stop); helpers that make signing keys, an
# allowed_signers file, signed and unsigned commits and tags, commits signed for
# the wrong namespace, and pushes (force-pushes too).
#
# Sourcing it only defines functions and variables. Use:
#
#   . tests/lab/lib.sh; . tests/lab/gitserver.sh
#   lab_start build; lab_host hub
#   gs_init "$(lab_ns hub)" 192.0.2.1/24 192.0.2.2/24   # namespace, veth, trap
#   gs_repo net                        # bare repository $GS_DIR/repos/net.git
#   gs_work net "$LAB_DIR/work"        # a working clone to commit in (pushes by path)
#   gs_sshd_start                      # sshd on GS_ADDR:22; GS_DEPLOY_KEY may fetch
#   gs_known_hosts "$LAB_DIR/known_hosts"
#   gs_ssh_url net                     # ssh://root@192.0.2.2/…/repos/net.git
#   gs_https_start 443 "$tokenfile"    # https://git.wgfgs.test/net.git, CA in GS_CA
#   ...                                # gs_cleanup runs on exit (before lab_cleanup)
#
# Everything it starts is recorded by PID (GS_PIDS) and killed by PID; gs_cleanup
# (chained in front of the EXIT trap that was set when gs_init ran) also kills
# what is left in its own namespace, deletes the namespace (and with it the veth
# pair) and removes GS_DIR when it made it outside LAB_DIR. Nothing outside its
# namespace, the client namespace's veth end and GS_DIR is touched: sshd runs in a
# private mount namespace whose /run is a tmpfs (its privilege separation
# directory /run/sshd is made there), and git runs with no system or global
# configuration.

GS_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GS_NS=            # the server's network namespace
GS_DIR=           # keys, repositories, configurations, logs
GS_OWN_DIR=0      # 1: GS_DIR was made by gs_init outside LAB_DIR (gs_cleanup removes it)
GS_ADDR=          # the server's address (no prefix length)
GS_CLIENT_NS=     # the namespace where the clients (wgf) run
GS_NAME=git.wgfgs.test   # the server's name in its certificate (gs_hosts_file)
GS_DEPLOY_KEY=    # the client's Ed25519 deploy key (private; .pub beside it)
GS_HOST_KEY=      # sshd's Ed25519 host key (private; .pub beside it)
GS_CA=            # the test CA's certificate (PEM): the client's ca-file / GIT_SSL_CAINFO
GS_SSH_PORT=22
GS_HTTPS_PORT=443
declare -A GS_PIDS=()   # server name (sshd, https, hang-PORT) -> PID
GS_PY=python3
[ -x /usr/bin/python3 ] && GS_PY=/usr/bin/python3   # a real binary: its PID is the server's

# gs_git ARGS...: git with a fixed identity and no system or global configuration.
gs_git() {
	GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null \
		GIT_AUTHOR_NAME="wgf lab" GIT_AUTHOR_EMAIL=lab@wgf.test \
		GIT_COMMITTER_NAME="wgf lab" GIT_COMMITTER_EMAIL=lab@wgf.test \
		git -c init.defaultBranch=main -c commit.gpgsign=false -c tag.gpgsign=false \
		-c advice.detachedHead=false "$@"
}

# in_gs CMD...: runs CMD in the server's namespace.
in_gs() { ip netns exec "$GS_NS" "$@"; }

# gs_init CLIENT_NETNS CLIENT_ADDR/LEN SERVER_ADDR/LEN [DIR]: the server's namespace
# (wgfgs<PID>), a veth pair (wgfgs<PID>c in CLIENT_NETNS, wgfgs<PID>s in the
# server's), the two addresses, GS_DIR (DIR, else $LAB_DIR/gs, else a new temporary
# directory) and the cleanup, chained in front of the current EXIT trap.
# Says on stderr which step failed and returns 1.
gs_init() {
	local cns=$1 caddr=$2 saddr=$3 dir=${4:-} prev
	[ -z "$GS_NS" ] || { echo "# gs_init: already initialised ($GS_NS)" >&2; return 1; }
	if [ -z "$dir" ]; then
		if [ -n "${LAB_DIR:-}" ]; then dir=$LAB_DIR/gs
		else dir=$(mktemp -d /tmp/wgfgs.XXXXXX) || return 1; GS_OWN_DIR=1
		fi
	fi
	GS_DIR=$dir
	mkdir -p "$GS_DIR/repos" "$GS_DIR/keys" "$GS_DIR/bin" || { echo "# gs_init: mkdir $GS_DIR failed" >&2; return 1; }
	chmod 700 "$GS_DIR"
	# the EXIT trap that was set (lab_cleanup): ours runs first, then it
	prev=$(trap -p EXIT)
	if [ -n "$prev" ]; then eval "set -- $prev"; prev=$3; fi
	# shellcheck disable=SC2064
	trap "gs_cleanup; $prev" EXIT
	GS_NS=wgfgs$$
	GS_CLIENT_NS=$cns
	ip netns add "$GS_NS" || { echo "# gs_init: ip netns add $GS_NS failed" >&2; GS_NS=; return 1; }
	in_gs ip link set lo up
	ip link add "wgfgs$$c" netns "$cns" type veth peer name "wgfgs$$s" netns "$GS_NS" ||
		{ echo "# gs_init: veth wgfgs$$c (in $cns) / wgfgs$$s failed" >&2; return 1; }
	ip -n "$cns" addr add "$caddr" dev "wgfgs$$c" &&
		in_gs ip addr add "$saddr" dev "wgfgs$$s" &&
		ip -n "$cns" link set "wgfgs$$c" up &&
		in_gs ip link set "wgfgs$$s" up || { echo "# gs_init: addresses on the veth pair failed" >&2; return 1; }
	GS_ADDR=${saddr%/*}
	# the deploy key the clients use and the host key sshd presents
	GS_DEPLOY_KEY=$GS_DIR/keys/deploy_key
	GS_HOST_KEY=$GS_DIR/keys/ssh_host_ed25519_key
	ssh-keygen -q -t ed25519 -N '' -C wgf-deploy -f "$GS_DEPLOY_KEY" &&
		ssh-keygen -q -t ed25519 -N '' -C wgfgs-host -f "$GS_HOST_KEY" ||
		{ echo "# gs_init: ssh-keygen failed" >&2; return 1; }
}

# gs_cleanup: stops every server by its PID, kills what is left in the server's
# namespace, deletes it (and the veth pair with it).
gs_cleanup() {
	local name pid
	for name in "${!GS_PIDS[@]}"; do gs_stop "$name"; done
	if [ -n "$GS_NS" ]; then
		for pid in $(ip netns pids "$GS_NS" 2>/dev/null); do kill "$pid" 2>/dev/null; done
		sleep 0.1
		for pid in $(ip netns pids "$GS_NS" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
		ip netns del "$GS_NS" 2>/dev/null
		GS_NS=
	fi
	[ "$GS_OWN_DIR" = 1 ] && [ -n "$GS_DIR" ] && rm -rf "$GS_DIR"
	GS_OWN_DIR=0
}

# gs_stop NAME...: stops servers by name (sshd, https, hang-PORT); "all" or no
# name: every one (the server is down: nothing listens).
gs_stop() {
	local name pid i names=("$@")
	[ ${#names[@]} -eq 0 ] || [ "$1" = all ] && names=("${!GS_PIDS[@]}")
	for name in "${names[@]}"; do
		pid=${GS_PIDS[$name]:-}
		[ -n "$pid" ] || continue
		kill "$pid" 2>/dev/null
		for ((i = 0; i < 40; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		unset "GS_PIDS[$name]"
	done
	return 0
}

# gs_wait_port PORT [PID]: something listens on TCP PORT in the server's namespace
# within 5 s (and PID, when given, still runs); else says so and returns 1.
gs_wait_port() {
	local port=$1 pid=${2:-} i
	for ((i = 0; i < 100; i++)); do
		in_gs ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && return 0
		[ -z "$pid" ] || kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "#   gitserver: nothing listens on tcp $port in $GS_NS" >&2
	return 1
}

# gs_wait_closed PORT: nothing listens on TCP PORT any more (within 5 s).
gs_wait_closed() {
	local i
	for ((i = 0; i < 100; i++)); do
		in_gs ss -Hltn "sport = :$1" 2>/dev/null | grep -q . || return 0
		sleep 0.05
	done
	return 1
}

# --- repositories ---------------------------------------------------------------
# gs_repo NAME: an empty bare repository $GS_DIR/repos/NAME.git (HEAD: main).
gs_repo() {
	gs_git init -q --bare "$GS_DIR/repos/$1.git"
}

# gs_work NAME DIR: a working repository at DIR whose origin is NAME's bare
# repository (by path: pushes need no server).
gs_work() {
	gs_git init -q "$2" && gs_git -C "$2" remote add origin "$GS_DIR/repos/$1.git"
}

# gs_ssh_url NAME [PORT]: the SSH URL of NAME's repository (user root, the forced
# command serves only git-upload-pack of repositories under $GS_DIR/repos).
gs_ssh_url() {
	local port=${2:-$GS_SSH_PORT}
	if [ "$port" = 22 ]; then echo "ssh://root@$GS_ADDR$GS_DIR/repos/$1.git"
	else echo "ssh://root@$GS_ADDR:$port$GS_DIR/repos/$1.git"; fi
}

# gs_https_url NAME [HOST] [PORT]: the HTTPS URL of NAME's repository (HOST: the
# certificate's name GS_NAME by default; gs_hosts_file makes it resolve).
gs_https_url() {
	local host=${2:-$GS_NAME} port=${3:-$GS_HTTPS_PORT}
	if [ "$port" = 443 ]; then echo "https://$host/$1.git"
	else echo "https://$host:$port/$1.git"; fi
}

# --- SSH ------------------------------------------------------------------------
# gs_sshd_start [PORT]: OpenSSH's sshd on GS_ADDR:PORT (default 22) with the host
# key GS_HOST_KEY; root may log in only with the deploy key, whose forced command
# runs git-upload-pack (read only) of a repository under $GS_DIR/repos.
# Log: $GS_DIR/sshd.log.
gs_sshd_start() {
	local port=${1:-$GS_SSH_PORT} pid
	GS_SSH_PORT=$port
	cat >"$GS_DIR/bin/git-only" <<EOF
#!/bin/sh
# The deploy key's forced command: fetches only, of repositories under $GS_DIR/repos.
case \$SSH_ORIGINAL_COMMAND in
*..*) ;;
"git-upload-pack '$GS_DIR/repos/"*".git'"|"git-upload-pack '$GS_DIR/repos/"*".git/'")
	exec git-shell -c "\$SSH_ORIGINAL_COMMAND" ;;
esac
echo "wgfgs: not allowed: \$SSH_ORIGINAL_COMMAND" >&2
exit 1
EOF
	chmod 755 "$GS_DIR/bin/git-only"
	echo "command=\"$GS_DIR/bin/git-only\",restrict $(cat "$GS_DEPLOY_KEY.pub")" >"$GS_DIR/authorized_keys"
	cat >"$GS_DIR/sshd_config" <<EOF
# wgf lab git server (tests/lab/gitserver.sh)
ListenAddress $GS_ADDR:$port
HostKey $GS_HOST_KEY
PidFile none
UsePAM no
StrictModes no
AuthorizedKeysFile $GS_DIR/authorized_keys
AuthorizedPrincipalsFile none
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin forced-commands-only
AllowUsers root
MaxAuthTries 3
LoginGraceTime 20
PermitUserEnvironment no
AllowTcpForwarding no
X11Forwarding no
LogLevel VERBOSE
EOF
	gs_privsep /usr/sbin/sshd -t -f "$GS_DIR/sshd_config" 2>"$GS_DIR/sshd-t.log" ||
		{ sed 's/^/#   sshd -t: /' "$GS_DIR/sshd-t.log" >&2; return 1; }
	# the subshell, ip netns exec, unshare and sh all exec: $! is sshd's PID
	(GS_EXEC='exec'; gs_privsep /usr/sbin/sshd -D -e -f "$GS_DIR/sshd_config") >>"$GS_DIR/sshd.log" 2>&1 &
	pid=$!
	GS_PIDS[sshd]=$pid
	gs_wait_port "$port" "$pid" || { tail -n 5 "$GS_DIR/sshd.log" | sed 's/^/#   sshd: /' >&2; return 1; }
}

# gs_privsep CMD...: CMD in the server's namespace and a private mount namespace
# whose /run is a tmpfs holding sshd's privilege separation directory /run/sshd
# (the machine's /run is not touched). Every step execs: with GS_EXEC=exec (in a
# subshell) CMD keeps the subshell's PID.
gs_privsep() {
	${GS_EXEC:-} ip netns exec "$GS_NS" unshare --mount --propagation private sh -c \
		'mount -t tmpfs -o mode=0755 wgfgs /run && mkdir -m 0755 /run/sshd && exec "$@"' sh "$@"
}

# gs_host_key_line [PORT] [PUBFILE]: a known_hosts line for the server (its
# address, [address]:PORT when not 22) with the key in PUBFILE (default: the real
# host key's).
gs_host_key_line() {
	local port=${1:-$GS_SSH_PORT} pub=${2:-$GS_HOST_KEY.pub} host=$GS_ADDR
	[ "$port" = 22 ] || host="[$GS_ADDR]:$port"
	echo "$host $(cut -d' ' -f1,2 "$pub")"
}

# gs_known_hosts FILE [PORT]: FILE pins the server's real host key.
gs_known_hosts() {
	gs_host_key_line "${2:-$GS_SSH_PORT}" >"$1"
}

# gs_ssh_command KNOWN_HOSTS [KEY]: a GIT_SSH_COMMAND for OpenSSH's client that
# uses only KEY (default the deploy key) and only KNOWN_HOSTS, strictly.
gs_ssh_command() {
	echo "ssh -F /dev/null -i ${2:-$GS_DEPLOY_KEY} -o IdentitiesOnly=yes -o IdentityAgent=none" \
		"-o UserKnownHostsFile=$1 -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes" \
		"-o BatchMode=yes -o ConnectTimeout=5"
}

# --- HTTPS ----------------------------------------------------------------------
# gs_ca: the test CA (GS_CA, its key beside it) and a server certificate signed by
# it for GS_NAME and GS_ADDR (DNS and IP subject alternative names); made once.
gs_ca() {
	local d=$GS_DIR/tls
	[ -f "$d/server.pem" ] && return 0
	mkdir -p "$d" && chmod 700 "$d"
	GS_CA=$d/ca.pem
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-keyout "$d/ca.key" -out "$GS_CA" -subj "/CN=wgf lab test CA" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
		>/dev/null 2>&1 &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/server.key" -out "$d/server.csr" -subj "/CN=$GS_NAME" >/dev/null 2>&1 &&
	printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" \
		"extendedKeyUsage=serverAuth" "subjectAltName=DNS:$GS_NAME,IP:$GS_ADDR" >"$d/server.ext" &&
	openssl x509 -req -in "$d/server.csr" -CA "$GS_CA" -CAkey "$d/ca.key" -CAcreateserial \
		-days 2 -extfile "$d/server.ext" -out "$d/server.pem" >/dev/null 2>&1 ||
		{ echo "#   gitserver: openssl could not make the test CA or the server certificate" >&2; return 1; }
}

# gs_hosts_file: $GS_DIR/hosts, an /etc/hosts that names the server GS_NAME (for
# a client's private mount namespace: in_host hub mount --bind "$(gs_hosts_file)" /etc/hosts).
gs_hosts_file() {
	printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n%s\t%s\n' "$GS_ADDR" "$GS_NAME" >"$GS_DIR/hosts"
	echo "$GS_DIR/hosts"
}

# gs_https_start [PORT] [TOKEN_FILE]: git's smart HTTP over TLS on GS_ADDR:PORT
# (default 443), repositories under $GS_DIR/repos; with TOKEN_FILE, HTTP basic auth
# whose password must be the file's content. Log: $GS_DIR/https.log (a line per request).
gs_https_start() {
	local port=${1:-$GS_HTTPS_PORT} token=${2:-} pid
	GS_HTTPS_PORT=$port
	gs_ca || return 1
	ip netns exec "$GS_NS" "$GS_PY" -u "$GS_LIB_DIR/gitserver.py" https "$GS_ADDR" "$port" \
		"$GS_DIR/tls/server.pem" "$GS_DIR/tls/server.key" "$GS_DIR/repos" $token \
		>>"$GS_DIR/https.log" 2>&1 &
	pid=$!
	GS_PIDS[https]=$pid
	gs_wait_port "$port" "$pid" || { tail -n 5 "$GS_DIR/https.log" | sed 's/^/#   https: /' >&2; return 1; }
}

# --- a hung server ----------------------------------------------------------------
# gs_hang_start PORT: on GS_ADDR:PORT, a server that accepts TCP connections and
# never answers (stop it with gs_stop hang-PORT). Log: $GS_DIR/hang.log.
gs_hang_start() {
	local port=$1 pid
	ip netns exec "$GS_NS" "$GS_PY" -u "$GS_LIB_DIR/gitserver.py" hang "$GS_ADDR" "$port" \
		>>"$GS_DIR/hang.log" 2>&1 &
	pid=$!
	GS_PIDS[hang-$port]=$pid
	gs_wait_port "$port" "$pid"
}

# --- signing keys, signed commits and tags ----------------------------------------
# gs_signing_key NAME: an Ed25519 signing key $GS_DIR/keys/NAME (comment NAME);
# prints its path.
gs_signing_key() {
	local f=$GS_DIR/keys/$1
	[ -f "$f" ] || ssh-keygen -q -t ed25519 -N '' -C "$1" -f "$f" || return 1
	echo "$f"
}

# gs_fingerprint KEY: the key's SHA256 fingerprint (SHA256:…), as ssh-keygen -l says.
gs_fingerprint() {
	ssh-keygen -l -f "$1.pub" | awk '{print $2}'
}

# gs_allowed_signers FILE PRINCIPAL KEY [PRINCIPAL KEY...]: FILE in git's
# gpg.ssh.allowedSignersFile format, each key allowed for namespace git.
gs_allowed_signers() {
	local f=$1; shift
	: >"$f"
	while [ $# -ge 2 ]; do
		echo "$1 namespaces=\"git\" $(cut -d' ' -f1,2 "$2.pub")" >>"$f"
		shift 2
	done
}

# gs_commit_signed DIR KEY MSG: commits everything in DIR (git add -A), signed
# with KEY (gpg.format=ssh); prints the commit id.
gs_commit_signed() {
	gs_git -C "$1" add -A &&
		gs_git -C "$1" -c gpg.format=ssh -c user.signingkey="$2" commit -q --allow-empty -S -m "$3" &&
		gs_git -C "$1" rev-parse HEAD
}

# gs_commit_unsigned DIR MSG: commits everything in DIR, unsigned; prints the id.
gs_commit_unsigned() {
	gs_git -C "$1" add -A &&
		gs_git -C "$1" commit -q --allow-empty -m "$2" &&
		gs_git -C "$1" rev-parse HEAD
}

# gs_commit_wrong_ns DIR KEY MSG [NAMESPACE]: commits everything in DIR with a
# signature by KEY that is valid, but for NAMESPACE (default "file") instead of
# git's "git": the commit object is written by hand, as git writes a signed one
# (the gpgsig header after committer, continuation lines indented by a space;
# what is signed is the object without that header). Prints the commit id.
gs_commit_wrong_ns() {
	local dir=$1 key=$2 msg=$3 ns=${4:-file} tree parent who oid t
	t=$GS_DIR/commit.$$
	gs_git -C "$dir" add -A || return 1
	tree=$(gs_git -C "$dir" write-tree) || return 1
	parent=$(gs_git -C "$dir" rev-parse -q --verify HEAD)
	who="wgf lab <lab@wgf.test> $(date +%s) +0000"
	{
		echo "tree $tree"
		[ -n "$parent" ] && echo "parent $parent"
		echo "author $who"
		echo "committer $who"
	} >"$t.head"
	{ cat "$t.head"; echo; echo "$msg"; } >"$t.payload"
	ssh-keygen -q -Y sign -n "$ns" -f "$key" <"$t.payload" >"$t.sig" 2>"$t.err" ||
		{ sed 's/^/#   ssh-keygen: /' "$t.err" >&2; return 1; }
	{ cat "$t.head"; sed '1s/^/gpgsig /; 2,$s/^/ /' "$t.sig"; echo; echo "$msg"; } >"$t.obj"
	oid=$(gs_git -C "$dir" hash-object -t commit -w --stdin <"$t.obj") || return 1
	gs_git -C "$dir" update-ref -m "wrong namespace" HEAD "$oid" || return 1
	rm -f "$t".*
	echo "$oid"
}

# gs_tag_signed DIR TAG KEY [MSG]: an annotated tag TAG on HEAD, signed with KEY.
gs_tag_signed() {
	gs_git -C "$1" -c gpg.format=ssh -c user.signingkey="$3" tag -s -m "${4:-$2}" "$2"
}

# gs_tag_unsigned DIR TAG [MSG]: an annotated tag TAG on HEAD, not signed.
gs_tag_unsigned() {
	gs_git -C "$1" tag -a -m "${3:-$2}" "$2"
}

# gs_push DIR [REFSPEC...]: pushes (default: main) to the bare repository.
gs_push() {
	local dir=$1; shift
	[ $# -gt 0 ] || set -- main
	gs_git -C "$dir" push -q origin "$@"
}

# gs_force_push DIR REV [BRANCH]: points BRANCH (default main) of the bare
# repository at REV, whatever it was (a rewrite of history, or a rollback).
gs_force_push() {
	gs_git -C "$1" push -q --force origin "$2:refs/heads/${3:-main}"
}
