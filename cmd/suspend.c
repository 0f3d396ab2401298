#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/wgf.h"
#include "reconcile/host/loopstate.h"

static const char suspend_help[] =
	"Usage: wgf suspend [--reason TEXT] [--state-dir DIR]\n\n"
	"Pauses the reconcile loop on this host: until `wgf resume`, every `wgf reconcile`\n"
	"(the timer's too) does nothing but say who suspended it, when and why.\n"
	"`wgf status` shows the same. `wgf apply` by hand still works.\n\n"
	"  --reason TEXT   why (shown by status and by every skipped run)\n"
	"  --state-dir DIR wgf's records (default /var/lib/wgf, $WGF_STATE_DIR)\n"
	"  -h, --help      this help\n\n"
	"Exit: 0 suspended (also when it already was: the reason is replaced), 1 error.\n";

static const char resume_help[] =
	"Usage: wgf resume [--state-dir DIR]\n\n"
	"Ends a suspension of the reconcile loop (`wgf suspend`); the next run goes ahead.\n\n"
	"  --state-dir DIR wgf's records (default /var/lib/wgf, $WGF_STATE_DIR)\n"
	"  -h, --help      this help\n\n"
	"Exit: 0 resumed (also when it was not suspended), 1 error.\n";

enum { OPT_REASON = 0x300 };

/* Who is doing this: the user behind sudo, else the login name of the uid. */
static char *who(void)
{
	const char *s = getenv("SUDO_USER");
	struct passwd *pw;
	char *out;

	if (s && *s)
		return strdup(s);
	pw = getpwuid(getuid());
	if (pw && pw->pw_name)
		return strdup(pw->pw_name);
	return asprintf(&out, "uid %u", (unsigned)getuid()) < 0 ? NULL : out;
}

static int toggle(int argc, char **argv, bool suspend)
{
	static const struct option opts[] = {
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ "reason", required_argument, NULL, OPT_REASON },
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	const char *help = suspend ? suspend_help : resume_help, *reason = NULL;
	struct wgf_error err = {0};
	struct loopstate ls = {0};
	struct cmd_ctx c;
	char t[LOOPSTATE_TIME_LEN];
	int opt, lock = -1, r, ret = EXIT_ERROR;

	cmd_ctx_init(&c, suspend ? "suspend" : "resume");
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'h') {
			fputs(help, stdout);
			return EXIT_OK;
		}
		if (opt == OPT_REASON && suspend) {
			reason = optarg;
		} else if (opt == OPT_STATE_DIR) {
			c.state_dir = optarg;
		} else {
			fputs(help, stderr);
			return EXIT_ERROR;
		}
	}
	if (optind < argc) {
		cmd_error("%s: unexpected argument \"%s\"%s", c.cmd, argv[optind],
			  suspend ? " (the reason goes after --reason)" : "");
		return EXIT_ERROR;
	}
	lock = statedir_lock(c.state_dir, true);
	if (lock < 0) {
		cmd_lock_error(&c, lock);
		return EXIT_ERROR;
	}
	if (loopstate_load(c.state_dir, &ls, &err) < 0) {
		cmd_error("%s", wgf_error_message(&err));
		goto out;
	}
	if (!suspend && !ls.suspended) {
		printf("The reconcile loop is not suspended.\n");
		ret = EXIT_OK;
		goto out;
	}
	free(ls.suspended_by);
	free(ls.suspended_reason);
	ls.suspended_by = ls.suspended_reason = NULL;
	ls.suspended = suspend;
	ls.suspended_at = suspend ? c.now : 0;
	if (suspend && (!(ls.suspended_by = who()) || (reason && !(ls.suspended_reason = strdup(reason))))) {
		cmd_error("out of memory");
		goto out;
	}
	r = loopstate_save(c.state_dir, &ls);
	if (r < 0) {
		cmd_error("writing %s/%s: %s", c.state_dir, LOOPSTATE_FILE, strerror(-r));
		goto out;
	}
	if (suspend)
		printf("Reconcile suspended by %s at %s%s%s.\n", ls.suspended_by, loopstate_time(ls.suspended_at, t),
		       reason ? ": " : "", reason ? reason : "");
	else
		printf("Reconcile resumed; the next run goes ahead.\n");
	ret = EXIT_OK;
out:
	wgf_error_clear(&err);
	loopstate_clear(&ls);
	statedir_unlock(lock);
	return ret;
}

int cmd_suspend(int argc, char **argv)
{
	return toggle(argc, argv, true);
}

int cmd_resume(int argc, char **argv)
{
	return toggle(argc, argv, false);
}
