/* Fetching the ref a host follows into wgf's own mirror of the repository
 * (<state-dir>/mirror.git, bare, made and owned by wgf), with libgit2, in a
 * child process that is killed when it outlives the timeout (libgit2 1.5 has
 * no network timeouts). SSH: a deploy key and the server's host key checked
 * against wgf's known-hosts file; HTTPS: the system CA store or a CA file, and
 * an optional token; file:// for local use. */
#pragma once
#include <stdbool.h>

#include "model/error.h"

#define GITFETCH_REF "refs/wgf/fetched"
#define GITFETCH_OID_HEX 41

struct gitfetch_opts {
	const char *mirror;            /* the bare repository, made if missing */
	const char *url;
	const char *ref;               /* full: refs/heads/main, refs/tags/prod */
	const char *ssh_key;           /* OpenSSH private key (Ed25519: libssh2 1.10 cannot sign RSA for OpenSSH ≥ 8.8) */
	const char *known_hosts;
	bool accept_new_host_key;      /* a host absent from known_hosts: add its key (trust on first use) */
	const char *token_file, *token_user;   /* HTTPS basic auth; token_file NULL: none */
	const char *ca_file;           /* NULL: the system store */
	unsigned timeout;              /* seconds */
	void (*note)(const char *msg); /* hears "added the host key for … to …"; may be NULL */
};

/* Fetches o->ref; *oid_hex is what it points at (now GITFETCH_REF in the
 * mirror). -ETIMEDOUT when the child was killed; other errors as the child saw
 * them, said in err ("host key for … does not match …"). */
int gitfetch(const struct gitfetch_opts *o, char oid_hex[GITFETCH_OID_HEX], struct wgf_error *err);

/* "host" and port (0: the default) of an ssh:// or scp-like (user@host:path)
 * URL; false for other schemes. */
bool gitfetch_ssh_host(const char *url, char *host, unsigned host_len, unsigned *port);
