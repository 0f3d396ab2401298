/* The loader's vocabulary for one YAML value: where it is, errors about it,
 * and strict checks of its type. */
#include "model/model_load_scalar.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_names.h"

struct wgf_loc load_loc(const struct loader *l, const struct ynode *n)
{
	struct wgf_loc loc = { l->file, n ? n->line : 0, n ? n->col : 0 };

	return loc;
}

__attribute__((format(printf, 3, 4)))
void load_err(struct loader *l, const struct ynode *n, const char *fmt, ...)
	      {
		      struct wgf_loc loc = load_loc(l, n);
	va_list ap;

	l->cur_failed = true;
	l->n_errors++;
	va_start(ap, fmt);
	diag_vadd(l->d, &loc, fmt, ap);
	va_end(ap);
}

void *load_oom(struct loader *l)
{
	if (!l->oom)
		diag_add(l->d, NULL, "out of memory");
	l->oom = true;
	l->cur_failed = true;
	return NULL;
}

char *load_strdup(struct loader *l, const char *s)
{
	char *r = strdup(s);

	return r ? r : load_oom(l);
}

void *load_calloc(struct loader *l, size_t n, size_t size)
{
	void *r = calloc(n ? n : 1, size);

	return r ? r : load_oom(l);
}

bool load_is_null(const struct ynode *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };

	if (n->type != YNODE_SCALAR || n->quoted)
		return false;
	for (size_t i = 0; nulls[i]; i++)
		if (!strcmp(n->value, nulls[i]))
			return true;
	return false;
}

bool want_string(struct loader *l, const struct ynode *n, const char *field, const char **out)
{
	if (n->type != YNODE_SCALAR) {
		load_err(l, n, "\"%s\" must be a string, got %s", field, ynode_describe(n));
		return false;
	}
	if (load_is_null(n)) {
		load_err(l, n, "\"%s\" has no value", field);
		return false;
	}
	if (strlen(n->value) != n->len) {
		load_err(l, n, "\"%s\" must not contain NUL characters", field);
		return false;
	}
	*out = n->value;
	return true;
}

bool want_uint(struct loader *l, const struct ynode *n, const char *field, uint64_t min,
		      uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (n->type != YNODE_SCALAR) {
		load_err(l, n, "\"%s\" must be an integer, got %s", field, ynode_describe(n));
		return false;
	}
	if (load_is_null(n)) {
		load_err(l, n, "\"%s\" has no value", field);
		return false;
	}
	if (n->quoted) {
		load_err(l, n, "\"%s\" must be an integer, got the string %s", field, diag_quote(n->value));
		return false;
	}
	if (n->len == 0 || (n->value[0] == '0' && n->len > 1) ||
	    strspn(n->value, "0123456789") != n->len) {
		load_err(l, n, "\"%s\" must be a plain decimal integer, got %s", field, diag_quote(n->value));
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
		load_err(l, n, "\"%s\" must be between %" PRIu64 " and %" PRIu64 ", got %s", field, min, max,
			 diag_quote(n->value));
		return false;
	}
	*out = v;
	return true;
}

bool want_bool(struct loader *l, const struct ynode *n, const char *field, bool *out)
{
	if (n->type == YNODE_SCALAR && !n->quoted && (!strcmp(n->value, "true") || !strcmp(n->value, "false"))) {
		*out = n->value[0] == 't';
		return true;
	}
	if (n->type == YNODE_SCALAR && n->quoted)
		load_err(l, n, "\"%s\" must be true or false, got the string %s", field, diag_quote(n->value));
	else
		load_err(l, n, "\"%s\" must be true or false, got %s", field, ynode_describe(n));
	return false;
}

bool want_type(struct loader *l, const struct ynode *n, const char *field, enum ynode_type t)
{
	if (n->type == t)
		return true;
	if (load_is_null(n))
		load_err(l, n, "\"%s\" has no value", field);
	else
		load_err(l, n, "\"%s\" must be %s, got %s", field, t == YNODE_MAPPING ? "a mapping" : "a list",
			 ynode_describe(n));
	return false;
}

void load_missing(struct loader *l, const struct ynode *map, const char *field, const char *where)
{
	load_err(l, map, "missing required field \"%s\" in %s", field, where);
}

bool want_ifname(struct loader *l, const struct ynode *n, char ifname[IFNAMSIZ])
{
	const char *s, *why;

	if (!want_string(l, n, "interface", &s))
		return false;
	if (!model_ifname_ok(s)) {
		load_err(l, n, "interface name %s is not valid (1-15 letters, digits, \"_\" or \"-\", "
			 "starting with a letter)", diag_quote(s));
		return false;
	}
	if ((why = model_ifname_reserved(s))) {
		load_err(l, n, "interface name %s is reserved: %s", diag_quote(s), why);
		return false;
	}
	snprintf(ifname, IFNAMSIZ, "%s", s);
	return true;
}

/* "FIELD" must be EXPECTED, got "S", with the suggestion when there is one. */
static void bad_choice(struct loader *l, const struct ynode *n, const char *field, const char *expected,
		       const char *s, const char *sug)
{
	if (sug)
		load_err(l, n, "\"%s\" must be %s, got %s (did you mean \"%s\"?)", field, expected, diag_quote(s), sug);
	else
		load_err(l, n, "\"%s\" must be %s, got %s", field, expected, diag_quote(s));
}

bool want_choice(struct loader *l, const struct ynode *n, const char *field, const char *s,
		 const struct model_enum *t, unsigned uses, int *out)
{
	struct model_enum_entry e[MODEL_ENUM_MAX];
	size_t k = model_enum_select(t, uses, e);
	const struct model_enum_entry *found = model_enum_find(e, k, s);
	char list[96];

	if (found) {
		*out = found->value;
		return true;
	}
	bad_choice(l, n, field, model_enum_list(t, e, k, list, sizeof(list)), s, model_enum_suggest(e, k, s));
	return false;
}

/* "500ms", "1s", "2m", "1h" into milliseconds; false for anything else or more than UINT32_MAX ms. */
bool model_duration_ms_parse(const char *s, uint32_t *out)
{
	static const struct { const char *unit; uint32_t ms; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
	};
	uint64_t v = 0;
	size_t i = 0;

	for (; s[i] >= '0' && s[i] <= '9' && i < 10; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	if (i == 0 || (s[0] == '0' && i > 1))
		return false;
	for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
		if (!strcmp(s + i, units[u].unit) && v * units[u].ms <= UINT32_MAX) {
			*out = (uint32_t)(v * units[u].ms);
			return true;
		}
	}
	return false;
}

bool want_duration_ms(struct loader *l, const struct ynode *n, const char *field, uint32_t *out)
{
	const char *s;

	if (!want_string(l, n, field, &s))
		return false;
	if (model_duration_ms_parse(s, out))
		return true;
	load_err(l, n, "\"%s\" must be a duration: a whole number and ms, s, m or h (\"500ms\", \"1s\", \"2m\", "
		 "\"1h\"), got %s", field, diag_quote(s));
	return false;
}
