/* What a name, an interface name or a label may be. */
#include "model/model_names.h"

#include <net/if.h>
#include <string.h>

#include "model/model.h"

bool model_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > MODEL_NAME_MAX || s[0] < 'a' || s[0] > 'z' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

bool model_ifname_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n >= IFNAMSIZ || !is_alpha(s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

/* Names that exist on every Linux host, or that the kernel keeps for itself:
 * wgf owns the interfaces it is given, and writes sysctls under their names. */
const char *model_ifname_reserved(const char *s)
{
	static const struct {
		const char *name, *why;
	} reserved[] = {
		{ "lo", "it is the loopback interface every host has" },
		{ "all", "net.ipv4.conf.all and net.ipv6.conf.all set every interface's sysctls" },
		{ "default", "net.ipv4.conf.default and net.ipv6.conf.default are the sysctls of new interfaces" },
		{ "bonding_masters", "/sys/class/net/bonding_masters is the bonding driver's control file" },
	};

	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (!strcmp(s, reserved[i].name))
			return reserved[i].why;
	return NULL;
}

bool model_label_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 63 || !is_alnum(s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}
