/* Field tables: names checked, required fields reported, each field's loader called. */
#include "model/model_load_spec.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Fields people write from habit (wg-quick, other tools) and what wgf wants
 * instead. An entry is offered only where its "scope" field is known, so that
 * it applies to the kinds that have the field it points to. */
struct field_alias {
	const char *wrong;             /* compared ignoring case */
	const char *scope;
	const char *hint;              /* NULL: did you mean "scope"? */
};

#define ALLOWED_IPS_HINT "wgf derives allowed IPs: did you mean \"addresses\"? (networks behind it go in \"lans\")"

static const struct field_alias field_aliases[] = {
	{ "allowedIPs", "addresses", ALLOWED_IPS_HINT },
	{ "allowed_ips", "addresses", ALLOWED_IPS_HINT },
	{ "allowed-ips", "addresses", ALLOWED_IPS_HINT },
	{ "keepalive", "persistentKeepalive", NULL },
	{ "persistent_keepalive", "persistentKeepalive", NULL },
	{ "disabled", "enabled", "did you mean \"enabled: false\"?" },
	{ "disable", "enabled", "did you mean \"enabled: false\"?" },
	{ "port", "listenPort", NULL },
	{ "listen_port", "listenPort", NULL },
	{ "dns", "dns", NULL },
	{ "privateKey", "publicKey", "private keys never go in the repository: write the host's \"publicKey\" "
				     "(wgf host init prints it)" },
	{ "private_key", "publicKey", "private keys never go in the repository: write the host's \"publicKey\" "
				      "(wgf host init prints it)" },
};

static void unknown_field(struct loader *l, const struct ynode *k, const struct name_list *known,
			  const char *where)
{
	const char *s;

	for (size_t i = 0; i < sizeof(field_aliases) / sizeof(field_aliases[0]); i++) {
		const struct field_alias *a = &field_aliases[i];
		if (strcasecmp(k->value, a->wrong) || !name_list_has(known, a->scope, strlen(a->scope)))
			continue;
		if (a->hint)
			load_err(l, k, "unknown field %s in %s (%s)", diag_quote(k->value), where, a->hint);
		else
			load_err(l, k, "unknown field %s in %s (did you mean \"%s\"?)", diag_quote(k->value), where, a->scope);
		return;
	}
	s = name_list_suggest(known, k->value);
	if (s)
		load_err(l, k, "unknown field %s in %s (did you mean \"%s\"?)", diag_quote(k->value), where, s);
	else
		load_err(l, k, "unknown field %s in %s", diag_quote(k->value), where);
}

void check_fields(struct loader *l, const struct ynode *map, const struct name_list *known, const char *where)
{
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *k = map->pairs[i].key;

		if (k->type == YNODE_SCALAR && !name_list_has(known, k->value, k->len))
			unknown_field(l, k, known, where);
	}
}

void load_spec(struct loader *l, const struct ynode *map, const struct spec_field *fields, size_t n_fields,
	       const char *where, void *obj, struct obj_extra *x)
{
	struct name_list known = { fields, n_fields, sizeof(*fields) };

	check_fields(l, map, &known, where);
	for (size_t i = 0; i < n_fields; i++) {
		const struct spec_field *f = &fields[i];
		const struct ynode *n = ynode_get(map, f->name);

		if (n)
			f->load(l, n, f, obj, x);
		else if (f->required)
			load_missing(l, map, f->name, where);
	}
}

static void *at(void *obj, size_t offset)
{
	return (char *)obj + offset;
}

SPEC_LOADER(spec_load_u16)
{
	uint64_t v;

	if (!want_uint(l, n, f->name, f->min, f->max, &v))
		return false;
	*(uint16_t *)at(obj, f->offset) = (uint16_t)v;
	return true;
}

SPEC_LOADER(spec_load_u32)
{
	uint64_t v;

	if (!want_uint(l, n, f->name, f->min, f->max, &v))
		return false;
	*(uint32_t *)at(obj, f->offset) = (uint32_t)v;
	return true;
}

SPEC_LOADER(spec_load_i32)
{
	uint64_t v;

	if (!want_uint(l, n, f->name, f->min, f->max, &v))
		return false;
	*(int32_t *)at(obj, f->offset) = (int32_t)v;
	return true;
}

SPEC_LOADER(spec_load_bool)
{
	return want_bool(l, n, f->name, at(obj, f->offset));
}

SPEC_LOADER(spec_load_ifname)
{
	return want_ifname(l, n, at(obj, f->offset));
}

SPEC_LOADER(spec_load_network_ref)
{
	const char *s;

	if (!want_string(l, n, f->name, &s))
		return false;
	x->network = load_strdup(l, s);
	x->has_network = x->network != NULL;
	x->network_loc = load_loc(l, n);
	return x->has_network;
}

SPEC_LOADER(spec_load_tenant_ref)
{
	const char *s;

	if (!want_string(l, n, f->name, &s))
		return false;
	x->tenant = load_strdup(l, s);
	x->tenant_loc = load_loc(l, n);
	return x->tenant != NULL;
}
