#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/wgf.h"
#include "reconcile/host/gitpack.h"

int cmd_take_pack(struct cmd_ctx *c)
{
	struct wgf_error err = {0};
	int fd = STDIN_FILENO, r;

	/* cmd_ctx_positional made --ref alone --repo . */
	if (!c->ref || strcmp(c->repo, ".") || strcmp(c->path, ".") || c->all) {
		cmd_error("%s: --pack goes with --ref COMMIT alone (no PATH, --repo or --all)", c->cmd);
		return -1;
	}
	if ((size_t)snprintf(c->pack_mirror, sizeof(c->pack_mirror), "%s/mirror.git", c->state_dir) >=
	    sizeof(c->pack_mirror)) {
		cmd_error("%s: the state directory's path is too long", c->cmd);
		return -1;
	}
	if (strcmp(c->pack, "-") && (fd = open(c->pack, O_RDONLY | O_CLOEXEC)) < 0) {
		cmd_error("%s: opening %s: %m", c->cmd, c->pack);
		return -1;
	}
	r = gitpack_receive(c->pack_mirror, fd, c->ref, &err);
	if (fd != STDIN_FILENO)
		close(fd);
	if (r < 0) {
		cmd_error("%s: the pack %s: %s; nothing was changed", c->cmd, c->pack, wgf_error_message(&err));
		wgf_error_clear(&err);
		return -1;
	}
	c->repo = c->pack_mirror;
	return 0;
}
