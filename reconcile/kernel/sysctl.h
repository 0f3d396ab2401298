#pragma once
#include <stdbool.h>
#include <stddef.h>

/* sysctl by dotted key ("net.ipv4.ip_forward") through /proc/sys. */
int sysctl_read(const char *key, char *buf, size_t len);
int sysctl_write(const char *key, const char *value);
