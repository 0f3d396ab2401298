/* The host's reconcile settings: /etc/wgf/reconcile.conf, "key = value" lines
 * (# comments, blank lines). Every key is also a flag of `wgf reconcile`, which
 * overrides the file. The keys, their defaults and meaning are declared once,
 * in hostconf.c's table. Pure. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "model/error.h"

#define WGF_DEFAULT_HOSTCONF "/etc/wgf/reconcile.conf"

enum hostconf_verify {
	HOSTCONF_VERIFY_COMMIT,        /* the head commit is SSH-signed by an allowed signer */
	HOSTCONF_VERIFY_TAG,           /* the ref points at a signed annotated tag */
	HOSTCONF_VERIFY_OFF,           /* no check: explicit, shown loudly */
};

struct hostconf {
	char *remote;
	char *ref;
	enum hostconf_verify verify;
	char *allowed_signers;
	char *ssh_key;
	char *known_hosts;
	char *token_file;
	char *token_user;
	char *ca_file;
	unsigned fetch_timeout;        /* seconds */
	unsigned interval;             /* seconds: the timer's, base of the backoff */
	unsigned backoff_max;          /* seconds */
	/* as the flags of `wgf apply`; NULL: not set here */
	char *host, *key_file, *state_dir, *backend, *wireguard_go;
	/* notifications (README "Notifications"); NULL: none */
	char *hooks_dir;
	char *webhooks;                /* URLs, space-separated: `webhook` may be given more than once */
	char *webhook_secret_file, *webhook_ca_file;
	unsigned notify_timeout;       /* seconds */
	unsigned notify_retries;
	char *metrics_textfile;        /* a directory: <dir>/wgf.prom after every run; NULL: none */
};

/* Defaults for every key. 0 or -ENOMEM. */
int hostconf_init(struct hostconf *c);
void hostconf_clear(struct hostconf *c);

/* Sets one key from its text (a flag's or a line's value): -ENOENT for a key
 * there is none of, -EINVAL for a bad value, said in err. */
int hostconf_set(struct hostconf *c, const char *key, const char *value, struct wgf_error *err);
/* Reads the file's text into c (on top of what c holds): -EBADMSG with
 * "FILE:LINE:COL: …" in err for the first bad line. */
int hostconf_parse(struct hostconf *c, const char *text, size_t len, const char *file, struct wgf_error *err);

const char *hostconf_verify_name(enum hostconf_verify v);   /* "commit", "tag", "off" */
/* "main" -> "refs/heads/main"; "refs/…" and "HEAD" (the remote's default
 * branch) as they are. NULL on ENOMEM. */
char *hostconf_full_ref(const char *ref);
