#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/wgf.h"
#include "render/firewall.h"

static const char help[] =
	"Usage: wgf test [PATH] [--repo DIR --ref REF] [--json]\n\n"
	"Evaluates every `tests:` entry of the repository's Policy documents against\n"
	"the compiled access policy, offline: no root, no kernel. Each case is printed\n"
	"with its result and the rule that decided it (policy rule, access level,\n"
	"forward or the default drop). Use it to gate pull requests.\n\n"
	"  --repo DIR     read from this git repository instead of a directory\n"
	"  --ref REF      commit, branch or tag to read (default HEAD)\n"
	"  --allow-empty  a repository with no YAML documents is not an error\n"
	"  --json         print the results as JSON\n"
	"  --no-color     no colours (also when NO_COLOR is set or not on a terminal)\n"
	"  -h, --help     this help\n\n"
	"Exit: 0 every test passed (or there are none), 1 a test failed or the\n"
	"repository is invalid.\n";

static const char *proto_name(unsigned p)
{
	return p == FW_PROTO_TCP ? "tcp" : p == FW_PROTO_UDP ? "udp" : "icmp";
}

struct test_result {
	const struct model_policy *pol;
	const struct model_test *t;
	int r;                         /* fw_evaluate's return */
	struct fw_decision d;
	bool passed;
};

static json_object *result_json(const struct test_result *res)
{
	const struct model_test *t = res->t;
	json_object *o = json_object_new_object();
	char buf[PREFIX_STRLEN], at[512];

	json_object_object_add(o, "policy", json_object_new_string(res->pol->meta.name));
	json_object_object_add(o, "file", json_object_new_string(t->loc.file ? t->loc.file : ""));
	json_object_object_add(o, "line", json_object_new_int((int)t->loc.line));
	json_object_object_add(o, "col", json_object_new_int((int)t->loc.col));
	json_object_object_add(o, "from", json_object_new_string(t->from));
	json_object_object_add(o, "to", json_object_new_string(t->to));
	json_object_object_add(o, "src", json_object_new_string(prefix_format_addr(&t->src, buf)));
	json_object_object_add(o, "dst", json_object_new_string(prefix_format_addr(&t->dst, buf)));
	json_object_object_add(o, "protocol", json_object_new_string(proto_name(t->proto)));
	json_object_object_add(o, "port", json_object_new_int(t->port));
	json_object_object_add(o, "expect", json_object_new_string(t->expect_accept ? "accept" : "drop"));
	json_object_object_add(o, "result", json_object_new_string(res->r < 0 ? "error" :
								    res->d.accept ? "accept" : "drop"));
	json_object_object_add(o, "passed", json_object_new_boolean(res->passed));
	json_object_object_add(o, "decided_by", res->d.why ? json_object_new_string(res->d.why) : NULL);
	if (res->d.loc.line) {
		snprintf(at, sizeof(at), "%s:%u:%u", res->d.loc.file, res->d.loc.line, res->d.loc.col);
		json_object_object_add(o, "decided_at", json_object_new_string(at));
	} else {
		json_object_object_add(o, "decided_at", NULL);
	}
	json_object_object_add(o, "host", res->d.host ? json_object_new_string(res->d.host) : NULL);
	json_object_object_add(o, "expect_exit", t->exit ? json_object_new_string(t->exit) : NULL);
	json_object_object_add(o, "exit", res->d.exit_host ? json_object_new_string(res->d.exit_host) : NULL);
	json_object_object_add(o, "exit_group", res->d.exit_group ? json_object_new_string(res->d.exit_group) : NULL);
	if (res->r == 0 && res->d.forwarded) {
		json_object_object_add(o, "forwarded_to",
				       json_object_new_string(prefix_format_addr(&res->d.target, buf)));
		json_object_object_add(o, "forwarded_port", json_object_new_int(res->d.target_port));
	}
	return o;
}

static void result_text(const struct test_result *res, bool color)
{
	const struct model_test *t = res->t;
	const char *on = color ? (res->passed ? "\033[32m" : "\033[31m") : "", *off = color ? "\033[0m" : "";
	char port[16] = "";

	if (t->proto != FW_PROTO_ICMP)
		snprintf(port, sizeof(port), "/%u", t->port);
	printf("  %s%-4s%s  %s → %s %s%s: ", on, res->passed ? "ok" : "FAIL", off, t->from, t->to,
	       proto_name(t->proto), port);
	if (res->r < 0)
		printf("error: %s\n", res->d.why ? res->d.why : strerror(-res->r));
	else if (res->passed)
		printf("%s", res->d.accept ? "accept" : "drop");
	else if (res->d.accept == t->expect_accept)
		printf("expected to leave through exit %s, leaves through %s", t->exit,
		       res->d.exit_host ? res->d.exit_host : res->d.exit_group ? "the lowest latency member" : "no exit");
	else
		printf("expected %s, got %s", t->expect_accept ? "accept" : "drop", res->d.accept ? "accept" : "drop");
	if (res->r >= 0) {
		printf(" (%s", res->d.why ? res->d.why : "?");
		if (res->d.host)
			printf(", on host %s", res->d.host);
		printf(")\n");
	}
	if (!res->passed) {
		if (res->d.loc.line)
			printf("          decided at %s:%u:%u\n", res->d.loc.file, res->d.loc.line, res->d.loc.col);
		printf("          test at %s:%u:%u\n", t->loc.file, t->loc.line, t->loc.col);
	}
}

/* A test's "exit": the flow is accepted and leaves through that exit host. */
static bool exit_matches(const struct test_result *res)
{
	const char *want = res->t->exit;

	return !want || (res->d.accept && res->d.exit_host && !strcmp(res->d.exit_host, want));
}

/* Evaluates every test of every policy; fw_network compiled once per network. */
static int run_tests(const struct cmd_ctx *c, const struct model *m, struct test_result **out, size_t *n_out)
{
	struct fw_network **nets = calloc(m->n_networks ? m->n_networks : 1, sizeof(*nets));
	struct test_result *res = NULL;
	size_t n = 0, total = 0;
	int r = 0;

	if (!nets)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_policies; i++)
		total += m->policies[i].n_tests;
	res = calloc(total ? total : 1, sizeof(*res));
	if (!res) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < m->n_policies; i++) {
		const struct model_policy *pol = &m->policies[i];

		if (pol->n_tests && !nets[pol->network]) {
			r = fw_compile(m, pol->network, c->now, &nets[pol->network]);
			if (r < 0)
				goto out;
		}
		for (size_t j = 0; j < pol->n_tests; j++) {
			struct test_result *t = &res[n++];
			struct fw_query q = { pol->tests[j].src, pol->tests[j].dst, pol->tests[j].proto,
					      pol->tests[j].port };

			t->pol = pol;
			t->t = &pol->tests[j];
			t->r = fw_evaluate(nets[pol->network], &q, &t->d);
			if (t->r == -ENOMEM) {
				r = -ENOMEM;
				goto out;
			}
			t->passed = t->r == 0 && t->d.accept == t->t->expect_accept && exit_matches(t);
		}
	}
out:
	for (size_t i = 0; i < m->n_networks; i++)
		fw_network_free(nets[i]);
	free(nets);
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			fw_decision_clear(&res[i].d);
		free(res);
		return r;
	}
	*out = res;
	*n_out = n;
	return 0;
}

int cmd_test(int argc, char **argv)
{
	static const struct option opts[] = {
		CMD_SOURCE_OPTIONS, CMD_OUTPUT_OPTIONS,
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	struct cmd_ctx c;
	struct model *m = NULL;
	struct test_result *res = NULL;
	size_t n = 0, failed = 0;
	const struct model_policy *last = NULL;
	int r, ret = EXIT_ERROR;

	cmd_ctx_init(&c, "test");
	r = cmd_parse(&c, argc, argv, opts, help, true);
	if (r <= 0)
		return r < 0 ? EXIT_ERROR : EXIT_OK;
	if (cmd_load_model(&c, &m) < 0)
		return EXIT_ERROR;
	r = run_tests(&c, m, &res, &n);
	if (r < 0) {
		cmd_error("evaluating tests: %s", strerror(-r));
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		failed += !res[i].passed;
	if (c.json) {
		json_object *o = json_object_new_object(), *arr = json_object_new_array();
		for (size_t i = 0; i < n; i++)
			json_object_array_add(arr, result_json(&res[i]));
		json_object_object_add(o, "source", json_object_new_string(m->source));
		json_object_object_add(o, "passed", json_object_new_int64((int64_t)(n - failed)));
		json_object_object_add(o, "failed", json_object_new_int64((int64_t)failed));
		json_object_object_add(o, "tests", arr);
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else if (n == 0) {
		printf("%s: no tests (add `tests:` to a Policy)\n", m->source);
	} else {
		printf("%s: %zu test%s\n", m->source, n, n == 1 ? "" : "s");
		for (size_t i = 0; i < n; i++) {
			if (res[i].pol != last) {
				last = res[i].pol;
				printf("\npolicy %s (%s)\n", last->meta.name, last->meta.loc.file);
			}
			result_text(&res[i], c.color);
		}
		printf("\n%zu passed, %zu failed\n", n - failed, failed);
	}
	ret = failed ? EXIT_ERROR : EXIT_OK;
out:
	for (size_t i = 0; i < n; i++)
		fw_decision_clear(&res[i].d);
	free(res);
	model_free(m);
	return ret;
}
