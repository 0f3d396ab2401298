/* The Policy kind: selectors, rules and tests. */
#include <stddef.h>
#include <string.h>

#include "model/model_internal.h"
#include "model/model_load_spec.h"
#include "model/model_load_value.h"

_Static_assert(offsetof(struct model_policy, meta) == 0, "a kind's struct starts with its meta");

/* A selector that is not a mapping of one key. */
static void selector_shape(struct loader *l, const struct ynode *n)
{
	const struct model_enum *kinds = &model_selector_kinds;
	char list[64];

	model_enum_list(kinds, kinds->e, kinds->n, list, sizeof(list));
	if (n->type != YNODE_MAPPING)
		load_err(l, n, "a selector is a mapping with exactly one of %s, got %s", list, ynode_describe(n));
	else if (n->n == 0)
		load_err(l, n, "a selector is a mapping with exactly one of %s, got an empty mapping", list);
	else
		load_err(l, n, "a selector is a mapping with exactly one of %s, got %zu keys", list, n->n);
}

static bool load_selector_labels(struct loader *l, const struct ynode *v, struct model_selector *sel)
{
	struct model_meta tmp = { 0 };

	if (!want_type(l, v, "labels", YNODE_MAPPING))
		return false;
	if (v->n == 0) {
		load_err(l, v, "\"labels\" must name at least one label");
		return false;
	}
	load_labels(l, v, &tmp);
	sel->labels = tmp.labels;
	sel->n_labels = tmp.n_labels;
	return true;
}

static bool load_selector_cidr(struct loader *l, const struct ynode *v, const char *s, struct model_selector *sel)
{
	char buf[PREFIX_STRLEN];
	struct wgf_prefix m;

	if (!prefix_parse(s, true, &sel->cidr)) {
		load_err(l, v, "cidr %s is not an IP address or prefix", diag_quote(s));
		return false;
	}
	if (!prefix_is_network(&sel->cidr)) {
		m = sel->cidr;
		prefix_mask(&m);
		load_err(l, v, "cidr %s has host bits set (did you mean %s?)", diag_quote(s), prefix_format(&m, buf));
		return false;
	}
	return true;
}

static bool load_selector(struct loader *l, const struct ynode *n, struct model_selector *sel)
{
	const struct model_enum *kinds = &model_selector_kinds;
	const struct model_enum_entry *kind;
	const struct ynode *k, *v;
	const char *s;

	sel->loc = load_loc(l, n);
	sel->index = MODEL_NONE;
	if (n->type != YNODE_MAPPING || n->n != 1) {
		selector_shape(l, n);
		return false;
	}
	k = n->pairs[0].key;
	v = n->pairs[0].value;
	if (k->type != YNODE_SCALAR)
		return false;
	kind = model_enum_find(kinds->e, kinds->n, k->value);
	if (!kind) {
		struct name_list known = model_enum_names(kinds);
		check_fields(l, n, &known, "selector");
		return false;
	}
	sel->kind = (enum model_selector_kind)kind->value;
	if (sel->kind == SEL_LABELS)
		return load_selector_labels(l, v, sel);
	if (!want_string(l, v, k->value, &s))
		return false;
	if (sel->kind == SEL_CIDR)
		return load_selector_cidr(l, v, s, sel);
	sel->name = load_strdup(l, s);
	return sel->name != NULL;
}

/* from/to: one selector or a list of them. */
void load_selectors(struct loader *l, const struct ynode *n, struct model_selector **out, size_t *n_out)
{
	size_t cnt = n->type == YNODE_SEQUENCE ? n->n : 1;

	if (n->type == YNODE_SEQUENCE && n->n == 0) {
		load_err(l, n, "an empty selector list matches nothing (leave the field out to match anything)");
		return;
	}
	*out = load_calloc(l, cnt, sizeof(**out));
	if (!*out)
		return;
	for (size_t i = 0; i < cnt; i++)
		if (load_selector(l, n->type == YNODE_SEQUENCE ? n->items[i] : n, &(*out)[*n_out]))
			(*n_out)++;
}

static void load_rules(struct loader *l, const struct ynode *seq, struct model_policy *pol)
{
	static const char *const fields[] = { "from", "to", "protocol", "ports", "action" };

	if (!want_type(l, seq, "rules", YNODE_SEQUENCE))
		return;
	pol->rules = load_calloc(l, seq->n, sizeof(*pol->rules));
	if (!pol->rules)
		return;
	for (size_t i = 0; i < seq->n; i++) {
		const struct ynode *it = seq->items[i], *n;
		struct model_rule *r = &pol->rules[pol->n_rules];
		bool proto_ok = true;
		const char *s;
		int v;

		if (!want_type(l, it, "rules item", YNODE_MAPPING))
			continue;
		pol->n_rules++;
		r->loc = load_loc(l, it);
		r->protos = FW_PROTO_ANY;
		check_fields(l, it, &NAME_LIST(fields), "rule");
		if ((n = ynode_get(it, "from")))
			load_selectors(l, n, &r->from, &r->n_from);
		if ((n = ynode_get(it, "to")))
			load_selectors(l, n, &r->to, &r->n_to);
		if ((n = ynode_get(it, "protocol")))
			proto_ok = want_protocol(l, n, MODEL_USE_RULE, &r->protos);
		if ((n = ynode_get(it, "ports")) && want_type(l, n, "ports", YNODE_SEQUENCE)) {
			if (proto_ok && (r->protos & ~(FW_PROTO_TCP | FW_PROTO_UDP) || !r->protos))
				load_err(l, n, "\"ports\" needs \"protocol\" tcp, udp or both");
			else if (n->n == 0)
				load_err(l, n, "\"ports\" is empty: leave it out to match every port");
			r->ports = load_calloc(l, n->n, sizeof(*r->ports));
			for (size_t j = 0; r->ports && j < n->n; j++)
				if (want_port_range(l, n->items[j], "ports", &r->ports[r->n_ports]))
					r->n_ports++;
		}
		if (!(n = ynode_get(it, "action"))) {
			load_missing(l, it, "action", "rule");
		} else if (want_string(l, n, "action", &s) && want_choice(l, n, "action", s, &model_actions, 0, &v)) {
			r->accept = v;
		}
	}
}

static void load_tests(struct loader *l, const struct ynode *seq, struct model_policy *pol)
{
	static const char *const fields[] = { "from", "to", "protocol", "port", "expect", "family", "exit" };

	if (!want_type(l, seq, "tests", YNODE_SEQUENCE))
		return;
	pol->tests = load_calloc(l, seq->n, sizeof(*pol->tests));
	if (!pol->tests)
		return;
	for (size_t i = 0; i < seq->n; i++) {
		const struct ynode *it = seq->items[i], *n, *pn;
		struct model_test *t = &pol->tests[pol->n_tests];
		const char *s;
		uint64_t v;
		int a;

		if (!want_type(l, it, "tests item", YNODE_MAPPING))
			continue;
		pol->n_tests++;
		t->loc = t->from_loc = t->to_loc = load_loc(l, it);
		t->from_peer = t->from_host = t->to_peer = t->to_host = t->exit_host = MODEL_NONE;
		check_fields(l, it, &NAME_LIST(fields), "test");
		if (!(n = ynode_get(it, "from")))
			load_missing(l, it, "from", "test");
		else if (want_string(l, n, "from", &s))
			t->from = load_strdup(l, s), t->from_loc = load_loc(l, n);
		if (!(n = ynode_get(it, "to")))
			load_missing(l, it, "to", "test");
		else if (want_string(l, n, "to", &s))
			t->to = load_strdup(l, s), t->to_loc = load_loc(l, n);
		pn = ynode_get(it, "port");
		if (pn && want_uint(l, pn, "port", 1, 65535, &v))
			t->port = (uint16_t)v;
		if ((n = ynode_get(it, "protocol"))) {
			if (want_protocol(l, n, MODEL_USE_TEST, &t->proto)) {
				if (t->proto == FW_PROTO_ICMP && pn)
					load_err(l, pn, "\"port\" does not apply to icmp");
				else if (t->proto != FW_PROTO_ICMP && !pn)
					load_missing(l, it, "port", "test (tcp and udp need one)");
			}
		} else {
			t->proto = pn ? FW_PROTO_TCP : FW_PROTO_ICMP;
		}
		if (!(n = ynode_get(it, "expect"))) {
			load_missing(l, it, "expect", "test");
		} else if (want_string(l, n, "expect", &s) && want_choice(l, n, "expect", s, &model_actions, 0, &a)) {
			t->expect_accept = a;
		}
		if ((n = ynode_get(it, "family")) && want_string(l, n, "family", &s)) {
			if (!strcmp(s, "ipv4") || !strcmp(s, "ipv6"))
				t->family = s[3] == '4' ? AF_INET : AF_INET6;
			else
				load_err(l, n, "\"family\" must be ipv4 or ipv6, not %s", diag_quote(s));
		}
		if ((n = ynode_get(it, "exit")) && want_string(l, n, "exit", &s))
			t->exit = load_strdup(l, s), t->exit_loc = load_loc(l, n);
	}
}

static SPEC_LOADER(policy_rules)
{
	load_rules(l, n, obj);
	return true;
}

static SPEC_LOADER(policy_tests)
{
	load_tests(l, n, obj);
	return true;
}

static const struct spec_field policy_fields[] = {
	{ "network", spec_load_network_ref, false, 0, 0, 0 },
	{ "priority", spec_load_i32, false, offsetof(struct model_policy, priority), 0, 65535 },
	{ "rules", policy_rules, false, 0, 0, 0 },
	{ "tests", policy_tests, false, 0, 0, 0 },
};

static const struct model_policy policy_defaults = { .priority = 100 };

static void policy_clear(void *obj)
{
	model_policy_clear(obj);
}

const struct kind_spec kind_policy = {
	"Policy", "Policy spec", SPEC_FIELDS(policy_fields), &policy_defaults, sizeof(struct model_policy),
	policy_clear, offsetof(struct model, policies), offsetof(struct model, n_policies),
	offsetof(struct loader, pol_x), offsetof(struct loader, cap_policies),
};
