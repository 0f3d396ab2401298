/* wg-quick configuration files (wg-quick(8), wg(8) CONFIGURATION FILE FORMAT),
 * parsed as outside input for `wgf import wg-quick`.
 *
 * Keys are matched without regard to case, as wg-quick and wg do; a '#' starts a
 * comment anywhere on a line; blank lines and CRLF line ends are fine. Comment
 * lines also give names: in a [Peer] section, or in the comment lines right
 * before its header, "# Name = x", "# friendly_name = x", wg-easy's
 * "# Client: x (id)", wg-portal's "# -WGP- Display name: x" and PiVPN's
 * "### begin x ###"; in [Interface] the same give the host's name.
 *
 * Every problem goes to the diag as file:line:col with the bad value quoted,
 * except a private or preshared key, which is never quoted. Unknown keys are
 * warnings. The text is not kept: a private key and PSKs are copied into the
 * result (zeroed by wgquick_conf_free) and the buffers used while parsing are
 * zeroed too. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/diag.h"
#include "model/key.h"
#include "model/prefix.h"

#define WGQ_MAX_SIZE   (4u << 20)   /* bytes of one file */
#define WGQ_MAX_LINE   65536        /* bytes of one line */
#define WGQ_MAX_PEERS  100000
#define WGQ_MAX_LIST   10000        /* entries of one list (Address, DNS, AllowedIPs of a peer) */
#define WGQ_MAX_HOOKS  256
#define WGQ_MAX_HOOK_LEN 4096

enum wgquick_hook_kind { WGQ_PRE_UP, WGQ_POST_UP, WGQ_PRE_DOWN, WGQ_POST_DOWN };

struct wgquick_hook {
	enum wgquick_hook_kind kind;
	char *command;                 /* as written */
	struct wgf_loc loc;            /* the key */
};

struct wgquick_peer {
	struct wgf_loc loc;            /* the [Peer] line */
	char *name;                    /* from a comment (as written), or NULL */
	struct wgf_loc name_loc;
	bool has_public_key;
	uint8_t public_key[WG_KEY_LEN];
	struct wgf_loc public_key_loc;
	bool has_psk;                  /* an all-zero PSK is none */
	uint8_t psk[WG_KEY_LEN];       /* secret */
	struct wgf_loc psk_loc;
	struct wgf_prefix *allowed_ips;
	size_t n_allowed_ips;
	struct wgf_loc allowed_ips_loc;
	struct wgf_endpoint endpoint;  /* a numeric endpoint; family 0 = none */
	char *endpoint_host;           /* a host name endpoint as written ("vpn.example.com:51820"), or NULL */
	struct wgf_loc endpoint_loc;
	bool has_keepalive;
	uint16_t keepalive;            /* 0 = off */
	struct wgf_loc keepalive_loc;
};

struct wgquick_conf {
	char *file;                    /* owned; every loc points at it */
	char *ifname;                  /* from the file name as wg-quick takes it (NAME.conf), or NULL */
	struct wgf_loc interface_loc;  /* the [Interface] line (line 0: none) */
	char *name;                    /* from a comment of [Interface], or NULL */
	struct wgf_loc name_loc;
	bool has_private_key;
	uint8_t private_key[WG_KEY_LEN];   /* secret */
	struct wgf_loc private_key_loc;
	struct wgf_prefix *addresses;  /* with their prefix length; a bare address is /32 or /128 */
	size_t n_addresses;
	struct wgf_loc address_loc;
	struct wgf_prefix *dns_servers;    /* /32 or /128 */
	size_t n_dns_servers;
	char **dns_search;
	size_t n_dns_search;
	struct wgf_loc dns_loc;
	bool has_mtu;
	uint32_t mtu;
	struct wgf_loc mtu_loc;
	bool has_listen_port;
	uint16_t listen_port;
	struct wgf_loc listen_port_loc;
	bool has_fwmark;
	uint32_t fwmark;               /* 0 = off */
	struct wgf_loc fwmark_loc;
	char *table;                   /* as written ("off", "auto", a number), or NULL */
	struct wgf_loc table_loc;
	bool has_save_config;
	bool save_config;
	struct wgf_loc save_config_loc;
	struct wgquick_hook *hooks;
	size_t n_hooks;
	struct wgquick_peer *peers;
	size_t n_peers;
};

/* Parses text (len bytes, need not be NUL-terminated) read from file (used for
 * messages and, like wg-quick, for the interface name). Returns true and *out when
 * there was no error (warnings may be in d); false with every error in d and *out
 * NULL otherwise (-ENOMEM: an error without a location). */
bool wgquick_parse(const char *file, const char *text, size_t len, struct wgquick_conf **out, struct diag *d);
void wgquick_conf_free(struct wgquick_conf *c);

/* The peer of c with this public key, or NULL. */
const struct wgquick_peer *wgquick_find_peer(const struct wgquick_conf *c, const uint8_t pub[WG_KEY_LEN]);
const char *wgquick_hook_name(enum wgquick_hook_kind k);
/* The name in one comment line's text (after the '#'), or false. Writes at most
 * len - 1 characters of it into buf. */
bool wgquick_comment_name(const char *comment, char *buf, size_t len);
