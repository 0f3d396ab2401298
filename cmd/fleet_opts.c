#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/fleet.h"
#include "reconcile/host/fileio.h"

#define FLEET_SAVED_MAX (256u << 20)

static const char help[] =
	"Usage: wgf fleet plan  [PATH | --repo DIR [--ref REF]] --inventory FILE --known-hosts FILE\n"
	"                       --identity KEY [--out FILE] [options]\n"
	"       wgf fleet apply [PATH | --repo DIR [--ref REF]] --inventory FILE --known-hosts FILE\n"
	"                       --identity KEY [--canary HOST]... [--wave-size N] [--keep-going] [options]\n"
	"       wgf fleet apply SAVED-PLAN [--repo DIR] ... (a file `wgf fleet plan --out` wrote)\n"
	"       wgf fleet observe [PATH | --repo DIR [--ref REF]] --inventory FILE --known-hosts FILE\n"
	"                       --identity KEY --out DIR [options]\n\n"
	"Plans or applies every Host of the repository on the host itself, over SSH: the\n"
	"commit (REF, default HEAD of PATH's or --repo's git repository) is sent to each\n"
	"host as a git pack, where the same wgf plans or applies exactly that commit\n"
	"(`wgf plan|apply --json --pack - --ref COMMIT --host NAME`) and sends its plan back.\n"
	"Where each Host is comes from the inventory, never from the repository.\n"
	"observe writes each host's snapshot (`wgf observe --json`) to DIR/HOST.json, for\n"
	"`wgf plan --all --observed DIR` and `wgf report --observed DIR`.\n\n"
	"  --inventory FILE   one line per Host: NAME user@address[:port] (# comments)\n"
	"  --known-hosts FILE the hosts' SSH host keys (OpenSSH format); a host whose key\n"
	"                     is absent or different is refused, with the key it offered\n"
	"  --identity KEY     the SSH private key (Ed25519, OpenSSH format; no passphrase)\n"
	"  --remote-wgf PATH  wgf on the hosts (default wgf, found on their PATH)\n"
	"  --connect-timeout S  seconds to connect, check the host key and log in (default 10)\n"
	"  --timeout S        seconds for the command on a host (default 600)\n"
	"  --parallel N       hosts at once (default 8)\n"
	"  --canary HOST      apply: this Host first, alone in its wave with the other\n"
	"                     canaries; any canary failing stops the rollout (repeatable)\n"
	"  --wave-size N      apply: hosts per wave after the canaries (default --parallel);\n"
	"                     the rollout stops after a wave with a failure\n"
	"  --keep-going       apply: go on after a failed host (not after a failed canary)\n"
	"  --out FILE         plan: the hosts' saved plans (`wgf plan --out -`) merged in FILE;\n"
	"                     observe (needed): the directory for the snapshots (made 0700)\n"
	"  --json             one JSON object for the whole run\n"
	"  --no-color         no colours (also NO_COLOR=1; colour is only used on a terminal)\n"
	"  -h, --help         this help\n\n"
	"An unreachable host, a host missing from the inventory and a host whose answer\n"
	"does not check out are failures, reported in the summary.\n"
	"Exit: plan: 0 no changes, 2 changes on some host, 1 an error or a host failed;\n"
	"apply: 0 every host applied (or had nothing to do), 1 an error or a host failed\n"
	"or was not run; observe: 0 every host observed, 1 an error or a host failed.\n";

enum {
	OPT_INVENTORY = 0x200, OPT_KNOWN_HOSTS, OPT_IDENTITY, OPT_REMOTE_WGF, OPT_CONNECT_TIMEOUT, OPT_TIMEOUT,
	OPT_PARALLEL, OPT_CANARY, OPT_WAVE_SIZE, OPT_KEEP_GOING, OPT_OUT,
};

static const struct option opts[] = {
	CMD_SOURCE_OPTIONS, CMD_OUTPUT_OPTIONS,
	{ "inventory", required_argument, NULL, OPT_INVENTORY },
	{ "known-hosts", required_argument, NULL, OPT_KNOWN_HOSTS },
	{ "identity", required_argument, NULL, OPT_IDENTITY },
	{ "remote-wgf", required_argument, NULL, OPT_REMOTE_WGF },
	{ "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "parallel", required_argument, NULL, OPT_PARALLEL },
	{ "canary", required_argument, NULL, OPT_CANARY },
	{ "wave-size", required_argument, NULL, OPT_WAVE_SIZE },
	{ "keep-going", no_argument, NULL, OPT_KEEP_GOING },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "help", no_argument, NULL, 'h' }, { 0 }
};

/* 1 to max, digits only. */
static int number(const char *opt, const char *s, unsigned max, unsigned *out)
{
	unsigned long v = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9' && v <= max; p++)
		v = v * 10 + (unsigned long)(*p - '0');
	if (p == s || *p || v == 0 || v > max) {
		cmd_error("fleet: --%s takes a number from 1 to %u, not \"%s\"", opt, max, s);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static int fleet_option(struct fleet_cmd *f, int opt, const char *arg)
{
	const char **v;

	switch (opt) {
	case OPT_INVENTORY: f->inventory = arg; return 0;
	case OPT_KNOWN_HOSTS: f->ssh.known_hosts = arg; return 0;
	case OPT_IDENTITY: f->ssh.identity = arg; return 0;
	case OPT_REMOTE_WGF: f->remote_wgf = arg; return 0;
	case OPT_CONNECT_TIMEOUT: return number("connect-timeout", arg, 3600, &f->ssh.connect_timeout);
	case OPT_TIMEOUT: return number("timeout", arg, 86400, &f->ssh.timeout);
	case OPT_PARALLEL: return number("parallel", arg, 256, &f->parallel);
	case OPT_WAVE_SIZE: return number("wave-size", arg, 1000000, &f->wave_size);
	case OPT_KEEP_GOING: f->keep_going = true; return 0;
	case OPT_OUT: f->out = arg; return 0;
	case OPT_CANARY:
		if (!(v = realloc(f->canary, (f->n_canary + 1) * sizeof(*v)))) {
			cmd_error("%s", strerror(ENOMEM));
			return -1;
		}
		f->canary = v;
		f->canary[f->n_canary++] = arg;
		return 0;
	}
	if (cmd_ctx_option(&f->c, opt, arg) == 1)
		return 0;
	fputs(help, stderr);
	return -1;
}

/* What goes with what, once all options are read. */
static int fleet_check(struct fleet_cmd *f, int argc, char **argv)
{
	const char *missing = !f->inventory ? "--inventory FILE" : !f->ssh.known_hosts ? "--known-hosts FILE" :
			      !f->ssh.identity ? "--identity KEY" : NULL;
	struct stat st;

	if (missing) {
		cmd_error("fleet %s: %s is needed (see wgf fleet --help)", f->c.cmd, missing);
		return -1;
	}
	if (!f->apply && (f->n_canary || f->wave_size || f->keep_going)) {
		cmd_error("fleet %s: --canary, --wave-size and --keep-going are for fleet apply", f->c.cmd);
		return -1;
	}
	if (f->apply && f->out) {
		cmd_error("fleet apply: --out is for fleet plan and fleet observe");
		return -1;
	}
	if (f->observe && !f->out) {
		cmd_error("fleet observe: --out DIR is needed (where the snapshots go)");
		return -1;
	}
	/* fleet apply SAVED-PLAN: a file (a repository is a directory); the
	 * repository is then --repo's, or the current directory's */
	if (f->apply && optind < argc && stat(argv[optind], &st) == 0 && S_ISREG(st.st_mode)) {
		f->saved_file = argv[optind++];
		if (optind < argc) {
			cmd_error("fleet apply: unexpected argument \"%s\"", argv[optind]);
			return -1;
		}
	}
	if (cmd_ctx_positional(&f->c, argc, argv) < 0)
		return -1;
	if (!f->wave_size)
		f->wave_size = f->parallel;
	return 1;
}

int fleet_parse(struct fleet_cmd *f, int argc, char **argv)
{
	bool sub = argc >= 2 && (!strcmp(argv[1], "plan") || !strcmp(argv[1], "apply") || !strcmp(argv[1], "observe"));
	int opt;

	memset(f, 0, sizeof(*f));
	f->apply = sub && !strcmp(argv[1], "apply");
	f->observe = sub && !strcmp(argv[1], "observe");
	cmd_ctx_init(&f->c, f->apply ? "apply" : f->observe ? "observe" : "plan");
	f->remote_wgf = "wgf";
	f->ssh.connect_timeout = 10;
	f->ssh.timeout = 600;
	f->parallel = 8;
	if (sub) {
		argc--;
		argv++;
	}
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'h') {
			fputs(help, stdout);
			return 0;
		}
		if (fleet_option(f, opt, optarg) < 0)
			return -1;
	}
	if (!sub) {
		cmd_error("fleet: plan, apply or observe? (see wgf fleet --help)");
		return -1;
	}
	f->progress = isatty(STDERR_FILENO);
	return fleet_check(f, argc, argv);
}

int fleet_read_inputs(struct fleet_cmd *f)
{
	struct wgf_error err = {0};
	char *text = NULL;
	size_t len = 0;
	int r;

	r = fileio_read(f->inventory, &text, &len);
	if (r < 0) {
		cmd_error("fleet: reading %s: %s", f->inventory, strerror(-r));
		return -1;
	}
	r = inventory_parse(text, len, f->inventory, &f->inv, &err);
	free(text);
	if (r < 0) {
		cmd_error("%s; nothing was done", wgf_error_message(&err));
		wgf_error_clear(&err);
		return -1;
	}
	if (f->saved_file && (r = fileio_read_regular(f->saved_file, FLEET_SAVED_MAX, &f->saved, &f->saved_len)) < 0) {
		cmd_error("fleet: reading %s: %s", f->saved_file, strerror(-r));
		return -1;
	}
	return 0;
}

void fleet_cmd_clear(struct fleet_cmd *f)
{
	inventory_clear(&f->inv);
	free(f->canary);
	free(f->saved);
	free(f->pack);
	memset(f, 0, sizeof(*f));
}
