/* Other nftables tables that drop tunnel traffic: `nft -j list ruleset`
 * read and each base chain of the forward and input hooks followed rule by
 * rule (render/doctor.h). */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/hoststate.h"
#include "render/doctor.h"

#define NFT_JUMP_DEPTH 16

enum nft_hook { HOOK_NONE = 0, HOOK_FORWARD, HOOK_INPUT };
enum nft_verdict { V_NONE = 0, V_ACCEPT, V_DROP };

struct nft_chain {
	const char *family, *table, *name;
	enum nft_hook hook;
	bool policy_drop;
	json_object **rules;           /* the rules' "expr" arrays, in order */
	uint64_t *handles;
	size_t n_rules;
	/* Per hook: the chain's verdict once known (jumps to it are not walked
	 * again, so chains jumping to chains stay linear); busy on a jump loop. */
	struct { bool busy, done; enum nft_verdict v; uint64_t handle; } memo[3];
};

struct nft_set {
	struct nft_chain *chains;
	size_t n;
	const char *ifname;
	uint16_t port;
};

static const char *str_of(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ?
	       json_object_get_string(v) : NULL;
}

static struct nft_chain *chain_find(struct nft_set *s, const char *family, const char *table, const char *name)
{
	for (size_t i = 0; family && table && name && i < s->n; i++)
		if (!strcmp(s->chains[i].family, family) && !strcmp(s->chains[i].table, table) &&
		    !strcmp(s->chains[i].name, name))
			return &s->chains[i];
	return NULL;
}

static int chain_add(struct nft_set *s, json_object *c)
{
	const char *family = str_of(c, "family"), *table = str_of(c, "table"), *name = str_of(c, "name");
	const char *hook = str_of(c, "hook"), *policy = str_of(c, "policy");
	struct nft_chain *grown, *ch;

	if (!family || !table || !name)
		return -EBADMSG;
	grown = realloc(s->chains, (s->n + 1) * sizeof(*s->chains));
	if (!grown)
		return -ENOMEM;
	s->chains = grown;
	ch = &s->chains[s->n++];
	*ch = (struct nft_chain){ .family = family, .table = table, .name = name };
	if (hook && (!strcmp(family, "ip") || !strcmp(family, "ip6") || !strcmp(family, "inet")))
		ch->hook = !strcmp(hook, "forward") ? HOOK_FORWARD : !strcmp(hook, "input") ? HOOK_INPUT : HOOK_NONE;
	ch->policy_drop = policy && !strcmp(policy, "drop");
	return 0;
}

static int rule_add(struct nft_set *s, json_object *r)
{
	struct nft_chain *ch = chain_find(s, str_of(r, "family"), str_of(r, "table"), str_of(r, "chain"));
	json_object *expr, *handle;
	json_object **rules;
	uint64_t *handles;

	if (!ch || !json_object_object_get_ex(r, "expr", &expr) || !json_object_is_type(expr, json_type_array))
		return 0;
	rules = realloc(ch->rules, (ch->n_rules + 1) * sizeof(*rules));
	if (rules)
		ch->rules = rules;
	handles = realloc(ch->handles, (ch->n_rules + 1) * sizeof(*handles));
	if (handles)
		ch->handles = handles;
	if (!rules || !handles)
		return -ENOMEM;
	ch->rules[ch->n_rules] = expr;
	ch->handles[ch->n_rules++] = json_object_object_get_ex(r, "handle", &handle) ?
				     (uint64_t)json_object_get_int64(handle) : 0;
	return 0;
}

/* How much of the traffic a rule's matches select: all of it, some, none. */
enum nft_scope { SCOPE_NONE = 0, SCOPE_SOME, SCOPE_ALL };

static bool port_in(json_object *right, uint16_t port)
{
	json_object *set;

	if (json_object_is_type(right, json_type_int))
		return json_object_get_int64(right) == port;
	if (json_object_is_type(right, json_type_object) && json_object_object_get_ex(right, "set", &set) &&
	    json_object_is_type(set, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(set); i++)
			if (port_in(json_object_array_get_idx(set, i), port))
				return true;
		return false;
	}
	if (json_object_is_type(right, json_type_object) && json_object_object_get_ex(right, "range", &set) &&
	    json_object_is_type(set, json_type_array) && json_object_array_length(set) == 2)
		return json_object_get_int64(json_object_array_get_idx(set, 0)) <= port &&
		       json_object_get_int64(json_object_array_get_idx(set, 1)) >= port;
	return false;
}

/* One "match": does it hold for all, some or none of the traffic of hook? */
static enum nft_scope match_scope(const struct nft_set *s, enum nft_hook hook, json_object *m)
{
	json_object *left, *right, *meta, *payload;
	const char *op = str_of(m, "op"), *key = NULL, *field = NULL;
	bool hit, eq = op && !strcmp(op, "=="), ne = op && !strcmp(op, "!=");

	if (!json_object_object_get_ex(m, "left", &left) || !json_object_object_get_ex(m, "right", &right) ||
	    (!eq && !ne && !(op && !strcmp(op, "in"))))
		return SCOPE_SOME;
	if (json_object_object_get_ex(left, "meta", &meta))
		key = str_of(meta, "key");
	if (json_object_object_get_ex(left, "payload", &payload))
		field = str_of(payload, "field");
	if (key && (!strcmp(key, "iifname") || !strcmp(key, "oifname")) && json_object_is_type(right, json_type_string)) {
		hit = !strcmp(json_object_get_string(right), s->ifname);
		if (hook == HOOK_INPUT && !strcmp(json_object_get_string(right), "lo"))
			return eq ? SCOPE_NONE : SCOPE_ALL;
		if (hook == HOOK_INPUT)
			return SCOPE_SOME;       /* the underlay's interface is not known here */
		return hit == eq ? SCOPE_ALL : SCOPE_NONE;
	}
	if (key && !strcmp(key, "l4proto") && hook == HOOK_INPUT && json_object_is_type(right, json_type_string))
		return !strcmp(json_object_get_string(right), "udp") == !ne ? SCOPE_ALL : SCOPE_NONE;
	if (field && !strcmp(field, "dport") && hook == HOOK_INPUT && s->port) {
		const char *proto = str_of(payload, "protocol");
		if (proto && strcmp(proto, "udp"))
			return SCOPE_NONE;
		return port_in(right, s->port) == !ne ? SCOPE_ALL : SCOPE_NONE;
	}
	return SCOPE_SOME;
}

static enum nft_verdict chain_eval(const struct nft_set *s, const struct nft_chain *ch, enum nft_hook hook,
				   unsigned depth, uint64_t *handle);

/* A rule: its verdict for the traffic when everything it matches holds for all of it. */
static enum nft_verdict rule_eval(const struct nft_set *s, const struct nft_chain *ch, enum nft_hook hook,
				  json_object *expr, unsigned depth, uint64_t *handle, bool *stop)
{
	enum nft_scope scope = SCOPE_ALL;

	for (size_t i = 0; i < json_object_array_length(expr); i++) {
		json_object *st = json_object_array_get_idx(expr, i), *v;
		if (json_object_object_get_ex(st, "match", &v)) {
			enum nft_scope m = match_scope(s, hook, v);
			scope = m < scope ? m : scope;
			if (scope == SCOPE_NONE)
				return V_NONE;
		} else if (json_object_object_get_ex(st, "accept", &v)) {
			return scope == SCOPE_ALL ? (*stop = true, V_ACCEPT) : V_NONE;
		} else if (json_object_object_get_ex(st, "drop", &v) || json_object_object_get_ex(st, "reject", &v)) {
			return scope == SCOPE_ALL ? (*stop = true, V_DROP) : V_NONE;
		} else if (json_object_object_get_ex(st, "jump", &v) || json_object_object_get_ex(st, "goto", &v)) {
			const struct nft_chain *to = chain_find((struct nft_set *)s, ch->family, ch->table,
								str_of(v, "target"));
			enum nft_verdict r;
			if (scope != SCOPE_ALL || !to || depth >= NFT_JUMP_DEPTH)
				return V_NONE;
			r = chain_eval(s, to, hook, depth + 1, handle);
			*stop = r != V_NONE || json_object_object_get_ex(st, "goto", &v);
			return r;
		} else if (json_object_object_get_ex(st, "return", &v)) {
			*stop = scope == SCOPE_ALL;
			return V_NONE;
		}
	}
	return V_NONE;
}

/* The first deciding rule's verdict (its handle into *handle), else V_NONE. */
static enum nft_verdict chain_walk(const struct nft_set *s, const struct nft_chain *ch, enum nft_hook hook,
				   unsigned depth, uint64_t *handle)
{
	for (size_t i = 0; i < ch->n_rules; i++) {
		bool stop = false;
		enum nft_verdict v = rule_eval(s, ch, hook, ch->rules[i], depth, handle, &stop);
		if (v == V_DROP && !*handle)
			*handle = ch->handles[i];
		if (stop)
			return v;
	}
	return V_NONE;
}

static enum nft_verdict chain_eval(const struct nft_set *s, const struct nft_chain *ch, enum nft_hook hook,
				   unsigned depth, uint64_t *handle)
{
	struct nft_chain *c = (struct nft_chain *)ch;
	uint64_t h = 0;

	if (c->memo[hook].busy)
		return V_NONE;
	if (!c->memo[hook].done) {
		c->memo[hook].busy = true;
		c->memo[hook].v = chain_walk(s, ch, hook, depth, &h);
		c->memo[hook].handle = h;
		c->memo[hook].busy = false;
		c->memo[hook].done = true;
	}
	if (!*handle)
		*handle = c->memo[hook].handle;
	return c->memo[hook].v;
}

static bool finding_put(const struct nft_chain *ch, enum doctor_nft_kind kind, uint64_t handle,
			struct doctor_nft_finding *out, size_t max, size_t *n)
{
	if (*n < max) {
		struct doctor_nft_finding *f = &out[*n];
		f->kind = kind;
		f->handle = handle;
		snprintf(f->family, sizeof(f->family), "%s", ch->family);
		snprintf(f->table, sizeof(f->table), "%s", ch->table);
		snprintf(f->chain, sizeof(f->chain), "%s", ch->name);
	}
	(*n)++;
	return true;
}

static void base_chain_check(const struct nft_set *s, const struct nft_chain *ch, struct doctor_nft_finding *out,
			     size_t max, size_t *n)
{
	bool fwd = ch->hook == HOOK_FORWARD;
	uint64_t handle = 0;
	enum nft_verdict v;

	if (!ch->hook || (!strcmp(ch->family, HS_FW_FAMILY) && !strcmp(ch->table, HS_FW_TABLE)) ||
	    (ch->hook == HOOK_INPUT && !s->port))
		return;
	v = chain_eval(s, ch, ch->hook, 0, &handle);
	if (v == V_DROP)
		finding_put(ch, fwd ? DOCTOR_NFT_FORWARD_RULE : DOCTOR_NFT_INPUT_RULE, handle, out, max, n);
	else if (v == V_NONE && ch->policy_drop)
		finding_put(ch, fwd ? DOCTOR_NFT_FORWARD_POLICY : DOCTOR_NFT_INPUT_POLICY, 0, out, max, n);
}

static void set_free(struct nft_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->chains[i].rules);
		free(s->chains[i].handles);
	}
	free(s->chains);
}

int doctor_nft_analyse(const char *json, size_t len, const char *ifname, uint16_t port,
		       struct doctor_nft_finding *out, size_t max)
{
	struct nft_set s = { .ifname = ifname ? ifname : "", .port = port };
	json_tokener *tok = json_tokener_new();
	json_object *root = NULL, *items, *v;
	size_t n = 0;
	int r = -EBADMSG;

	if (!tok)
		return -ENOMEM;
	if (len <= INT32_MAX)
		root = json_tokener_parse_ex(tok, json, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_object_get_ex(root, "nftables", &items) || !json_object_is_type(items, json_type_array))
		goto out;
	r = 0;
	for (size_t i = 0; r >= 0 && i < json_object_array_length(items); i++) {
		json_object *it = json_object_array_get_idx(items, i);
		if (json_object_object_get_ex(it, "chain", &v))
			r = chain_add(&s, v);
	}
	for (size_t i = 0; r >= 0 && i < json_object_array_length(items); i++) {
		json_object *it = json_object_array_get_idx(items, i);
		if (json_object_object_get_ex(it, "rule", &v))
			r = rule_add(&s, v);
	}
	for (size_t i = 0; r >= 0 && i < s.n; i++)
		base_chain_check(&s, &s.chains[i], out, max, &n);
	if (r >= 0)
		r = (int)(n < max ? n : max);
out:
	set_free(&s);
	json_object_put(root);
	json_tokener_free(tok);
	return r;
}

const char *doctor_nft_finding_text(const struct doctor_nft_finding *f, char *buf, size_t len)
{
	static const char *const what[] = {
		[DOCTOR_NFT_FORWARD_POLICY] = "forward hook, policy drop and nothing accepts the tunnel's traffic",
		[DOCTOR_NFT_FORWARD_RULE] = "forward hook, a rule drops the tunnel's traffic",
		[DOCTOR_NFT_INPUT_POLICY] = "input hook, policy drop and nothing accepts the listen port",
		[DOCTOR_NFT_INPUT_RULE] = "input hook, a rule drops the listen port",
	};

	if (f->handle)
		snprintf(buf, len, "table %s %s chain %s (%s: handle %llu)", f->family, f->table, f->chain,
			 what[f->kind], (unsigned long long)f->handle);
	else
		snprintf(buf, len, "table %s %s chain %s (%s)", f->family, f->table, f->chain, what[f->kind]);
	return buf;
}
