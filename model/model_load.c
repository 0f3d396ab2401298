/* YAML documents -> typed model objects, field by field, with strict types. */
#include "model/model_loader.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/model_internal.h"
#include "model/model_names.h"
#include "model/model_validate.h"

enum kind { KIND_NETWORK, KIND_HOST, KIND_PEER, KIND_TENANT, KIND_POLICY };

static struct wgf_loc loc_of(const struct loader *l, const struct ynode *n)
{
	struct wgf_loc loc = { l->file, n ? n->line : 0, n ? n->col : 0 };

	return loc;
}

__attribute__((format(printf, 3, 4)))
static void err(struct loader *l, const struct ynode *n, const char *fmt, ...)
{
	struct wgf_loc loc = loc_of(l, n);
	va_list ap;

	l->cur_failed = true;
	l->n_errors++;
	va_start(ap, fmt);
	diag_vadd(l->d, &loc, fmt, ap);
	va_end(ap);
}

static void *oom(struct loader *l)
{
	if (!l->oom)
		diag_add(l->d, NULL, "out of memory");
	l->oom = true;
	l->cur_failed = true;
	return NULL;
}

static char *xstrdup(struct loader *l, const char *s)
{
	char *r = strdup(s);

	return r ? r : oom(l);
}

static void *xcalloc(struct loader *l, size_t n, size_t size)
{
	void *r = calloc(n ? n : 1, size);

	return r ? r : oom(l);
}

/* Case-insensitive Levenshtein distance; only used on short field names. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[65], prev;

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t sub = prev + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
			size_t best = row[j] + 1 < row[j - 1] + 1 ? row[j] + 1 : row[j - 1] + 1;
			row[j] = sub < best ? sub : best;
			prev = cur;
		}
	}
	return row[lb];
}

/* The closest known word, if it is close for a word of this length: one edit
 * for up to 4 characters, two up to 8, three beyond ("dns" is not "lans"). */
static const char *suggest(const char *word, const char *const *known)
{
	size_t len = strlen(word), limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
	const char *best = NULL;
	size_t best_d = limit + 1;

	for (size_t i = 0; known[i]; i++) {
		size_t dist = strcasecmp(word, known[i]) ? edit_distance(word, known[i]) : 0;
		if (dist < best_d) {
			best = known[i];
			best_d = dist;
		}
	}
	return best;
}

/* Fields people write from habit (wg-quick, other tools) and what wgf wants
 * instead. An entry is offered only where its "scope" field is known, so that
 * it applies to the kinds that have the field it points to. */
struct field_alias {
	const char *wrong;             /* compared ignoring case */
	const char *scope;
	const char *hint;              /* NULL: did you mean "scope"? */
};

#define ALLOWED_IPS_HINT "wgf derives allowed IPs: did you mean \"addresses\"? (networks behind it go in \"lans\")"
#define DNS_HINT "DNS settings are not supported in wgf/v1"

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
	{ "dns", "publicKey", DNS_HINT },
	{ "dns", "addressPools", DNS_HINT },
	{ "privateKey", "publicKey", "private keys never go in the repository: write the host's \"publicKey\" "
				     "(wgf host init prints it)" },
	{ "private_key", "publicKey", "private keys never go in the repository: write the host's \"publicKey\" "
				      "(wgf host init prints it)" },
};

static bool is_known(const char *const *known, const char *field)
{
	for (size_t i = 0; known[i]; i++)
		if (!strcmp(known[i], field))
			return true;
	return false;
}

static void unknown_field(struct loader *l, const struct ynode *k, const char *const *known, const char *where)
{
	const char *s;

	for (size_t i = 0; i < sizeof(field_aliases) / sizeof(field_aliases[0]); i++) {
		const struct field_alias *a = &field_aliases[i];
		if (strcasecmp(k->value, a->wrong) || !is_known(known, a->scope))
			continue;
		if (a->hint)
			err(l, k, "unknown field %s in %s (%s)", diag_quote(k->value), where, a->hint);
		else
			err(l, k, "unknown field %s in %s (did you mean \"%s\"?)", diag_quote(k->value), where, a->scope);
		return;
	}
	s = suggest(k->value, known);
	if (s)
		err(l, k, "unknown field %s in %s (did you mean \"%s\"?)", diag_quote(k->value), where, s);
	else
		err(l, k, "unknown field %s in %s", diag_quote(k->value), where);
}

static void check_fields(struct loader *l, const struct ynode *map, const char *const *known,
			 const char *where)
{
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *k = map->pairs[i].key;
		bool found = false;

		if (k->type != YNODE_SCALAR)
			continue;
		for (size_t j = 0; known[j] && !found; j++)
			found = strlen(known[j]) == k->len && !memcmp(known[j], k->value, k->len);
		if (!found)
			unknown_field(l, k, known, where);
	}
}

static const struct ynode *key_node(const struct ynode *map, const char *key)
{
	size_t len = strlen(key);

	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *k = map->pairs[i].key;
		if (k->type == YNODE_SCALAR && k->len == len && !memcmp(k->value, key, len))
			return k;
	}
	return NULL;
}

static bool is_null(const struct ynode *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };

	if (n->type != YNODE_SCALAR || n->quoted)
		return false;
	for (size_t i = 0; nulls[i]; i++)
		if (!strcmp(n->value, nulls[i]))
			return true;
	return false;
}

static bool want_string(struct loader *l, const struct ynode *n, const char *field, const char **out)
{
	if (n->type != YNODE_SCALAR) {
		err(l, n, "\"%s\" must be a string, got %s", field, ynode_describe(n));
		return false;
	}
	if (is_null(n)) {
		err(l, n, "\"%s\" has no value", field);
		return false;
	}
	if (strlen(n->value) != n->len) {
		err(l, n, "\"%s\" must not contain NUL characters", field);
		return false;
	}
	*out = n->value;
	return true;
}

static bool want_uint(struct loader *l, const struct ynode *n, const char *field, uint64_t min,
		      uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (n->type != YNODE_SCALAR) {
		err(l, n, "\"%s\" must be an integer, got %s", field, ynode_describe(n));
		return false;
	}
	if (is_null(n)) {
		err(l, n, "\"%s\" has no value", field);
		return false;
	}
	if (n->quoted) {
		err(l, n, "\"%s\" must be an integer, got the string %s", field, diag_quote(n->value));
		return false;
	}
	if (n->len == 0 || (n->value[0] == '0' && n->len > 1) ||
	    strspn(n->value, "0123456789") != n->len) {
		err(l, n, "\"%s\" must be a plain decimal integer, got %s", field, diag_quote(n->value));
		return false;
	}
	for (size_t i = 0; i < n->len; i++) {
		unsigned digit = (unsigned)(n->value[i] - '0');
		if (v > (UINT64_MAX - digit) / 10) {
			v = UINT64_MAX;
			break;
		}
		v = v * 10 + digit;
	}
	if (v < min || v > max) {
		err(l, n, "\"%s\" must be between %" PRIu64 " and %" PRIu64 ", got %s", field, min, max,
		    diag_quote(n->value));
		return false;
	}
	*out = v;
	return true;
}

static bool want_bool(struct loader *l, const struct ynode *n, const char *field, bool *out)
{
	if (n->type == YNODE_SCALAR && !n->quoted && (!strcmp(n->value, "true") || !strcmp(n->value, "false"))) {
		*out = n->value[0] == 't';
		return true;
	}
	if (n->type == YNODE_SCALAR && n->quoted)
		err(l, n, "\"%s\" must be true or false, got the string %s", field, diag_quote(n->value));
	else
		err(l, n, "\"%s\" must be true or false, got %s", field, ynode_describe(n));
	return false;
}

static bool want_type(struct loader *l, const struct ynode *n, const char *field, enum ynode_type t)
{
	if (n->type == t)
		return true;
	if (is_null(n))
		err(l, n, "\"%s\" has no value", field);
	else
		err(l, n, "\"%s\" must be %s, got %s", field, t == YNODE_MAPPING ? "a mapping" : "a list",
		    ynode_describe(n));
	return false;
}

static void missing(struct loader *l, const struct ynode *map, const char *field, const char *where)
{
	err(l, map, "missing required field \"%s\" in %s", field, where);
}

static bool want_ifname(struct loader *l, const struct ynode *n, char ifname[IFNAMSIZ])
{
	const char *s, *why;

	if (!want_string(l, n, "interface", &s))
		return false;
	if (!model_ifname_ok(s)) {
		err(l, n, "interface name %s is not valid (1-15 letters, digits, \"_\" or \"-\", "
		    "starting with a letter)", diag_quote(s));
		return false;
	}
	if ((why = model_ifname_reserved(s))) {
		err(l, n, "interface name %s is reserved: %s", diag_quote(s), why);
		return false;
	}
	snprintf(ifname, IFNAMSIZ, "%s", s);
	return true;
}

static bool want_port(struct loader *l, const struct ynode *n, uint16_t *out)
{
	uint64_t v;

	if (!want_uint(l, n, "listenPort", 1, 65535, &v))
		return false;
	*out = (uint16_t)v;
	return true;
}

static bool want_mtu(struct loader *l, const struct ynode *n, uint32_t *out)
{
	uint64_t v;

	if (!want_uint(l, n, "mtu", 1280, 9000, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool want_keepalive(struct loader *l, const struct ynode *n, uint16_t *out)
{
	uint64_t v;

	if (!want_uint(l, n, "persistentKeepalive", 0, 65535, &v))
		return false;
	*out = (uint16_t)v;
	return true;
}

/* A key that decodes but can be no peer's: all zeros, a point of small order,
 * or a non-canonical encoding. A non-canonical key is still a key (for the
 * duplicate check, which compares canonical forms). */
static bool want_public_key(struct loader *l, const struct ynode *n, const char *s, const uint8_t key[WG_KEY_LEN])
{
	uint8_t c[WG_KEY_LEN];
	char b64[WG_KEY_B64_LEN];

	switch (key_public_check(key)) {
	case KEY_PUBLIC_OK:
		return true;
	case KEY_PUBLIC_ZERO:
		err(l, n, "publicKey %s is all zeros: a placeholder, not the key of any device", diag_quote(s));
		return false;
	case KEY_PUBLIC_LOW_ORDER:
		err(l, n, "publicKey %s is a point of small order on Curve25519: no private key has it, and "
		    "WireGuard refuses handshakes with it", diag_quote(s));
		return false;
	case KEY_PUBLIC_TOP_BIT:
	case KEY_PUBLIC_NOT_REDUCED:
		key_public_canonical(c, key);
		err(l, n, "publicKey %s is not canonical (%s): the same key is written %s", diag_quote(s),
		    key_public_check(key) == KEY_PUBLIC_TOP_BIT ? "the top bit of its last byte is set" :
		    "it is not below 2^255-19", key_to_base64(c, b64));
		return true;
	}
	return false;
}

static void load_key(struct loader *l, const struct ynode *spec, const char *where,
		     uint8_t key[WG_KEY_LEN], struct obj_extra *x)
{
	const struct ynode *n = ynode_get(spec, "publicKey");
	const char *s;

	if (!n) {
		missing(l, spec, "publicKey", where);
		return;
	}
	if (!want_string(l, n, "publicKey", &s))
		return;
	if (!key_from_base64(s, key)) {
		err(l, n, "publicKey %s is not a WireGuard key (44 characters of base64 encoding 32 bytes)",
		    diag_quote(s));
		return;
	}
	if (!want_public_key(l, n, s, key))
		return;
	x->has_key = true;
	x->key_loc = loc_of(l, n);
}

/* An address other machines send to (an endpoint, a public address) must be unicast and routable. */
static bool want_unicast(struct loader *l, const struct ynode *n, const char *field, const char *s,
			 const struct wgf_prefix *a)
{
	const struct prefix_special *sp = prefix_special_find(a, PREFIX_REFUSE_ENDPOINT);
	char abuf[PREFIX_STRLEN], rbuf[PREFIX_STRLEN];

	if (!sp)
		return true;
	err(l, n, "\"%s\" %s: %s is a special-purpose address (%s, %s): %s", field, diag_quote(s),
	    prefix_format_addr(a, abuf), sp->name, prefix_format(&sp->range, rbuf), sp->why);
	return false;
}

static void load_endpoint(struct loader *l, const struct ynode *spec, struct wgf_endpoint *e, struct obj_extra *x)
{
	const struct ynode *n = ynode_get(spec, "endpoint");
	struct wgf_prefix a;
	const char *s;

	if (!n || !want_string(l, n, "endpoint", &s))
		return;
	if (!endpoint_parse(s, e)) {
		err(l, n, "\"endpoint\" must be IP:port or [IPv6]:port, got %s%s", diag_quote(s),
		    strspn(s, "0123456789.:[]abcdefABCDEF") == strlen(s) ? "" :
		    " (host names are not supported in wgf/v1: use the address)");
		return;
	}
	a = endpoint_prefix(e);
	x->endpoint_loc = loc_of(l, n);
	if (!want_unicast(l, n, "endpoint", s, &a))
		memset(e, 0, sizeof(*e));
}

static void load_network_ref(struct loader *l, const struct ynode *spec, struct obj_extra *x)
{
	const struct ynode *n = ynode_get(spec, "network");
	const char *s;

	if (!n || !want_string(l, n, "network", &s))
		return;
	x->network = xstrdup(l, s);
	x->has_network = x->network != NULL;
	x->network_loc = loc_of(l, n);
}

/* A LAN or pool: not the whole address space, and clear of special-purpose ranges. */
static bool want_routable(struct loader *l, const struct ynode *n, const char *what, const char *s,
			  const struct wgf_prefix *p, unsigned use)
{
	const struct prefix_special *sp;
	char rbuf[PREFIX_STRLEN];

	if (p->len == 0) {
		err(l, n, "%s %s is every %s address: %s", what, diag_quote(s), p->family == AF_INET ? "IPv4" : "IPv6",
		    use == PREFIX_REFUSE_LAN ? "a LAN is a network behind one host (to send the internet through "
		    "a host, give it role exit)" : "a pool must leave the internet and the LANs outside it");
		return false;
	}
	sp = prefix_special_find(p, use);
	if (!sp)
		return true;
	err(l, n, "%s %s overlaps a special-purpose range (%s, %s): %s", what, diag_quote(s), sp->name,
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
	err(l, n, "address %s is %s of %s: a host needs an address inside it", diag_quote(s), what,
	    prefix_format(&net, buf));
	return false;
}

enum prefix_use { USE_HOST_ADDRESS, USE_PEER_ADDRESS, USE_LAN, USE_PUBLIC };

/* One list of prefixes: host addresses (length required, host bits kept),
 * peer addresses (bare = single address) or LANs (network prefixes). */
static void load_prefixes(struct loader *l, const struct ynode *spec, const char *field, bool required,
			  const char *where, enum prefix_use use, struct wgf_prefix **out, size_t *n_out,
			  struct wgf_loc **locs_out)
{
	const struct ynode *seq = ynode_get(spec, field);
	const char *what = use == USE_LAN ? "LAN" : "address";
	bool single = use == USE_PUBLIC;

	if (!seq) {
		if (required)
			missing(l, spec, field, where);
		return;
	}
	if (!want_type(l, seq, field, YNODE_SEQUENCE))
		return;
	if (required && seq->n == 0) {
		err(l, seq, "\"%s\" must list at least one address", field);
		return;
	}
	*out = xcalloc(l, seq->n, sizeof(**out));
	*locs_out = xcalloc(l, seq->n, sizeof(**locs_out));
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
				err(l, n, "address %s needs its on-link prefix length, e.g. \"%s/%u\"",
				    diag_quote(s), s, p.family == AF_INET ? 24 : 64);
			else
				err(l, n, "%s %s is not an IP address or prefix", what, diag_quote(s));
			continue;
		}
		if (single && p.len != prefix_max_len(p.family)) {
			err(l, n, "%s %s must be a single address, without a prefix length", field, diag_quote(s));
			continue;
		}
		if (use != USE_HOST_ADDRESS && !prefix_is_network(&p)) {
			struct wgf_prefix m = p;
			prefix_mask(&m);
			err(l, n, "%s %s has host bits set (did you mean %s?)", what, diag_quote(s),
			    prefix_format(&m, buf));
			continue;
		}
		if ((use == USE_LAN && !want_routable(l, n, "LAN", s, &p, PREFIX_REFUSE_LAN)) ||
		    (use == USE_PUBLIC && !want_unicast(l, n, field, s, &p)) ||
		    (use == USE_HOST_ADDRESS && !want_host_part(l, n, s, &p)))
			continue;
		(*out)[*n_out] = p;
		(*locs_out)[*n_out] = loc_of(l, n);
		(*n_out)++;
	}
}

static bool all_of(const char *s, size_t n, const char *set)
{
	return n > 0 && strspn(s, set) >= n;
}

/* A decimal float as YAML 1.1 or 1.2 reads it: digits (and "_"), a dot or an
 * exponent or both ("1.5", "1.", "1e3", "1.5e-3"). */
static bool yaml_float(const char *s)
{
	size_t i = strspn(s, "0123456789_"), f;
	bool dot = s[i] == '.', ex;

	if (i == 0 || s[0] == '_')
		return false;
	if (dot)
		i += 1 + strspn(s + i + 1, "0123456789_");
	ex = s[i] == 'e' || s[i] == 'E';
	if (ex) {
		i++;
		if (s[i] == '-' || s[i] == '+')
			i++;
		f = strspn(s + i, "0123456789");
		if (!f)
			return false;
		i += f;
	}
	return (dot || ex) && s[i] == '\0';
}

/* What YAML (1.1 or the 1.2 core schema, as other tools read the same file)
 * makes of a plain scalar, when it is not a string; NULL for a string. Only
 * called with label-safe text (A-Z a-z 0-9 . _ -, starting alphanumeric). */
static const char *yaml_plain_type(const char *s)
{
	/* YAML 1.1's words, without the single letters y and n that PyYAML and
	 * go-yaml v3 read as strings */
	static const char *const bools[] = { "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE",
					     "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", NULL };
	size_t n = strlen(s);

	for (size_t i = 0; bools[i]; i++)
		if (!strcmp(s, bools[i]))
			return "a boolean";
	if (!strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL"))
		return "null";
	if (all_of(s, n, "0123456789_") ||
	    (n > 2 && s[0] == '0' && s[1] == 'x' && all_of(s + 2, n - 2, "0123456789abcdefABCDEF_")) ||
	    (n > 2 && s[0] == '0' && s[1] == 'o' && all_of(s + 2, n - 2, "01234567_")) ||
	    (n > 2 && s[0] == '0' && s[1] == 'b' && all_of(s + 2, n - 2, "01_")))
		return "an integer";
	if (yaml_float(s))
		return "a number";
	if (n >= 8 && n <= 10 && all_of(s, 4, "0123456789") && s[4] == '-') {
		size_t m = strspn(s + 5, "0123456789");
		if (m >= 1 && m <= 2 && s[5 + m] == '-' && strspn(s + 6 + m, "0123456789") == n - 6 - m &&
		    n - 6 - m >= 1 && n - 6 - m <= 2)
			return "a date";
	}
	return NULL;
}

/* Labels are strings: a plain scalar that YAML reads as something else
 * (other tools, and later wgf versions, would see 1.5 or true) must be quoted. */
static bool want_plain_string(struct loader *l, const struct ynode *n, const char *part, const char *key,
			      const char *s)
{
	const char *type = n->quoted ? NULL : yaml_plain_type(s);

	if (!type)
		return true;
	if (!strcmp(part, "key"))
		err(l, n, "label key %s is read by YAML as %s, not a string: quote it (\"%s\")", diag_quote(s),
		    type, s);
	else
		err(l, n, "label %s has the value %s, which YAML reads as %s, not a string: quote it (\"%s\")",
		    diag_quote(key), s, type, s);
	return false;
}

static void load_labels(struct loader *l, const struct ynode *map, struct model_meta *meta)
{
	if (!want_type(l, map, "metadata.labels", YNODE_MAPPING))
		return;
	meta->labels = xcalloc(l, map->n, sizeof(*meta->labels));
	if (!meta->labels)
		return;
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *k = map->pairs[i].key, *v = map->pairs[i].value;
		const char *ks, *vs;
		struct model_label *lb;

		if (k->type != YNODE_SCALAR || !want_string(l, k, "metadata.labels", &ks) ||
		    !want_string(l, v, ks, &vs))
			continue;
		if (!model_label_ok(ks)) {
			err(l, k, "label key %s is not valid (1-63 of A-Z a-z 0-9 . _ -, starting with a "
			    "letter or digit)", diag_quote(ks));
			continue;
		}
		if (!model_label_ok(vs)) {
			err(l, v, "label value %s is not valid (1-63 of A-Z a-z 0-9 . _ -, starting with a "
			    "letter or digit)", diag_quote(vs));
			continue;
		}
		if (!want_plain_string(l, k, "key", ks, ks) || !want_plain_string(l, v, "value", ks, vs))
			continue;
		lb = &meta->labels[meta->n_labels];
		lb->key = xstrdup(l, ks);
		lb->value = xstrdup(l, vs);
		meta->n_labels++;
	}
}

static void load_meta(struct loader *l, const struct ynode *root, struct model_meta *meta,
		      struct obj_extra *x)
{
	static const char *const fields[] = { "name", "labels", NULL };
	const struct ynode *md = ynode_get(root, "metadata"), *n;
	const char *s;

	if (!md) {
		missing(l, root, "metadata", "document");
		return;
	}
	if (!want_type(l, md, "metadata", YNODE_MAPPING))
		return;
	check_fields(l, md, fields, "metadata");
	n = ynode_get(md, "name");
	if (!n) {
		missing(l, md, "name", "metadata");
	} else if (want_string(l, n, "metadata.name", &s)) {
		if (!model_name_ok(s))
			err(l, n, "name %s is not valid (1-63 lowercase letters, digits or \"-\", starting "
			    "with a letter, not ending with \"-\")", diag_quote(s));
		meta->name = xstrdup(l, s);
		if (meta->name)
			x->name_loc = loc_of(l, n);
	}
	n = ynode_get(md, "labels");
	if (n)
		load_labels(l, n, meta);
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
		err(l, n, "\"%s\" must be an %s prefix, got %s", field, family == AF_INET ? "IPv4" : "IPv6",
		    diag_quote(s));
		return;
	}
	if (!prefix_is_network(&p)) {
		struct wgf_prefix m = p;
		prefix_mask(&m);
		err(l, n, "\"%s\" %s has host bits set (did you mean %s?)", field, diag_quote(s),
		    prefix_format(&m, buf));
		return;
	}
	if (!want_routable(l, n, field_q(field), s, &p, PREFIX_REFUSE_POOL))
		return;
	*has = true;
	*pool = p;
	*loc = loc_of(l, n);
}

static void load_network_spec(struct loader *l, const struct ynode *spec, struct model_network *net,
			      struct obj_extra *x)
{
	static const char *const fields[] = { "interface", "listenPort", "mtu", "persistentKeepalive",
					      "fwmark", "addressPools", NULL };
	static const char *const pool_fields[] = { "ipv4", "ipv6", NULL };
	const struct ynode *n;
	uint64_t v;

	check_fields(l, spec, fields, "Network spec");
	if ((n = ynode_get(spec, "interface")))
		want_ifname(l, n, net->ifname);
	if ((n = ynode_get(spec, "listenPort")))
		want_port(l, n, &net->listen_port);
	if ((n = ynode_get(spec, "mtu")))
		want_mtu(l, n, &net->mtu);
	if ((n = ynode_get(spec, "persistentKeepalive")))
		want_keepalive(l, n, &net->keepalive);
	if ((n = ynode_get(spec, "fwmark")) && want_uint(l, n, "fwmark", 0, UINT32_MAX, &v))
		net->fwmark = (uint32_t)v;
	n = ynode_get(spec, "addressPools");
	if (!n) {
		missing(l, spec, "addressPools", "Network spec");
		return;
	}
	if (!want_type(l, n, "addressPools", YNODE_MAPPING))
		return;
	check_fields(l, n, pool_fields, "addressPools");
	if (!ynode_get(n, "ipv4") && !ynode_get(n, "ipv6")) {
		err(l, n, "\"addressPools\" needs \"ipv4\", \"ipv6\" or both");
		return;
	}
	load_pool(l, n, "addressPools.ipv4", AF_INET, &net->has_pool4, &net->pool4, &x->pool4_loc);
	load_pool(l, n, "addressPools.ipv6", AF_INET6, &net->has_pool6, &net->pool6, &x->pool6_loc);
}

static void load_tenant_ref(struct loader *l, const struct ynode *spec, struct obj_extra *x)
{
	const struct ynode *n = ynode_get(spec, "tenant");
	const char *s;

	if (!n || !want_string(l, n, "tenant", &s))
		return;
	x->tenant = xstrdup(l, s);
	x->tenant_loc = loc_of(l, n);
}

static void load_access_lans(struct loader *l, const struct ynode *seq, struct obj_extra *x)
{
	const char *s;

	x->has_access_lans = true;
	if (!want_type(l, seq, "accessLans", YNODE_SEQUENCE))
		return;
	if (seq->n == 0) {
		err(l, seq, "\"accessLans\" is empty: leave it out to reach every LAN of the peer's scope");
		return;
	}
	x->access_lans = xcalloc(l, seq->n, sizeof(*x->access_lans));
	x->access_lan_locs = xcalloc(l, seq->n, sizeof(*x->access_lan_locs));
	if (!x->access_lans || !x->access_lan_locs)
		return;
	for (size_t i = 0; i < seq->n; i++) {
		if (!want_string(l, seq->items[i], "accessLans", &s))
			continue;
		x->access_lans[x->n_access_lans] = xstrdup(l, s);
		x->access_lan_locs[x->n_access_lans++] = loc_of(l, seq->items[i]);
	}
}

/* "FIELD" must be EXPECTED, got "S", with a suggestion from known when one is close. */
static void bad_choice(struct loader *l, const struct ynode *n, const char *field, const char *expected,
		       const char *s, const char *const *known)
{
	const char *sug = suggest(s, known);

	if (sug)
		err(l, n, "\"%s\" must be %s, got %s (did you mean \"%s\"?)", field, expected, diag_quote(s), sug);
	else
		err(l, n, "\"%s\" must be %s, got %s", field, expected, diag_quote(s));
}

/* A port written in a range: plain decimal digits, no leading zero; large values
 * saturate (they are out of range anyway). */
static bool range_part(const char *s, size_t n, unsigned long *out)
{
	unsigned long v = 0;

	if (n == 0 || (s[0] == '0' && n > 1) || strspn(s, "0123456789") < n)
		return false;
	for (size_t i = 0; i < n; i++)
		v = v > 65535 ? v : v * 10 + (unsigned long)(s[i] - '0');
	*out = v;
	return true;
}

/* 443, or "8000-8100" (also unquoted: YAML reads it as a string). A quoted "443"
 * is a string, as everywhere else. */
static bool want_port_range(struct loader *l, const struct ynode *n, const char *field,
			    struct model_port_range *out)
{
	unsigned long lo, hi;
	const char *dash;
	uint64_t v;

	if (n->type == YNODE_SCALAR && n->len && strspn(n->value, "0123456789") == n->len) {
		if (!want_uint(l, n, field, 1, 65535, &v))
			return false;
		out->lo = out->hi = (uint16_t)v;
		return true;
	}
	if (n->type == YNODE_SCALAR && is_null(n)) {
		err(l, n, "\"%s\" has no value", field);
		return false;
	}
	dash = n->type == YNODE_SCALAR && strlen(n->value) == n->len ? strchr(n->value, '-') : NULL;
	if (!dash || !range_part(n->value, (size_t)(dash - n->value), &lo) ||
	    !range_part(dash + 1, strlen(dash + 1), &hi)) {
		err(l, n, "\"%s\" must be a port (1-65535) or a range \"lo-hi\", got %s", field,
		    n->type == YNODE_SCALAR ? diag_quote(n->value) : ynode_describe(n));
		return false;
	}
	if (lo < 1 || hi > 65535 || lo > hi) {
		err(l, n, "\"%s\" range %s must be lo-hi with 1 <= lo <= hi <= 65535", field, diag_quote(n->value));
		return false;
	}
	out->lo = (uint16_t)lo;
	out->hi = (uint16_t)hi;
	return true;
}

/* protocol names: forwards take tcp|udp|both, rules also icmp|any, tests tcp|udp|icmp. */
static bool want_protocol(struct loader *l, const struct ynode *n, const char *const *allowed, unsigned *out)
{
	static const char *const names[] = { "tcp", "udp", "both", "icmp", "any", NULL };
	static const unsigned bits[] = { FW_PROTO_TCP, FW_PROTO_UDP, FW_PROTO_TCP | FW_PROTO_UDP, FW_PROTO_ICMP,
					 FW_PROTO_ANY };
	char list[80] = "";
	const char *s;

	if (!want_string(l, n, "protocol", &s))
		return false;
	for (size_t i = 0; allowed[i]; i++) {
		if (!strcmp(s, allowed[i])) {
			for (size_t j = 0; names[j]; j++)
				if (!strcmp(names[j], s))
					*out = bits[j];
			return true;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "one of ", allowed[i]);
	}
	bad_choice(l, n, "protocol", list, s, allowed);
	return false;
}

static void load_forwards(struct loader *l, const struct ynode *seq, struct model_host *h)
{
	static const char *const fields[] = { "name", "address", "protocol", "port", "to", "toPort", NULL };
	static const char *const protos[] = { "tcp", "udp", "both", NULL };

	if (!want_type(l, seq, "forwards", YNODE_SEQUENCE))
		return;
	h->forwards = xcalloc(l, seq->n, sizeof(*h->forwards));
	if (!h->forwards)
		return;
	for (size_t i = 0; i < seq->n; i++) {
		const struct ynode *it = seq->items[i], *n;
		struct model_forward *f = &h->forwards[h->n_forwards];
		const char *s;
		uint64_t v;

		if (!want_type(l, it, "forwards item", YNODE_MAPPING))
			continue;
		h->n_forwards++;
		f->peer = MODEL_NONE;
		f->loc = f->addr_loc = f->to_loc = f->port_loc = loc_of(l, it);
		check_fields(l, it, fields, "forward");
		if ((n = ynode_get(it, "name")) && want_string(l, n, "name", &s)) {
			if (!model_name_ok(s))
				err(l, n, "forward name %s is not valid (1-63 lowercase letters, digits or \"-\", "
				    "starting with a letter)", diag_quote(s));
			else
				f->name = xstrdup(l, s);
		}
		if ((n = ynode_get(it, "address")) && want_string(l, n, "address", &s)) {
			f->addr_loc = loc_of(l, n);
			if (!prefix_parse(s, true, &f->public_addr) ||
			    f->public_addr.len != prefix_max_len(f->public_addr.family))
				err(l, n, "forward address %s is not an IP address", diag_quote(s));
			else
				f->has_addr = true;
		}
		if (!(n = ynode_get(it, "protocol")))
			missing(l, it, "protocol", "forward");
		else
			want_protocol(l, n, protos, &f->protos);
		if (!(n = ynode_get(it, "port"))) {
			missing(l, it, "port", "forward");
		} else {
			f->port_loc = loc_of(l, n);
			want_port_range(l, n, "port", &f->ports);
		}
		if (!(n = ynode_get(it, "to"))) {
			missing(l, it, "to", "forward");
		} else if (want_string(l, n, "to", &s)) {
			f->to = xstrdup(l, s);
			f->to_loc = loc_of(l, n);
		}
		if ((n = ynode_get(it, "toPort")) && want_uint(l, n, "toPort", 1, 65535, &v))
			f->to_port = (uint16_t)v;
	}
}

static void load_tenant_spec(struct loader *l, const struct ynode *spec, struct model_tenant *t,
			     struct obj_extra *x)
{
	static const char *const fields[] = { "network", "addressPools", "isolated", NULL };
	static const char *const pool_fields[] = { "ipv4", "ipv6", NULL };
	const struct ynode *n;

	check_fields(l, spec, fields, "Tenant spec");
	load_network_ref(l, spec, x);
	if ((n = ynode_get(spec, "isolated")))
		want_bool(l, n, "isolated", &t->isolated);
	n = ynode_get(spec, "addressPools");
	if (!n) {
		missing(l, spec, "addressPools", "Tenant spec");
		return;
	}
	if (!want_type(l, n, "addressPools", YNODE_MAPPING))
		return;
	check_fields(l, n, pool_fields, "addressPools");
	if (!ynode_get(n, "ipv4") && !ynode_get(n, "ipv6")) {
		err(l, n, "\"addressPools\" needs \"ipv4\", \"ipv6\" or both");
		return;
	}
	load_pool(l, n, "addressPools.ipv4", AF_INET, &t->has_pool4, &t->pool4, &x->pool4_loc);
	load_pool(l, n, "addressPools.ipv6", AF_INET6, &t->has_pool6, &t->pool6, &x->pool6_loc);
}

static bool load_selector_labels(struct loader *l, const struct ynode *v, struct model_selector *sel)
{
	struct model_meta tmp = { 0 };

	if (!want_type(l, v, "labels", YNODE_MAPPING))
		return false;
	if (v->n == 0) {
		err(l, v, "\"labels\" must name at least one label");
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
		err(l, v, "cidr %s is not an IP address or prefix", diag_quote(s));
		return false;
	}
	if (!prefix_is_network(&sel->cidr)) {
		m = sel->cidr;
		prefix_mask(&m);
		err(l, v, "cidr %s has host bits set (did you mean %s?)", diag_quote(s), prefix_format(&m, buf));
		return false;
	}
	return true;
}

static bool load_selector(struct loader *l, const struct ynode *n, struct model_selector *sel)
{
	static const char *const kinds[] = { "peer", "host", "tenant", "labels", "cidr", NULL };
	static const enum model_selector_kind kind_of[] = { SEL_PEER, SEL_HOST, SEL_TENANT, SEL_LABELS, SEL_CIDR };
	const struct ynode *k, *v;
	const char *s;
	size_t i;

	sel->loc = loc_of(l, n);
	sel->index = MODEL_NONE;
	if (n->type != YNODE_MAPPING) {
		err(l, n, "a selector is a mapping with exactly one of peer, host, tenant, labels or cidr, got %s",
		    ynode_describe(n));
		return false;
	}
	if (n->n == 0) {
		err(l, n, "a selector is a mapping with exactly one of peer, host, tenant, labels or cidr, got an empty "
		    "mapping");
		return false;
	}
	if (n->n > 1) {
		err(l, n, "a selector is a mapping with exactly one of peer, host, tenant, labels or cidr, got %zu keys",
		    n->n);
		return false;
	}
	k = n->pairs[0].key;
	v = n->pairs[0].value;
	if (k->type != YNODE_SCALAR)
		return false;
	for (i = 0; kinds[i] && strcmp(kinds[i], k->value); i++)
		;
	if (!kinds[i]) {
		check_fields(l, n, kinds, "selector");
		return false;
	}
	sel->kind = kind_of[i];
	if (sel->kind == SEL_LABELS)
		return load_selector_labels(l, v, sel);
	if (!want_string(l, v, k->value, &s))
		return false;
	if (sel->kind == SEL_CIDR)
		return load_selector_cidr(l, v, s, sel);
	sel->name = xstrdup(l, s);
	return sel->name != NULL;
}

/* from/to: one selector or a list of them. */
static void load_selectors(struct loader *l, const struct ynode *n, struct model_selector **out, size_t *n_out)
{
	size_t cnt = n->type == YNODE_SEQUENCE ? n->n : 1;

	if (n->type == YNODE_SEQUENCE && n->n == 0) {
		err(l, n, "an empty selector list matches nothing (leave the field out to match anything)");
		return;
	}
	*out = xcalloc(l, cnt, sizeof(**out));
	if (!*out)
		return;
	for (size_t i = 0; i < cnt; i++)
		if (load_selector(l, n->type == YNODE_SEQUENCE ? n->items[i] : n, &(*out)[*n_out]))
			(*n_out)++;
}

static void load_rules(struct loader *l, const struct ynode *seq, struct model_policy *pol)
{
	static const char *const fields[] = { "from", "to", "protocol", "ports", "action", NULL };
	static const char *const protos[] = { "tcp", "udp", "both", "icmp", "any", NULL };
	static const char *const actions[] = { "accept", "drop", NULL };

	if (!want_type(l, seq, "rules", YNODE_SEQUENCE))
		return;
	pol->rules = xcalloc(l, seq->n, sizeof(*pol->rules));
	if (!pol->rules)
		return;
	for (size_t i = 0; i < seq->n; i++) {
		const struct ynode *it = seq->items[i], *n;
		struct model_rule *r = &pol->rules[pol->n_rules];
		bool proto_ok = true;
		const char *s;

		if (!want_type(l, it, "rules item", YNODE_MAPPING))
			continue;
		pol->n_rules++;
		r->loc = loc_of(l, it);
		r->protos = FW_PROTO_ANY;
		check_fields(l, it, fields, "rule");
		if ((n = ynode_get(it, "from")))
			load_selectors(l, n, &r->from, &r->n_from);
		if ((n = ynode_get(it, "to")))
			load_selectors(l, n, &r->to, &r->n_to);
		if ((n = ynode_get(it, "protocol")))
			proto_ok = want_protocol(l, n, protos, &r->protos);
		if ((n = ynode_get(it, "ports")) && want_type(l, n, "ports", YNODE_SEQUENCE)) {
			if (proto_ok && (r->protos & ~(FW_PROTO_TCP | FW_PROTO_UDP) || !r->protos))
				err(l, n, "\"ports\" needs \"protocol\" tcp, udp or both");
			else if (n->n == 0)
				err(l, n, "\"ports\" is empty: leave it out to match every port");
			r->ports = xcalloc(l, n->n, sizeof(*r->ports));
			for (size_t j = 0; r->ports && j < n->n; j++)
				if (want_port_range(l, n->items[j], "ports", &r->ports[r->n_ports]))
					r->n_ports++;
		}
		if (!(n = ynode_get(it, "action"))) {
			missing(l, it, "action", "rule");
		} else if (want_string(l, n, "action", &s)) {
			r->accept = !strcmp(s, "accept");
			if (!r->accept && strcmp(s, "drop"))
				bad_choice(l, n, "action", "accept or drop", s, actions);
		}
	}
}

static void load_tests(struct loader *l, const struct ynode *seq, struct model_policy *pol)
{
	static const char *const fields[] = { "from", "to", "protocol", "port", "expect", NULL };
	static const char *const protos[] = { "tcp", "udp", "icmp", NULL };
	static const char *const results[] = { "accept", "drop", NULL };

	if (!want_type(l, seq, "tests", YNODE_SEQUENCE))
		return;
	pol->tests = xcalloc(l, seq->n, sizeof(*pol->tests));
	if (!pol->tests)
		return;
	for (size_t i = 0; i < seq->n; i++) {
		const struct ynode *it = seq->items[i], *n, *pn;
		struct model_test *t = &pol->tests[pol->n_tests];
		const char *s;
		uint64_t v;

		if (!want_type(l, it, "tests item", YNODE_MAPPING))
			continue;
		pol->n_tests++;
		t->loc = t->from_loc = t->to_loc = loc_of(l, it);
		t->from_peer = t->from_host = t->to_peer = t->to_host = MODEL_NONE;
		check_fields(l, it, fields, "test");
		if (!(n = ynode_get(it, "from")))
			missing(l, it, "from", "test");
		else if (want_string(l, n, "from", &s))
			t->from = xstrdup(l, s), t->from_loc = loc_of(l, n);
		if (!(n = ynode_get(it, "to")))
			missing(l, it, "to", "test");
		else if (want_string(l, n, "to", &s))
			t->to = xstrdup(l, s), t->to_loc = loc_of(l, n);
		pn = ynode_get(it, "port");
		if (pn && want_uint(l, pn, "port", 1, 65535, &v))
			t->port = (uint16_t)v;
		if ((n = ynode_get(it, "protocol"))) {
			if (want_protocol(l, n, protos, &t->proto)) {
				if (t->proto == FW_PROTO_ICMP && pn)
					err(l, pn, "\"port\" does not apply to icmp");
				else if (t->proto != FW_PROTO_ICMP && !pn)
					missing(l, it, "port", "test (tcp and udp need one)");
			}
		} else {
			t->proto = pn ? FW_PROTO_TCP : FW_PROTO_ICMP;
		}
		if (!(n = ynode_get(it, "expect"))) {
			missing(l, it, "expect", "test");
		} else if (want_string(l, n, "expect", &s)) {
			t->expect_accept = !strcmp(s, "accept");
			if (!t->expect_accept && strcmp(s, "drop"))
				bad_choice(l, n, "expect", "accept or drop", s, results);
		}
	}
}

static void load_policy_spec(struct loader *l, const struct ynode *spec, struct model_policy *pol,
			     struct obj_extra *x)
{
	static const char *const fields[] = { "network", "priority", "rules", "tests", NULL };
	const struct ynode *n;
	uint64_t v;

	check_fields(l, spec, fields, "Policy spec");
	load_network_ref(l, spec, x);
	if ((n = ynode_get(spec, "priority")) && want_uint(l, n, "priority", 0, 65535, &v))
		pol->priority = (int32_t)v;
	if ((n = ynode_get(spec, "rules")))
		load_rules(l, n, pol);
	if ((n = ynode_get(spec, "tests")))
		load_tests(l, n, pol);
}

static void load_host_spec(struct loader *l, const struct ynode *spec, struct model_host *h,
			   struct obj_extra *x)
{
	static const char *const fields[] = { "network", "role", "publicKey", "endpoint", "addresses",
					      "lans", "interface", "listenPort", "mtu", "tenant",
					      "publicAddresses", "forwards", "masquerade", NULL };
	static const char *const roles[] = { "member", "hub", "exit", "router", NULL };
	const struct ynode *n;
	const char *s;

	check_fields(l, spec, fields, "Host spec");
	load_network_ref(l, spec, x);
	if ((n = ynode_get(spec, "role")) && want_string(l, n, "role", &s)) {
		x->role_loc = loc_of(l, n);
		if (!strcmp(s, "hub"))
			h->role = HOST_ROLE_HUB;
		else if (!strcmp(s, "exit"))
			h->role = HOST_ROLE_EXIT;
		else if (!strcmp(s, "router"))
			h->role = HOST_ROLE_ROUTER;
		else if (!strcmp(s, "member"))
			h->role = HOST_ROLE_MEMBER;
		else if (suggest(s, roles))
			err(l, n, "\"role\" must be hub, exit, router or member, got %s (did you mean \"%s\"?)",
			    diag_quote(s), suggest(s, roles));
		else
			err(l, n, "\"role\" must be hub, exit, router or member, got %s", diag_quote(s));
	}
	load_key(l, spec, "Host spec", h->public_key, x);
	load_endpoint(l, spec, &h->endpoint, x);
	load_prefixes(l, spec, "addresses", true, "Host spec", USE_HOST_ADDRESS, &h->addresses,
		      &h->n_addresses, &x->addr_locs);
	load_prefixes(l, spec, "lans", false, "Host spec", USE_LAN, &h->lans, &h->n_lans, &x->lan_locs);
	if ((n = ynode_get(spec, "interface")))
		x->has_ifname = want_ifname(l, n, h->ifname);
	if ((n = ynode_get(spec, "listenPort")))
		x->has_port = want_port(l, n, &h->listen_port);
	if ((n = ynode_get(spec, "mtu")))
		x->has_mtu = want_mtu(l, n, &h->mtu);
	load_tenant_ref(l, spec, x);
	if (ynode_get(spec, "publicAddresses")) {
		x->has_public = true;
		load_prefixes(l, spec, "publicAddresses", false, "Host spec", USE_PUBLIC, &h->public_addrs,
			      &h->n_public_addrs, &x->public_locs);
	}
	if ((n = ynode_get(spec, "masquerade")) && want_bool(l, n, "masquerade", &h->masquerade))
		x->masquerade_loc = loc_of(l, n);
	if ((n = ynode_get(spec, "forwards")))
		load_forwards(l, n, h);
}

static bool is_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static unsigned num(const char *s, size_t n)
{
	unsigned v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned)(s[i] - '0');
	return v;
}

/* Days since 1970-01-01 in the proleptic Gregorian calendar. Years are counted
 * from March so that February, with the leap day, ends each year; a 400-year
 * cycle has 146097 days. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t cycle, yoc, doy, doc;

	if (m <= 2)
		y--;
	cycle = (y >= 0 ? y : y - 399) / 400;
	yoc = y - cycle * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doc = yoc * 365 + yoc / 4 - yoc / 100 + doy;
	return cycle * 146097 + doc - 719468;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const unsigned char days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* "YYYY-MM-DD" (its 00:00 UTC) or "YYYY-MM-DDThh:mm:ssZ" -> unix seconds. */
static bool parse_expires(const char *s, int64_t *out)
{
	size_t len = strlen(s);
	unsigned y, mo, d, h = 0, mi = 0, sec = 0;

	if (len != 10 && len != 20)
		return false;
	if (!is_digits(s, 4) || s[4] != '-' || !is_digits(s + 5, 2) || s[7] != '-' || !is_digits(s + 8, 2))
		return false;
	if (len == 20) {
		if (s[10] != 'T' || !is_digits(s + 11, 2) || s[13] != ':' || !is_digits(s + 14, 2) ||
		    s[16] != ':' || !is_digits(s + 17, 2) || s[19] != 'Z')
			return false;
		h = num(s + 11, 2);
		mi = num(s + 14, 2);
		sec = num(s + 17, 2);
	}
	y = num(s, 4);
	mo = num(s + 5, 2);
	d = num(s + 8, 2);
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59)
		return false;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	return true;
}

static void load_hubs(struct loader *l, const struct ynode *spec, struct obj_extra *x)
{
	const struct ynode *seq = ynode_get(spec, "hubs");
	const char *s;

	if (!seq) {
		missing(l, spec, "hubs", "Peer spec");
		return;
	}
	if (!want_type(l, seq, "hubs", YNODE_SEQUENCE))
		return;
	if (seq->n == 0) {
		err(l, seq, "\"hubs\" must list at least one hub");
		return;
	}
	x->hub_names = xcalloc(l, seq->n, sizeof(*x->hub_names));
	x->hub_locs = xcalloc(l, seq->n, sizeof(*x->hub_locs));
	if (!x->hub_names || !x->hub_locs)
		return;
	for (size_t i = 0; i < seq->n; i++) {
		if (!want_string(l, seq->items[i], "hubs", &s))
			continue;
		x->hub_names[x->n_hub_names] = xstrdup(l, s);
		if (!x->hub_names[x->n_hub_names])
			return;
		x->hub_locs[x->n_hub_names++] = loc_of(l, seq->items[i]);
	}
}

static void load_peer_spec(struct loader *l, const struct ynode *spec, struct model_peer *p,
			   struct obj_extra *x)
{
	static const char *const fields[] = { "network", "publicKey", "addresses", "hubs", "lans",
					      "persistentKeepalive", "endpoint", "enabled", "expires", "tenant",
					      "access", "accessLans", NULL };
	static const char *const levels[] = { "full", "vpn-only", "lan-only", "custom", NULL };
	const struct ynode *n;
	const char *s;

	check_fields(l, spec, fields, "Peer spec");
	load_network_ref(l, spec, x);
	load_key(l, spec, "Peer spec", p->public_key, x);
	load_prefixes(l, spec, "addresses", true, "Peer spec", USE_PEER_ADDRESS, &p->addresses,
		      &p->n_addresses, &x->addr_locs);
	load_hubs(l, spec, x);
	load_prefixes(l, spec, "lans", false, "Peer spec", USE_LAN, &p->lans, &p->n_lans, &x->lan_locs);
	if ((n = ynode_get(spec, "persistentKeepalive")))
		want_keepalive(l, n, &p->keepalive);
	load_endpoint(l, spec, &p->endpoint, x);
	if ((n = ynode_get(spec, "enabled")))
		want_bool(l, n, "enabled", &p->enabled);
	if ((n = ynode_get(spec, "expires")) && want_string(l, n, "expires", &s)) {
		p->has_expires = parse_expires(s, &p->expires);
		if (!p->has_expires)
			err(l, n, "\"expires\" must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ, got %s", diag_quote(s));
	}
	load_tenant_ref(l, spec, x);
	if ((n = ynode_get(spec, "access")) && want_string(l, n, "access", &s)) {
		size_t i;
		x->access_loc = loc_of(l, n);
		for (i = 0; levels[i] && strcmp(levels[i], s); i++)
			;
		if (levels[i])
			p->access = (enum access_level)i;
		else if (suggest(s, levels))
			err(l, n, "\"access\" must be full, vpn-only, lan-only or custom, got %s (did you mean \"%s\"?)",
			    diag_quote(s), suggest(s, levels));
		else
			err(l, n, "\"access\" must be full, vpn-only, lan-only or custom, got %s", diag_quote(s));
	}
	if ((n = ynode_get(spec, "accessLans")))
		load_access_lans(l, n, x);
}

/* Grows one model array and its parallel extras to hold n + 1 elements. */
static bool grow(struct loader *l, void **arr, size_t size, struct obj_extra **xs, size_t n, size_t *cap)
{
	size_t c;
	void *a, *b;

	if (n < *cap)
		return true;
	c = *cap ? *cap * 2 : 8;
	a = reallocarray(*arr, c, size);
	if (!a)
		return oom(l), false;
	*arr = a;
	b = reallocarray(*xs, c, sizeof(**xs));
	if (!b)
		return oom(l), false;
	*xs = b;
	*cap = c;
	return true;
}

static void extra_clear(struct obj_extra *x)
{
	free(x->network);
	free(x->tenant);
	for (size_t i = 0; i < x->n_access_lans; i++)
		free(x->access_lans[i]);
	free(x->access_lans);
	free(x->access_lan_locs);
	free(x->public_locs);
	free(x->addr_locs);
	free(x->lan_locs);
	for (size_t i = 0; i < x->n_hub_names; i++)
		free(x->hub_names[i]);
	free(x->hub_names);
	free(x->hub_locs);
}

static void meta_clear(struct model_meta *meta)
{
	for (size_t i = 0; i < meta->n_labels; i++) {
		free(meta->labels[i].key);
		free(meta->labels[i].value);
	}
	free(meta->labels);
	free(meta->name);
}

static void load_document(struct loader *l, const struct ydoc *doc)
{
	static const char *const fields[] = { "apiVersion", "kind", "metadata", "spec", NULL };
	static const char *const kinds[] = { "Network", "Host", "Peer", "Tenant", "Policy", NULL };
	const struct ynode *root = doc->root, *n, *spec;
	struct model *m = l->m;
	struct obj_extra x = { .seq = l->n_docs++ };
	struct model_meta meta = { 0 };
	bool was_incomplete = l->incomplete;
	enum kind kind;
	const char *s;

	l->cur_failed = doc->bad;
	if (doc->bad)
		l->n_errors++;
	/* Until the kind is known, nobody can tell what this document defines:
	 * references that might point at it are not reported as missing. */
	l->incomplete = true;
	if (root->type != YNODE_MAPPING) {
		/* not quoted: a file that is not a manifest (a key, a secret) stays out of messages */
		err(l, root, "a document must be a mapping of apiVersion, kind, metadata and spec, got %s",
		    root->type == YNODE_SCALAR ? "a single value" : ynode_describe(root));
		return;
	}
	check_fields(l, root, fields, "document");
	n = ynode_get(root, "apiVersion");
	if (!n)
		missing(l, root, "apiVersion", "document");
	else if (want_string(l, n, "apiVersion", &s) && strcmp(s, MODEL_API_VERSION))
		err(l, n, "unknown apiVersion %s (expected \"%s\")", diag_quote(s), MODEL_API_VERSION);
	n = ynode_get(root, "kind");
	if (!n) {
		missing(l, root, "kind", "document");
		return;
	}
	if (!want_string(l, n, "kind", &s))
		return;
	if (!strcmp(s, "Network")) {
		kind = KIND_NETWORK;
	} else if (!strcmp(s, "Host")) {
		kind = KIND_HOST;
	} else if (!strcmp(s, "Peer")) {
		kind = KIND_PEER;
	} else if (!strcmp(s, "Tenant")) {
		kind = KIND_TENANT;
	} else if (!strcmp(s, "Policy")) {
		kind = KIND_POLICY;
	} else {
		const char *sug = suggest(s, kinds);
		if (sug)
			err(l, n, "unknown kind %s (did you mean \"%s\"?)", diag_quote(s), sug);
		else
			err(l, n, "unknown kind %s (expected Network, Host, Peer, Tenant or Policy)", diag_quote(s));
		return;
	}
	l->incomplete = was_incomplete;
	meta.loc = loc_of(l, key_node(root, "kind"));
	load_meta(l, root, &meta, &x);
	spec = ynode_get(root, "spec");
	if (!spec)
		missing(l, root, "spec", "document");
	else if (!want_type(l, spec, "spec", YNODE_MAPPING))
		spec = NULL;

	switch (kind) {
	case KIND_NETWORK: {
		struct model_network net = { .listen_port = 51820, .mtu = 1420 };
		snprintf(net.ifname, sizeof(net.ifname), "wg0");
		if (spec)
			load_network_spec(l, spec, &net, &x);
		if (!grow(l, (void **)&m->networks, sizeof(*m->networks), &l->net_x, m->n_networks,
			  &l->cap_networks))
			goto fail;
		net.meta = meta;
		x.failed = l->cur_failed;
		l->net_x[m->n_networks] = x;
		m->networks[m->n_networks++] = net;
		return;
	}
	case KIND_HOST: {
		struct model_host h = { .role = HOST_ROLE_MEMBER, .tenant = MODEL_NONE };
		if (spec)
			load_host_spec(l, spec, &h, &x);
		if (!grow(l, (void **)&m->hosts, sizeof(*m->hosts), &l->host_x, m->n_hosts, &l->cap_hosts)) {
			model_host_clear(&h);
			goto fail;
		}
		h.meta = meta;
		x.failed = l->cur_failed;
		l->host_x[m->n_hosts] = x;
		m->hosts[m->n_hosts++] = h;
		return;
	}
	case KIND_PEER: {
		struct model_peer p = { .enabled = true, .tenant = MODEL_NONE };
		if (spec)
			load_peer_spec(l, spec, &p, &x);
		if (!grow(l, (void **)&m->peers, sizeof(*m->peers), &l->peer_x, m->n_peers, &l->cap_peers)) {
			model_peer_clear(&p);
			goto fail;
		}
		p.meta = meta;
		x.failed = l->cur_failed;
		l->peer_x[m->n_peers] = x;
		m->peers[m->n_peers++] = p;
		return;
	}
	case KIND_TENANT: {
		struct model_tenant t = { .isolated = true };
		if (spec)
			load_tenant_spec(l, spec, &t, &x);
		if (!grow(l, (void **)&m->tenants, sizeof(*m->tenants), &l->ten_x, m->n_tenants, &l->cap_tenants))
			goto fail;
		t.meta = meta;
		x.failed = l->cur_failed;
		l->ten_x[m->n_tenants] = x;
		m->tenants[m->n_tenants++] = t;
		return;
	}
	case KIND_POLICY: {
		struct model_policy pol = { .priority = 100 };
		if (spec)
			load_policy_spec(l, spec, &pol, &x);
		if (!grow(l, (void **)&m->policies, sizeof(*m->policies), &l->pol_x, m->n_policies,
			  &l->cap_policies)) {
			model_policy_clear(&pol);
			goto fail;
		}
		pol.meta = meta;
		x.failed = l->cur_failed;
		l->pol_x[m->n_policies] = x;
		m->policies[m->n_policies++] = pol;
		return;
	}
	}
fail:
	meta_clear(&meta);
	extra_clear(&x);
}

int loader_init(struct loader *l, struct diag *d)
{
	memset(l, 0, sizeof(*l));
	l->d = d;
	ybudget_init(&l->budget, MODEL_MAX_NODES);
	if (key_init() < 0) {
		diag_add(d, NULL, "cannot initialize libsodium");
		return -EIO;
	}
	l->m = calloc(1, sizeof(*l->m));
	if (!l->m) {
		diag_add(d, NULL, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* Registers the file name that locations in this file's objects point to. */
static bool loader_register(struct loader *l, const char *name, size_t len)
{
	struct model *m = l->m;
	char **files;

	if (m->n_files == l->cap_files) {
		size_t cap = l->cap_files ? l->cap_files * 2 : 16;
		files = reallocarray(m->files, cap, sizeof(*files));
		if (!files) {
			oom(l);
			return false;
		}
		m->files = files;
		l->cap_files = cap;
	}
	m->files[m->n_files] = strdup(name);
	if (!m->files[m->n_files]) {
		oom(l);
		return false;
	}
	l->file = m->files[m->n_files++];
	l->total_size += len;
	return true;
}

void loader_add_tree(struct loader *l, const char *name, struct ytree *t, size_t len)
{
	if (!loader_register(l, name, len) || !t) {
		l->incomplete = l->incomplete || !t;
		if (t)
			ytree_free(t);
		return;
	}
	for (size_t i = 0; i < t->n_docs && !l->oom; i++)
		load_document(l, &t->docs[i]);
	ytree_free(t);
}

void loader_add_file(struct loader *l, const char *name, const char *buf, size_t len)
{
	struct ytree t;

	if (!ytree_parse(name, buf, len, &l->budget, &t, l->d)) {
		loader_add_tree(l, name, NULL, len);
		return;
	}
	loader_add_tree(l, name, &t, len);
}

static bool loader_failed(const struct loader *l)
{
	const struct model *m = l->m;

	if (l->oom || l->incomplete)
		return true;
	for (size_t i = 0; i < m->n_networks; i++)
		if (l->net_x[i].failed)
			return true;
	for (size_t i = 0; i < m->n_hosts; i++)
		if (l->host_x[i].failed)
			return true;
	for (size_t i = 0; i < m->n_peers; i++)
		if (l->peer_x[i].failed)
			return true;
	for (size_t i = 0; i < m->n_tenants; i++)
		if (l->ten_x[i].failed)
			return true;
	for (size_t i = 0; i < m->n_policies; i++)
		if (l->pol_x[i].failed)
			return true;
	return l->n_errors > 0;
}

static void extras_free(struct loader *l)
{
	const struct model *m = l->m;

	for (size_t i = 0; m && i < m->n_networks; i++)
		extra_clear(&l->net_x[i]);
	for (size_t i = 0; m && i < m->n_hosts; i++)
		extra_clear(&l->host_x[i]);
	for (size_t i = 0; m && i < m->n_peers; i++)
		extra_clear(&l->peer_x[i]);
	for (size_t i = 0; m && i < m->n_tenants; i++)
		extra_clear(&l->ten_x[i]);
	for (size_t i = 0; m && i < m->n_policies; i++)
		extra_clear(&l->pol_x[i]);
	free(l->net_x);
	free(l->host_x);
	free(l->peer_x);
	free(l->ten_x);
	free(l->pol_x);
	l->net_x = l->host_x = l->peer_x = l->ten_x = l->pol_x = NULL;
}

void loader_free(struct loader *l)
{
	extras_free(l);
	model_free(l->m);
	memset(l, 0, sizeof(*l));
}

int loader_finish(struct loader *l, struct model **out)
{
	int r;

	*out = NULL;
	if (!l->oom)
		model_validate(l);
	if (l->d->n)
		diag_sort(l->d);   /* qsort() on an empty (NULL) array is undefined */
	if (l->oom)
		r = -ENOMEM;
	else if (loader_failed(l))
		r = -EINVAL;
	else {
		extras_free(l);
		l->m->n_documents = l->n_docs;
		*out = l->m;
		l->m = NULL;
		r = 0;
	}
	loader_free(l);
	return r;
}
