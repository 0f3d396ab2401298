/* The dates of `wgf journal export --since/--until` (journal_export.h): a day,
 * an RFC 3339 time, or a time ago. Pure: the time now is given. */
#include "reconcile/host/journal_export.h"

#include <errno.h>
#include <string.h>

#include "model/model.h"

#define DATE_FORMS "YYYY-MM-DD (00:00 UTC), YYYY-MM-DDThh:mm:ssZ (RFC 3339; or +hh:mm, -hh:mm), or a time ago: " \
	"24h, 7d, 2w"

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* What follows "YYYY-MM-DDThh:mm:ss": [.fraction](Z | +hh:mm | -hh:mm), as
 * seconds to add to the time read as UTC (a fraction rounds up: the entries
 * are whole seconds, and a window includes its start). */
static bool rfc3339_tail(const char *s, int64_t *add)
{
	int64_t round = 0, off;

	if (*s == '.') {
		size_t n = strspn(++s, "0123456789");
		if (!n)
			return false;
		round = strspn(s, "0") < n;
		s += n;
	}
	if ((s[0] == 'Z' || s[0] == 'z') && !s[1]) {
		*add = round;
		return true;
	}
	if ((s[0] != '+' && s[0] != '-') || strlen(s) != 6 || !digits(s + 1, 2) || s[3] != ':' || !digits(s + 4, 2))
		return false;
	off = ((s[1] - '0') * 10 + (s[2] - '0')) * 3600 + ((s[4] - '0') * 10 + (s[5] - '0')) * 60;
	if (off > 23 * 3600 + 59 * 60 || (s[4] - '0') * 10 + (s[5] - '0') > 59)
		return false;
	/* 12:00+02:00 is 10:00Z */
	*add = round + (s[0] == '+' ? -off : off);
	return true;
}

/* "YYYY-MM-DD" or "YYYY-MM-DDThh:mm:ss…": 1 read, 0 not this shape, -1 this
 * shape but no such day or time. */
static int absolute(const char *s, int64_t *out)
{
	char utc[21];
	int64_t add = 0;
	size_t len = strlen(s);

	if (len < 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' || !digits(s + 8, 2))
		return 0;
	if (len == 10)
		return model_expires_parse(s, out) ? 1 : -1;
	if (len < 20 || (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2) || s[13] != ':' ||
	    !digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2) || !rfc3339_tail(s + 19, &add))
		return 0;
	memcpy(utc, s, 19);
	utc[10] = 'T';
	utc[19] = 'Z';
	utc[20] = '\0';
	if (!model_expires_parse(utc, out))
		return -1;
	*out += add;
	return 1;
}

int journal_date_parse(const char *s, int64_t now, int64_t *out, struct wgf_error *err)
{
	uint32_t ago;
	int64_t t;
	int r;

	r = absolute(s, &t);
	if (r < 0)
		return wgf_error_set(err, -EINVAL, "\"%s\" is no such day or time", s);
	if (r == 0) {
		if (!model_duration_parse(s, &ago))
			return wgf_error_set(err, -EINVAL, "\"%s\" is not a date: use " DATE_FORMS, s);
		t = now - (int64_t)ago;
	}
	if (t < 0 || t > JOURNAL_TIME_MAX)
		return wgf_error_set(err, -EINVAL, "\"%s\" is outside the years 1970 to 9999", s);
	*out = t;
	return 0;
}
