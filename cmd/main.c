#include <stdio.h>
#include <string.h>

#include "cmd/wgf.h"
#include "model/key.h"

static const struct cmd commands[] = {
	{ "validate", cmd_validate, "check a repository: syntax, fields, keys, addresses, references" },
	{ "test",     cmd_test,     "evaluate the policies' tests: offline, says which rule decided" },
	{ "plan",     cmd_plan,     "show what apply would change on this host (exit 0 none, 2 changes)" },
	{ "report",   cmd_report,   "a review report of a change: plans, reachability diff (Markdown, HTML, JSON)" },
	{ "apply",    cmd_apply,    "make this host match the repository" },
	{ "fleet",    cmd_fleet,    "plan, apply or observe every Host on the host itself, over SSH (fleet plan|apply|observe)" },
	{ "reconcile", cmd_reconcile, "one GitOps run: fetch, verify the signature, plan, apply, record" },
	{ "suspend",  cmd_suspend,  "pause the reconcile loop (with a reason)" },
	{ "resume",   cmd_resume,   "end a suspension of the reconcile loop" },
	{ "watch",    cmd_watch,    "keep exit groups on healthy members: probe, switch routes, journal (the wgf-watch service)" },
	{ "status",   cmd_status,   "show wgf's interfaces and peers as the kernel has them, with health verdicts" },
	{ "doctor",   cmd_doctor,   "check what keeps this host's tunnel from working, and say what to do" },
	{ "metrics",  cmd_metrics,  "this host in Prometheus' text format: stdout, --textfile DIR (node_exporter), --listen ADDR:PORT" },
	{ "observe",  cmd_observe,  "write what plan reads from this host as JSON, to plan elsewhere" },
	{ "keys",     cmd_keys,     "every key's age and rotation due date (git history or keyCreated)" },
	{ "journal",  cmd_journal,  "show the hash-chained journal of applies; `journal verify` checks it, `journal export` for audits" },
	{ "peer",     cmd_peer,     "the devices: `peer config` prints a wg-quick config (or QR code), `peer new`, `peer rotate`" },
	{ "secret",   cmd_secret,   "preshared keys sealed in the repository: `secret psk PEER`, `secret reseal`" },
	{ "operator", cmd_operator, "your Operator identity, that sealed secrets are sealed to: `operator init`" },
	{ "import",   cmd_import,   "a repository from wg-quick files or a running interface (import wg-quick|interface)" },
	{ "host",     cmd_host,     "this host's keys: `host init` (WireGuard and sealing key), `host rotate` (prepare the next key)" },
	{ "version",  cmd_version,  "print the version" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: wgf COMMAND [OPTIONS]\n\n"
		"Declarative WireGuard networks from YAML in git.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun `wgf COMMAND --help` for a command's options; `man wgf` for everything.\n"
		"Exit codes: 0 success (plan: no changes), 2 plan has changes (keys\n"
		"--fail-on-overdue: a key is overdue), 1 error, 3 reconcile refused an\n"
		"untrusted revision.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_ERROR;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return cmd_version(argc - 1, argv + 1);
	if (key_init() < 0) {
		cmd_error("libsodium failed to initialise");
		return EXIT_ERROR;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	cmd_error("unknown command \"%s\"", argv[1]);
	usage(stderr);
	return EXIT_ERROR;
}
