/* Values that are more than one scalar type: labels, ports and ranges,
 * protocols, dates. */
#include "model/model_load_value.h"

#include <string.h>

#include "model/model_names.h"

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
		load_err(l, n, "label key %s is read by YAML as %s, not a string: quote it (\"%s\")", diag_quote(s),
			 type, s);
	else
		load_err(l, n, "label %s has the value %s, which YAML reads as %s, not a string: quote it (\"%s\")",
			 diag_quote(key), s, type, s);
	return false;
}

void load_labels(struct loader *l, const struct ynode *map, struct model_meta *meta)
{
	if (!want_type(l, map, "metadata.labels", YNODE_MAPPING))
		return;
	meta->labels = load_calloc(l, map->n, sizeof(*meta->labels));
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
			load_err(l, k, "label key %s is not valid (1-63 of A-Z a-z 0-9 . _ -, starting with a "
				 "letter or digit)", diag_quote(ks));
			continue;
		}
		if (!model_label_ok(vs)) {
			load_err(l, v, "label value %s is not valid (1-63 of A-Z a-z 0-9 . _ -, starting with a "
				 "letter or digit)", diag_quote(vs));
			continue;
		}
		if (!want_plain_string(l, k, "key", ks, ks) || !want_plain_string(l, v, "value", ks, vs))
			continue;
		lb = &meta->labels[meta->n_labels];
		lb->key = load_strdup(l, ks);
		lb->value = load_strdup(l, vs);
		meta->n_labels++;
	}
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
bool want_port_range(struct loader *l, const struct ynode *n, const char *field,
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
	if (n->type == YNODE_SCALAR && load_is_null(n)) {
		load_err(l, n, "\"%s\" has no value", field);
		return false;
	}
	dash = n->type == YNODE_SCALAR && strlen(n->value) == n->len ? strchr(n->value, '-') : NULL;
	if (!dash || !range_part(n->value, (size_t)(dash - n->value), &lo) ||
	    !range_part(dash + 1, strlen(dash + 1), &hi)) {
		load_err(l, n, "\"%s\" must be a port (1-65535) or a range \"lo-hi\", got %s", field,
			 n->type == YNODE_SCALAR ? diag_quote(n->value) : ynode_describe(n));
		return false;
	}
	if (lo < 1 || hi > 65535 || lo > hi) {
		load_err(l, n, "\"%s\" range %s must be lo-hi with 1 <= lo <= hi <= 65535", field, diag_quote(n->value));
		return false;
	}
	out->lo = (uint16_t)lo;
	out->hi = (uint16_t)hi;
	return true;
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
bool model_expires_parse(const char *s, int64_t *out)
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

bool want_protocol(struct loader *l, const struct ynode *n, unsigned uses, unsigned *out)
{
	const char *s;
	int v;

	if (!want_string(l, n, "protocol", &s) || !want_choice(l, n, "protocol", s, &model_protocols, uses, &v))
		return false;
	*out = (unsigned)v;
	return true;
}

void load_name_list(struct loader *l, const struct ynode *seq, const char *field, char ***names,
		    struct wgf_loc **locs, size_t *n)
{
	const char *s;

	if (!want_type(l, seq, field, YNODE_SEQUENCE))
		return;
	if (seq->n == 0) {
		load_err(l, seq, "\"%s\" must list at least one %s", field, strcmp(field, "hubs") ? "Host" : "hub");
		return;
	}
	*names = load_calloc(l, seq->n, sizeof(**names));
	*locs = load_calloc(l, seq->n, sizeof(**locs));
	if (!*names || !*locs)
		return;
	for (size_t i = 0; i < seq->n; i++) {
		if (!want_string(l, seq->items[i], field, &s))
			continue;
		(*names)[*n] = load_strdup(l, s);
		if (!(*names)[*n])
			return;
		(*locs)[(*n)++] = load_loc(l, seq->items[i]);
	}
}
