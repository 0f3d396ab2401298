/* The model's enumerations: one table each, in the order messages list them. */
#include "model/model_enum.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "model/model.h"

#define ENUM(entries, one_of) { entries, sizeof(entries) / sizeof(entries[0]), one_of }

static const struct model_enum_entry host_roles[] = {
	{ "hub", HOST_ROLE_HUB, 0 },
	{ "exit", HOST_ROLE_EXIT, 0 },
	{ "router", HOST_ROLE_ROUTER, 0 },
	{ "member", HOST_ROLE_MEMBER, 0 },
};
const struct model_enum model_host_roles = ENUM(host_roles, false);

static const struct model_enum_entry access_levels[] = {
	{ "full", ACCESS_FULL, 0 },
	{ "vpn-only", ACCESS_VPN_ONLY, 0 },
	{ "lan-only", ACCESS_LAN_ONLY, 0 },
	{ "internet-only", ACCESS_INTERNET_ONLY, 0 },
	{ "custom", ACCESS_CUSTOM, 0 },
};
const struct model_enum model_access_levels = ENUM(access_levels, false);

static const struct model_enum_entry protocols[] = {
	{ "tcp", FW_PROTO_TCP, MODEL_USE_FORWARD | MODEL_USE_RULE | MODEL_USE_TEST },
	{ "udp", FW_PROTO_UDP, MODEL_USE_FORWARD | MODEL_USE_RULE | MODEL_USE_TEST },
	{ "both", FW_PROTO_TCP | FW_PROTO_UDP, MODEL_USE_FORWARD | MODEL_USE_RULE },
	{ "icmp", FW_PROTO_ICMP, MODEL_USE_RULE | MODEL_USE_TEST },
	{ "any", FW_PROTO_ANY, MODEL_USE_RULE },
};
const struct model_enum model_protocols = ENUM(protocols, true);

static const struct model_enum_entry actions[] = {
	{ "accept", true, 0 },
	{ "drop", false, 0 },
};
const struct model_enum model_actions = ENUM(actions, false);

static const struct model_enum_entry selector_kinds[] = {
	{ "peer", SEL_PEER, 0 },
	{ "host", SEL_HOST, 0 },
	{ "tenant", SEL_TENANT, 0 },
	{ "labels", SEL_LABELS, 0 },
	{ "cidr", SEL_CIDR, 0 },
};
const struct model_enum model_selector_kinds = ENUM(selector_kinds, false);

static const struct model_enum_entry exit_strategies[] = {
	{ "priority", EXIT_STRATEGY_PRIORITY, 0 },
	{ "round-robin", EXIT_STRATEGY_ROUND_ROBIN, 0 },
	{ "latency", EXIT_STRATEGY_LATENCY, 0 },
};
const struct model_enum model_exit_strategies = ENUM(exit_strategies, false);

static const struct model_enum_entry exit_all_down[] = {
	{ "blackhole", EXIT_ALL_DOWN_BLACKHOLE, 0 },
	{ "direct", EXIT_ALL_DOWN_DIRECT, 0 },
};
const struct model_enum model_exit_all_down = ENUM(exit_all_down, false);

const char *model_enum_name(const struct model_enum *t, int value)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->e[i].value == value)
			return t->e[i].name;
	return NULL;
}

size_t model_enum_select(const struct model_enum *t, unsigned uses, struct model_enum_entry *out)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n && n < MODEL_ENUM_MAX; i++)
		if (!uses || (t->e[i].uses & uses))
			out[n++] = t->e[i];
	return n;
}

const struct model_enum_entry *model_enum_find(const struct model_enum_entry *e, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(e[i].name, name))
			return &e[i];
	return NULL;
}

const char *model_enum_suggest(const struct model_enum_entry *e, size_t n, const char *word)
{
	const struct model_enum_entry *best = NULL;
	size_t best_d = SIZE_MAX;

	for (size_t i = 0; i < n; i++) {
		size_t dist = suggest_distance(word, e[i].name);
		if (dist < best_d || (dist == best_d && dist != SIZE_MAX && e[i].value < best->value)) {
			best = &e[i];
			best_d = dist;
		}
	}
	return best ? best->name : NULL;
}

const char *model_enum_list(const struct model_enum *t, const struct model_enum_entry *e, size_t n, char *buf,
			    size_t len)
{
	struct name_list k = { e, n, sizeof(*e) };
	size_t skip = t->one_of ? (size_t)snprintf(buf, len, "one of ") : 0;

	name_list_join(&k, t->one_of ? ", " : " or ", buf + skip, len - skip);
	return buf;
}

const char *host_role_name(enum host_role r)
{
	const char *s = model_enum_name(&model_host_roles, r);

	return s ? s : "unknown";
}

const char *access_level_name(enum access_level a)
{
	const char *s = model_enum_name(&model_access_levels, a);

	return s ? s : "unknown";
}

const char *exit_strategy_name(enum exit_strategy st)
{
	const char *s = model_enum_name(&model_exit_strategies, st);

	return s ? s : "unknown";
}

const char *exit_all_down_name(enum exit_all_down a)
{
	const char *s = model_enum_name(&model_exit_all_down, a);

	return s ? s : "unknown";
}
