/* The UDP sockets of /proc/net/udp and udp6 bound to one port (render/doctor.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "render/doctor.h"

#define UDP_LINE_MAX 512

/* One table line: "sl: LOCAL:PORT REMOTE:PORT st tx:rx tr:when retr uid timeout inode …". */
static bool udp_line(const char *line, struct doctor_udp_socket *s)
{
	char local[40];
	unsigned port, uid;
	unsigned long long inode;

	if (sscanf(line, " %*u: %39[0-9A-Fa-f]:%4x %*s %*x %*s %*s %*s %u %*u %llu", local, &port, &uid, &inode) != 4)
		return false;
	if (strlen(local) != 8 && strlen(local) != 32)
		return false;
	*s = (struct doctor_udp_socket){ .port = (uint16_t)port, .uid = uid, .inode = inode };
	return true;
}

int doctor_udp_parse(const char *text, size_t len, uint16_t port, struct doctor_udp_socket *out, size_t max)
{
	size_t at = 0, n = 0;
	bool header = true;

	while (at < len) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t l = (nl ? (size_t)(nl - text) : len) - at;
		char line[UDP_LINE_MAX];
		struct doctor_udp_socket s;
		if (l >= sizeof(line) || memchr(text + at, '\0', l))
			return -EBADMSG;
		memcpy(line, text + at, l);
		line[l] = '\0';
		at += l + 1;
		if (header) {
			if (!strstr(line, "local_address"))
				return -EBADMSG;
			header = false;
			continue;
		}
		if (!l)
			continue;
		if (!udp_line(line, &s))
			return -EBADMSG;
		if (s.port != port || !port)
			continue;
		if (n < max)
			out[n] = s;
		n++;
	}
	if (header)
		return -EBADMSG;
	return n > INT32_MAX ? INT32_MAX : (int)n;
}
