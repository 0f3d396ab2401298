/* wgf doctor: runs the checks of reconcile/host/doctor.h on this host and
 * prints each with ok, warning or problem, what it found and what to do. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd/wgf.h"
#include "reconcile/host/doctor.h"

static const char help[] =
	"Usage: wgf doctor [--host NAME] [PATH | --repo DIR --ref REF] [--state-dir DIR]\n"
	"                  [--key-file FILE] [--json]\n\n"
	"Checks what keeps this host's tunnel from working and says what to do: the\n"
	"WireGuard backend (kernel module or wireguard-go), the host key (there, mode\n"
	"0600, the Host's publicKey), IP forwarding where the role needs it, strict\n"
	"reverse-path filtering where the host routes tunnel traffic, other nftables\n"
	"tables (iptables-nft's too) that drop the interface's forwarded traffic or the\n"
	"listen port, the interface MTU plus WireGuard's 60 (IPv4) or 80 (IPv6) bytes\n"
	"against the underlay's MTU towards each endpoint, the listen port taken by\n"
	"another socket, endpoints without a route, a clock before the times the state\n"
	"directory recorded, peers that never handshake and why (as wgf status),\n"
	"the state directory's owner and modes, and the reconcile timer and loop.\n"
	"Each check prints ok, warning or problem, one line of what it found and, unless\n"
	"ok, one line of what to do. The Host is --host, else the one whose publicKey is\n"
	"the key file's, else the one named like this machine.\n\n"
	"Exit status: 0 no problem (warnings allowed), 1 error, 4 a problem found.\n\n"
	"  --host NAME       the repository's Host this machine is\n"
	"  --key-file FILE   the host's private key (default /etc/wgf/private.key)\n"
	"  --state-dir DIR   wgf's records (default /var/lib/wgf)\n"
	"  --wireguard-go P  the wireguard-go to look for (default $WGF_WIREGUARD_GO, PATH)\n"
	"  --allow-empty     a repository with no YAML documents is not an error\n"
	"  --json            print a JSON array of {check, title, status, message, hint}\n"
	"  --no-color        no colours (also NO_COLOR=1)\n"
	"  -h, --help        this help\n";

static const char *status_color(enum doctor_status s)
{
	return s == DOCTOR_OK ? "\033[32m" : s == DOCTOR_WARNING ? "\033[33m" : "\033[1;31m";
}

static void print_text(const struct cmd_ctx *c, const struct doctor_result *res)
{
	for (size_t i = 0; i < doctor_n_checks; i++) {
		const struct doctor_result *r = &res[i];
		printf("%s%-8s%s %-21s %s\n", c->color ? status_color(r->status) : "", doctor_status_name(r->status),
		       c->color ? "\033[0m" : "", doctor_checks[i].title, r->message);
		if (r->status != DOCTOR_OK && *r->hint)
			printf("%-8s %-21s → %s\n", "", "", r->hint);
	}
}

static void print_json(const struct doctor_result *res)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < doctor_n_checks; i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "check", json_object_new_string(doctor_checks[i].id));
		json_object_object_add(o, "title", json_object_new_string(doctor_checks[i].title));
		json_object_object_add(o, "status", json_object_new_string(doctor_status_name(res[i].status)));
		json_object_object_add(o, "message", json_object_new_string(res[i].message));
		json_object_object_add(o, "hint", res[i].status != DOCTOR_OK && *res[i].hint ?
				       json_object_new_string(res[i].hint) : NULL);
		json_object_array_add(a, o);
	}
	puts(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(a);
}

/* The repository's Host this machine is: --host, else by key file, else by hostname. */
static const struct model_host *doctor_host(const struct cmd_ctx *c, const struct model *m)
{
	struct pipeline_opts o;
	struct pipeline_host ph;
	struct wgf_error err = {0};
	const struct model_host *h = NULL;

	if (c->host) {
		if (!(h = model_find_host(m, c->host)))
			cmd_error("doctor: the repository has no Host \"%s\"", c->host);
		return h;
	}
	cmd_pipeline_opts(c, &o);
	if (pipeline_identify(m, &o, &ph, &err) == 0)
		h = ph.host;
	else
		cmd_error("doctor: %s; pass --host NAME", wgf_error_message(&err));
	pipeline_host_clear(&ph);
	wgf_error_clear(&err);
	return h;
}

int cmd_doctor(int argc, char **argv)
{
	static const struct option opts[] = {
		CMD_SOURCE_OPTIONS, CMD_HOST_OPTIONS, CMD_OUTPUT_OPTIONS,
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	struct doctor_result res[32];
	struct doctor_ctx dc = {0};
	struct wgf_error err = {0};
	struct cmd_ctx c;
	struct model *m = NULL;
	int r, ret = EXIT_ERROR;
	bool problem = false;

	cmd_ctx_init(&c, "doctor");
	r = cmd_parse(&c, argc, argv, opts, help, true);
	if (r <= 0)
		return r < 0 ? EXIT_ERROR : EXIT_OK;
	if (cmd_load_model(&c, &m) < 0)
		return EXIT_ERROR;
	dc.host = doctor_host(&c, m);
	if (!dc.host || doctor_n_checks > sizeof(res) / sizeof(res[0]))
		goto out;
	dc.m = m;
	dc.state_dir = c.state_dir;
	dc.key_file = c.key_file;
	dc.wireguard_go = c.wireguard_go;
	dc.now = (int64_t)time(NULL);
	if (doctor_prepare(&dc, &err) < 0) {
		cmd_error("doctor: %s", wgf_error_message(&err));
		goto out;
	}
	for (size_t i = 0; i < doctor_n_checks; i++) {
		memset(&res[i], 0, sizeof(res[i]));
		doctor_checks[i].run(&dc, &res[i]);
		problem |= res[i].status == DOCTOR_PROBLEM;
	}
	if (c.json)
		print_json(res);
	else
		print_text(&c, res);
	ret = problem ? EXIT_UNHEALTHY : EXIT_OK;
out:
	doctor_ctx_clear(&dc);
	wgf_error_clear(&err);
	model_free(m);
	return ret;
}
