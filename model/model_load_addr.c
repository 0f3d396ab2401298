/* Addresses in the YAML: keys, endpoints, tunnel addresses, LANs, pools. */
#include "model/model_load_addr.h"

#include <stdio.h>
#include <string.h>

/* A key that decodes but can be no peer's: all zeros, a point of small order,
 * or a non-canonical encoding. A non-canonical key is still a key (for the
 * duplicate check, which compares canonical forms). */
static bool want_public_key(struct loader *l, const struct ynode *n, const char *s, const uint8_t key[WG_KEY_LEN])
{
	enum key_public_problem problem = key_public_check(key);
	uint8_t c[WG_KEY_LEN];
	char b64[WG_KEY_B64_LEN];

	switch (problem) {
	case KEY_PUBLIC_OK:
		return true;
	case KEY_PUBLIC_ZERO:
		load_err(l, n, "publicKey %s is all zeros: a placeholder, not the key of any device", diag_quote(s));
		return false;
	case KEY_PUBLIC_LOW_ORDER:
		load_err(l, n, "publicKey %s is a point of small order on Curve25519: no private key has it, and "
			 "WireGuard refuses handshakes with it", diag_quote(s));
		return false;
	case KEY_PUBLIC_TOP_BIT:
	case KEY_PUBLIC_NOT_REDUCED:
		key_public_canonical(c, key);
		load_err(l, n, "publicKey %s is not canonical (%s): the same key is written %s", diag_quote(s),
			 problem == KEY_PUBLIC_TOP_BIT ? "the top bit of its last byte is set" :
			 "it is not below 2^255-19", key_to_base64(c, b64));
		return true;
	}
	return false;
}

/* "publicKey": a WireGuard public key, into the uint8_t[WG_KEY_LEN] at f->offset. */
SPEC_LOADER(spec_load_key)
{
	uint8_t *key = (uint8_t *)obj + f->offset;
	const char *s;

	if (!want_string(l, n, f->name, &s))
		return false;
	if (!key_from_base64(s, key)) {
		load_err(l, n, "publicKey %s is not a WireGuard key (44 characters of base64 encoding 32 bytes)",
			 diag_quote(s));
		return false;
	}
	if (!want_public_key(l, n, s, key))
		return false;
	x->has_key = true;
	x->key_loc = load_loc(l, n);
	return true;
}

/* An address other machines send to (an endpoint, a public address) must be unicast and routable. */
static bool want_unicast(struct loader *l, const struct ynode *n, const char *field, const char *s,
			 const struct wgf_prefix *a)
{
	const struct prefix_special *sp = prefix_special_find(a, PREFIX_REFUSE_ENDPOINT);
	char abuf[PREFIX_STRLEN], rbuf[PREFIX_STRLEN];

	if (!sp)
		return true;
	load_err(l, n, "\"%s\" %s: %s is a special-purpose address (%s, %s): %s", field, diag_quote(s),
		 prefix_format_addr(a, abuf), sp->name, prefix_format(&sp->range, rbuf), sp->why);
	return false;
}

/* "endpoint": IP:port, into the struct wgf_endpoint at f->offset. */
SPEC_LOADER(spec_load_endpoint)
{
	struct wgf_endpoint *e = (struct wgf_endpoint *)((char *)obj + f->offset);
	struct wgf_prefix a;
	const char *s;

	if (!want_string(l, n, f->name, &s))
		return false;
	if (!endpoint_parse(s, e)) {
		load_err(l, n, "\"endpoint\" must be IP:port or [IPv6]:port, got %s%s", diag_quote(s),
			 strspn(s, "0123456789.:[]abcdefABCDEF") == strlen(s) ? "" :
			 " (host names are not supported in wgf/v1: use the address)");
		return false;
	}
	a = endpoint_prefix(e);
	x->endpoint_loc = load_loc(l, n);
	if (!want_unicast(l, n, "endpoint", s, &a)) {
		memset(e, 0, sizeof(*e));
		return false;
	}
	return true;
}

/* A LAN or pool: not the whole address space, and clear of special-purpose ranges. */
static bool want_routable(struct loader *l, const struct ynode *n, const char *what, const char *s,
			  const struct wgf_prefix *p, unsigned use)
{
	const struct prefix_special *sp;
	char rbuf[PREFIX_STRLEN];

	if (p->len == 0) {
		load_err(l, n, "%s %s is every %s address: %s", what, diag_quote(s), p->family == AF_INET ? "IPv4" : "IPv6",
			 use == PREFIX_REFUSE_LAN ? "a LAN is a network behind one host (to send the internet through "
			 "a host, give it role exit)" : "a pool must leave the internet and the LANs outside it");
		return false;
	}
	sp = prefix_special_find(p, use);
	if (!sp)
		return true;
	load_err(l, n, "%s %s overlaps a special-purpose range (%s, %s): %s", what, diag_quote(s), sp->name,
		 prefix_format(&sp->range, rbuf), sp->why);
	return false;
}

/* A tunnel address with its on-link prefix must not be the prefix's network or
 * broadcast address (IPv4, up to /30), nor the subnet-router anycast address
 * (IPv6, the all-zero host part, up to /126). */
static bool want_host_part(struct loader *l, const struct ynode *n, const char *s, const struct wgf_prefix *p)
{
	unsigned max = prefix_max_len(p->family);
	struct wgf_prefix net = *p;
	char buf[PREFIX_STRLEN];
	const char *what;

	if ((unsigned)p->len + 2 > max)
		return true;
	if (prefix_is_network(p))
		what = p->family == AF_INET ? "the network address" : "the subnet-router anycast address (all-zero host part)";
	else if (p->family == AF_INET && prefix_host_all_ones(p))
		what = "the broadcast address";
	else
		return true;
	prefix_mask(&net);
	load_err(l, n, "address %s is %s of %s: a host needs an address inside it", diag_quote(s), what,
		 prefix_format(&net, buf));
	return false;
}

void load_prefixes(struct loader *l, const struct ynode *seq, const char *field, bool required, enum prefix_use use,
		   struct wgf_prefix **out, size_t *n_out, struct wgf_loc **locs_out)
{
	const char *what = use == USE_LAN ? "LAN" : "address";
	bool single = use == USE_PUBLIC;

	if (!want_type(l, seq, field, YNODE_SEQUENCE))
		return;
	if (required && seq->n == 0) {
		load_err(l, seq, "\"%s\" must list at least one address", field);
		return;
	}
	*out = load_calloc(l, seq->n, sizeof(**out));
	*locs_out = load_calloc(l, seq->n, sizeof(**locs_out));
	if (!*out || !*locs_out)
		return;
	for (size_t i = 0; i < seq->n; i++) {
		const struct ynode *n = seq->items[i];
		struct wgf_prefix p;
		const char *s;
		char buf[PREFIX_STRLEN];

		if (!want_string(l, n, field, &s))
			continue;
		if (!prefix_parse(s, use != USE_HOST_ADDRESS, &p)) {
			if (use == USE_HOST_ADDRESS && prefix_parse(s, true, &p))
				load_err(l, n, "address %s needs its on-link prefix length, e.g. \"%s/%u\"",
					 diag_quote(s), s, p.family == AF_INET ? 24 : 64);
			else
				load_err(l, n, "%s %s is not an IP address or prefix", what, diag_quote(s));
			continue;
		}
		if (single && p.len != prefix_max_len(p.family)) {
			load_err(l, n, "%s %s must be a single address, without a prefix length", field, diag_quote(s));
			continue;
		}
		if (use != USE_HOST_ADDRESS && !prefix_is_network(&p)) {
			struct wgf_prefix m = p;
			prefix_mask(&m);
			load_err(l, n, "%s %s has host bits set (did you mean %s?)", what, diag_quote(s),
				 prefix_format(&m, buf));
			continue;
		}
		if ((use == USE_LAN && !want_routable(l, n, "LAN", s, &p, PREFIX_REFUSE_LAN)) ||
		    (use == USE_PUBLIC && !want_unicast(l, n, field, s, &p)) ||
		    (use == USE_HOST_ADDRESS && !want_host_part(l, n, s, &p)))
			continue;
		(*out)[*n_out] = p;
		(*locs_out)[*n_out] = load_loc(l, n);
		(*n_out)++;
	}
}

/* "field" in quotes, for a message that starts with the field. */
static const char *field_q(const char *field)
{
	static __thread char buf[64];

	snprintf(buf, sizeof(buf), "\"%s\"", field);
	return buf;
}

static void load_pool(struct loader *l, const struct ynode *pools, const char *field, uint8_t family,
		      bool *has, struct wgf_prefix *pool, struct wgf_loc *loc)
{
	const struct ynode *n = ynode_get(pools, field + strlen("addressPools."));
	const char *s;
	char buf[PREFIX_STRLEN];
	struct wgf_prefix p;

	if (!n || !want_string(l, n, field, &s))
		return;
	if (!prefix_parse(s, false, &p) || p.family != family) {
		load_err(l, n, "\"%s\" must be an %s prefix, got %s", field, family == AF_INET ? "IPv4" : "IPv6",
			 diag_quote(s));
		return;
	}
	if (!prefix_is_network(&p)) {
		struct wgf_prefix m = p;
		prefix_mask(&m);
		load_err(l, n, "\"%s\" %s has host bits set (did you mean %s?)", field, diag_quote(s),
			 prefix_format(&m, buf));
		return;
	}
	if (!want_routable(l, n, field_q(field), s, &p, PREFIX_REFUSE_POOL))
		return;
	*has = true;
	*pool = p;
	*loc = load_loc(l, n);
}

void load_pools(struct loader *l, const struct ynode *n, struct pools *p, struct obj_extra *x)
{
	static const char *const fields[] = { "ipv4", "ipv6" };

	if (!want_type(l, n, "addressPools", YNODE_MAPPING))
		return;
	check_fields(l, n, &NAME_LIST(fields), "addressPools");
	if (!ynode_get(n, "ipv4") && !ynode_get(n, "ipv6")) {
		load_err(l, n, "\"addressPools\" needs \"ipv4\", \"ipv6\" or both");
		return;
	}
	load_pool(l, n, "addressPools.ipv4", AF_INET, p->has_pool4, p->pool4, &x->pool4_loc);
	load_pool(l, n, "addressPools.ipv6", AF_INET6, p->has_pool6, p->pool6, &x->pool6_loc);
}
