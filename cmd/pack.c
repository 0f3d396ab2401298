#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/wgf.h"
#include "reconcile/host/fileio.h"
#include "reconcile/host/gitpack.h"
#include "reconcile/host/hostconf.h"
#include "reconcile/host/trust.h"

/* The host's reconcile settings: absent (and not named by $WGF_CONFIG) is verify = off. */
static int pack_hostconf(struct hostconf *hc, struct wgf_error *err)
{
	const char *file = getenv("WGF_CONFIG") ? getenv("WGF_CONFIG") : WGF_DEFAULT_HOSTCONF;
	char *text = NULL;
	size_t len = 0;
	int r;

	r = fileio_read(file, &text, &len);
	if (r == -ENOENT && !getenv("WGF_CONFIG")) {
		hc->verify = HOSTCONF_VERIFY_OFF;
		return 0;
	}
	if (r < 0)
		return wgf_error_set(err, r, "reading %s: %s", file, strerror(-r));
	r = hostconf_parse(hc, text, len, file, err);
	free(text);
	return r;
}

/* A host that takes only signed revisions from git takes no other from the fleet. */
static int pack_trust(struct cmd_ctx *c, struct wgf_error *err)
{
	struct trust_verdict v = {0};
	struct hostconf hc;
	int r;

	if (hostconf_init(&hc) < 0)
		return wgf_error_set(err, -ENOMEM, NULL);
	r = pack_hostconf(&hc, err);
	if (r < 0 || hc.verify == HOSTCONF_VERIFY_OFF)
		goto out;
	r = trust_check_mirror(c->pack_mirror, c->ref, &hc, NULL, &v, err);
	if (r < 0)
		goto out;
	snprintf(c->pack_signer, sizeof(c->pack_signer), "%s", v.principal ? v.principal : "");
	snprintf(c->pack_signer_fp, sizeof(c->pack_signer_fp), "%s", v.signed_ ? v.fingerprint : "");
	snprintf(c->pack_source, sizeof(c->pack_source), "commit %.12s (wgf fleet), signed by %s %s", v.commit,
		 c->pack_signer, c->pack_signer_fp);
out:
	trust_verdict_clear(&v);
	hostconf_clear(&hc);
	return r;
}

int cmd_take_pack(struct cmd_ctx *c)
{
	struct wgf_error err = {0};
	int fd = STDIN_FILENO, r;

	/* cmd_ctx_positional made --ref alone --repo . */
	if (!c->ref || strcmp(c->repo, ".") || strcmp(c->path, ".") || c->all) {
		cmd_error("%s: --pack goes with --ref COMMIT alone (no PATH, --repo or --all)", c->cmd);
		return -EINVAL;
	}
	if ((size_t)snprintf(c->pack_mirror, sizeof(c->pack_mirror), "%s/mirror.git", c->state_dir) >=
	    sizeof(c->pack_mirror)) {
		cmd_error("%s: the state directory's path is too long", c->cmd);
		return -EINVAL;
	}
	if (strcmp(c->pack, "-") && (fd = open(c->pack, O_RDONLY | O_CLOEXEC)) < 0) {
		cmd_error("%s: opening %s: %m", c->cmd, c->pack);
		return -EINVAL;
	}
	r = gitpack_receive(c->pack_mirror, fd, c->ref, &err);
	if (fd != STDIN_FILENO)
		close(fd);
	if (r < 0) {
		cmd_error("%s: the pack %s: %s; nothing was changed", c->cmd, c->pack, wgf_error_message(&err));
		wgf_error_clear(&err);
		return -EINVAL;
	}
	r = pack_trust(c, &err);
	if (r < 0) {
		cmd_error("%s: commit %.12s %s: %s; nothing was changed", c->cmd, c->ref,
			  r == -EPERM ? "refused" : "not checked", wgf_error_message(&err));
		wgf_error_clear(&err);
		return r == -EPERM ? r : -EINVAL;
	}
	c->repo = c->pack_mirror;
	return 0;
}
