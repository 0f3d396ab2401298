/* systemd-resolved over D-Bus with sd-bus (libsystemd): talking D-Bus by hand
 * (authentication, marshalling, the reply matching) would be more code and
 * more bugs than the library every systemd host already has. */
#include "reconcile/kernel/dns_resolved.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>

#define RESOLVE1 "org.freedesktop.resolve1"
#define RESOLVE1_PATH "/org/freedesktop/resolve1"
#define MANAGER RESOLVE1 ".Manager"
#define LINK RESOLVE1 ".Link"

int resolved_open(struct sd_bus **bus)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	sd_bus *b = NULL;
	int has = 0, r;

	*bus = NULL;
	r = sd_bus_open_system(&b);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	r = sd_bus_call_method(b, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
			       "NameHasOwner", &e, &reply, "s", RESOLVE1);
	if (r >= 0)
		r = sd_bus_message_read(reply, "b", &has);
	sd_bus_message_unref(reply);
	sd_bus_error_free(&e);
	if (r >= 0 && has)
		*bus = b;
	else
		sd_bus_unref(b);
	return 0;
}

void resolved_close(struct sd_bus *bus)
{
	sd_bus_flush_close_unref(bus);
}

static int bus_fail(struct wgf_error *err, int r, const sd_bus_error *e, const char *what)
{
	return wgf_error_set(err, r, "systemd-resolved %s: %s", what,
			     e && sd_bus_error_is_set(e) && e->message ? e->message : strerror(-r));
}

static int link_path(sd_bus *bus, int ifindex, char **path, struct wgf_error *err)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *p;
	int r;

	r = sd_bus_call_method(bus, RESOLVE1, RESOLVE1_PATH, MANAGER, "GetLink", &e, &reply, "i", ifindex);
	if (r < 0)
		r = bus_fail(err, r, &e, "GetLink");
	else if ((r = sd_bus_message_read(reply, "o", &p)) < 0 || !(*path = strdup(p)))
		r = bus_fail(err, r < 0 ? r : -ENOMEM, NULL, "GetLink");
	sd_bus_message_unref(reply);
	sd_bus_error_free(&e);
	return r < 0 ? r : 0;
}

/* DNS: a(iay), the servers in resolved's order. */
static int read_servers(sd_bus_message *m, struct hs_dns *out)
{
	int r = sd_bus_message_enter_container(m, 'a', "(iay)");

	while (r > 0 && (r = sd_bus_message_enter_container(m, 'r', "iay")) > 0) {
		struct wgf_prefix p = { 0 };
		const void *addr;
		size_t len;
		int family;

		if ((r = sd_bus_message_read(m, "i", &family)) < 0 ||
		    (r = sd_bus_message_read_array(m, 'y', &addr, &len)) < 0 ||
		    (r = sd_bus_message_exit_container(m)) < 0)
			return r;
		if ((family != AF_INET && family != AF_INET6) || len != prefix_addr_len((uint8_t)family))
			continue;
		p.family = (uint8_t)family;
		p.len = (uint8_t)prefix_max_len(p.family);
		memcpy(&p.addr, addr, len);
		if ((r = hs_dns_add_server(out, &p)) < 0)
			return r;
		r = 1;
	}
	return r < 0 ? r : sd_bus_message_exit_container(m);
}

/* Domains: a(sb), b = routing-only. */
static int read_domains(sd_bus_message *m, struct hs_dns *out)
{
	int r = sd_bus_message_enter_container(m, 'a', "(sb)");
	const char *name;
	int routing;

	while (r > 0 && (r = sd_bus_message_read(m, "(sb)", &name, &routing)) > 0) {
		char low[256];
		size_t i = 0;

		/* names are case-insensitive: wgf writes and compares them lower-case */
		for (; name[i] && i < sizeof(low) - 1; i++)
			low[i] = (char)tolower((unsigned char)name[i]);
		low[i] = '\0';
		if (routing)
			r = hs_dns_add_routing(out, low);
		else
			r = hs_dns_add_search(out, low);
		if (r < 0)
			return r;
		r = 1;
	}
	return r < 0 ? r : sd_bus_message_exit_container(m);
}

int resolved_read(sd_bus *bus, const char *ifname, int ifindex, struct hs_dns *out, bool *found,
		  struct wgf_error *err)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL;
	char *path = NULL;
	int def = 0, r;

	*found = false;
	snprintf(out->ifname, sizeof(out->ifname), "%s", ifname);
	r = link_path(bus, ifindex, &path, err);
	if (r < 0)
		return r;
	r = sd_bus_get_property(bus, RESOLVE1, path, LINK, "DNS", &e, &m, "a(iay)");
	if (r < 0 || (r = read_servers(m, out)) < 0) {
		r = bus_fail(err, r, &e, "the link's DNS");
		goto out;
	}
	m = sd_bus_message_unref(m);
	r = sd_bus_get_property(bus, RESOLVE1, path, LINK, "Domains", &e, &m, "a(sb)");
	if (r < 0 || (r = read_domains(m, out)) < 0) {
		r = bus_fail(err, r, &e, "the link's Domains");
		goto out;
	}
	r = sd_bus_get_property_trivial(bus, RESOLVE1, path, LINK, "DefaultRoute", &e, 'b', &def);
	if (r < 0) {
		r = bus_fail(err, r, &e, "the link's DefaultRoute");
		goto out;
	}
	out->default_route = def ? HS_DNS_ROUTE_YES : HS_DNS_ROUTE_NO;
	*found = out->n_servers || out->n_search || out->n_routing;
	r = 0;
out:
	sd_bus_message_unref(m);
	sd_bus_error_free(&e);
	free(path);
	return r;
}

static int call(sd_bus *bus, sd_bus_message *m, const char *what, struct wgf_error *err)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r = sd_bus_call(bus, m, 0, &e, NULL);

	if (r < 0)
		bus_fail(err, r, &e, what);
	sd_bus_error_free(&e);
	return r < 0 ? r : 0;
}

static int set_dns(sd_bus *bus, const struct hs_dns *d, int ifindex, struct wgf_error *err)
{
	sd_bus_message *m = NULL;
	int r;

	r = sd_bus_message_new_method_call(bus, &m, RESOLVE1, RESOLVE1_PATH, MANAGER, "SetLinkDNS");
	if (r >= 0)
		r = sd_bus_message_append(m, "i", ifindex);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(iay)");
	for (size_t i = 0; r >= 0 && i < d->n_servers; i++) {
		const struct wgf_prefix *s = &d->servers[i];

		r = sd_bus_message_open_container(m, 'r', "iay");
		if (r >= 0)
			r = sd_bus_message_append(m, "i", (int)s->family);
		if (r >= 0)
			r = sd_bus_message_append_array(m, 'y', &s->addr, prefix_addr_len(s->family));
		if (r >= 0)
			r = sd_bus_message_close_container(m);
	}
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	r = r < 0 ? bus_fail(err, r, NULL, "SetLinkDNS") : call(bus, m, "SetLinkDNS", err);
	sd_bus_message_unref(m);
	return r;
}

static int set_domains(sd_bus *bus, const struct hs_dns *d, int ifindex, struct wgf_error *err)
{
	sd_bus_message *m = NULL;
	int r;

	r = sd_bus_message_new_method_call(bus, &m, RESOLVE1, RESOLVE1_PATH, MANAGER, "SetLinkDomains");
	if (r >= 0)
		r = sd_bus_message_append(m, "i", ifindex);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(sb)");
	for (size_t i = 0; r >= 0 && i < d->n_search; i++)
		r = sd_bus_message_append(m, "(sb)", d->search[i], 0);
	for (size_t i = 0; r >= 0 && i < d->n_routing; i++)
		r = sd_bus_message_append(m, "(sb)", d->routing[i], 1);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	r = r < 0 ? bus_fail(err, r, NULL, "SetLinkDomains") : call(bus, m, "SetLinkDomains", err);
	sd_bus_message_unref(m);
	return r;
}

int resolved_revert(sd_bus *bus, int ifindex, struct wgf_error *err)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r = sd_bus_call_method(bus, RESOLVE1, RESOLVE1_PATH, MANAGER, "RevertLink", &e, NULL, "i", ifindex);

	if (r < 0)
		bus_fail(err, r, &e, "RevertLink");
	sd_bus_error_free(&e);
	return r < 0 ? r : 0;
}

int resolved_set(sd_bus *bus, const struct hs_dns *d, int ifindex, struct wgf_error *err)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r = 0;

	if (d->default_route == HS_DNS_ROUTE_AUTO)
		r = resolved_revert(bus, ifindex, err);
	if (r >= 0)
		r = set_dns(bus, d, ifindex, err);
	if (r >= 0)
		r = set_domains(bus, d, ifindex, err);
	if (r >= 0 && d->default_route != HS_DNS_ROUTE_AUTO) {
		r = sd_bus_call_method(bus, RESOLVE1, RESOLVE1_PATH, MANAGER, "SetLinkDefaultRoute", &e, NULL, "ib",
				       ifindex, d->default_route == HS_DNS_ROUTE_YES);
		if (r < 0)
			bus_fail(err, r, &e, "SetLinkDefaultRoute");
	}
	sd_bus_error_free(&e);
	return r < 0 ? r : 0;
}
