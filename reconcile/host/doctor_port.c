/* wgf doctor: the listen port, held by the interface or taken by another socket. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reconcile/host/doctor.h"
#include "reconcile/host/fileio.h"

#define PORT_SOCKETS_MAX 8

/* The process holding socket inode (its name and pid into buf), by /proc/PID/fd. */
static bool socket_owner(uint64_t inode, char *buf, size_t len)
{
	char want[48], path[600], link[64], comm[64] = "";
	DIR *proc = opendir("/proc"), *fds;
	struct dirent *p, *f;
	bool found = false;

	snprintf(want, sizeof(want), "socket:[%llu]", (unsigned long long)inode);
	while (proc && !found && (p = readdir(proc))) {
		if (!isdigit((unsigned char)p->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		if (!(fds = opendir(path)))
			continue;
		while (!found && (f = readdir(fds))) {
			ssize_t n;
			snprintf(path, sizeof(path), "/proc/%s/fd/%s", p->d_name, f->d_name);
			n = readlink(path, link, sizeof(link) - 1);
			found = n > 0 && (link[n] = '\0', !strcmp(link, want));
		}
		closedir(fds);
		if (found) {
			char *text = NULL;
			size_t tl = 0;
			snprintf(path, sizeof(path), "/proc/%s/comm", p->d_name);
			if (fileio_read(path, &text, &tl) == 0)
				snprintf(comm, sizeof(comm), "%.*s", (int)strcspn(text, "\n"), text);
			free(text);
			snprintf(buf, len, "%.32s, pid %.16s", *comm ? comm : "?", p->d_name);
		}
	}
	if (proc)
		closedir(proc);
	return found;
}

static int sockets_on(const char *table, uint16_t port, struct doctor_udp_socket *out, size_t max)
{
	char *text = NULL;
	size_t len = 0;
	int n = fileio_read(table, &text, &len);

	if (n == 0)
		n = doctor_udp_parse(text, len, port, out, max);
	free(text);
	return n;
}

void doctor_check_port(const struct doctor_ctx *c, struct doctor_result *r)
{
	const struct hs_device *d = doctor_observed_device(c);
	struct doctor_udp_socket s[PORT_SOCKETS_MAX];
	uint16_t port = c->host->listen_port;
	int n4, n6;

	if (!port) {
		doctor_say(r, DOCTOR_OK, "no listen port: the kernel picks one");
		return;
	}
	if (d && d->listen_port == port) {
		doctor_say(r, DOCTOR_OK, "UDP port %u is held by %s", port, d->ifname);
		return;
	}
	n4 = sockets_on("/proc/net/udp", port, s, PORT_SOCKETS_MAX);
	n6 = sockets_on("/proc/net/udp6", port, s + (n4 > 0 ? n4 : 0),
			PORT_SOCKETS_MAX - (size_t)(n4 > 0 ? (n4 < PORT_SOCKETS_MAX ? n4 : PORT_SOCKETS_MAX) : 0));
	if (n4 < 0 && n6 < 0) {
		doctor_say(r, DOCTOR_WARNING, "/proc/net/udp cannot be read: whether UDP port %u is free is unknown", port);
		return;
	}
	n4 = (n4 > 0 ? n4 : 0) + (n6 > 0 ? n6 : 0);
	if (!n4) {
		doctor_say(r, DOCTOR_OK, "UDP port %u is free%s", port, d ? "" : " for the interface wgf apply creates");
		if (d)
			doctor_append(r, "but %s listens on %u", d->ifname, d->listen_port);
		return;
	}
	doctor_say(r, DOCTOR_PROBLEM, "UDP port %u is taken by %d socket%s not %s's", port, n4, n4 == 1 ? "" : "s",
		   c->host->ifname);
	for (int i = 0; i < n4 && i < PORT_SOCKETS_MAX; i++) {
		char who[128];
		if (s[i].inode && socket_owner(s[i].inode, who, sizeof(who)))
			doctor_append(r, "%s (uid %u)", who, s[i].uid);
		else
			doctor_append(r, "inode %llu (uid %u)", (unsigned long long)s[i].inode, s[i].uid);
	}
	doctor_hint(r, "stop what holds it, or give the Host another listenPort");
}
