/* wgf's own known-hosts file (/etc/wgf/known_hosts): OpenSSH's format
 * (sshd(8), SSH_KNOWN_HOSTS FILE FORMAT), the host keys a remote over SSH must
 * present. Plain host patterns ("host", "[host]:port", "*.example.org",
 * comma-separated, "!" to negate) and the @revoked marker; hashed names
 * ("|1|…") and @cert-authority lines never match. Pure. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* "SHA256:…" as ssh-keygen -l prints it: at least this many bytes. */
#define KNOWN_HOSTS_FINGERPRINT_LEN 51

/* Looks up host (port 22: "host", else "[host]:port") for the key blob (the
 * SSH wire encoding, as a server sends it): 0 when a line lists this key;
 * -EKEYREVOKED when a @revoked line does; -EKEYREJECTED when the host has
 * lines but none with this key; -ENOENT when no line names the host. */
int known_hosts_check(const char *text, size_t len, const char *host, unsigned port,
		      const uint8_t *blob, size_t blob_len);

/* The line to add for host and blob ("[host]:port ssh-ed25519 AAAA…\n");
 * NULL on ENOMEM or a blob without a key type. The caller frees it. */
char *known_hosts_line(const char *host, unsigned port, const uint8_t *blob, size_t blob_len);

const char *known_hosts_fingerprint(const uint8_t *blob, size_t blob_len, char *buf);
