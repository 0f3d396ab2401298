/* What render/import.c works out, and render/import_yaml.c writes. */
#pragma once
#include "model/model.h"
#include "render/import.h"

struct imp_host {
	char name[64];
	const struct wgquick_conf *conf;
	uint8_t pub[WG_KEY_LEN];
	enum host_role role;
	bool masquerade;               /* router: a PostUp MASQUERADE */
	struct wgf_endpoint endpoint;  /* family 0: none known */
	struct wgf_prefix *lans;
	size_t n_lans;
	size_t *hubs, n_hubs;          /* attached to these (indices of hosts) */
	size_t *links, n_links;
	bool has_sealing;
	uint8_t sealing[SEAL_KEY_LEN];
};

struct imp_psk {
	size_t hub;
	uint8_t psk[WG_KEY_LEN];
	struct wgf_loc loc;
};

struct imp_peer {
	char name[64];
	uint8_t pub[WG_KEY_LEN];
	const struct wgquick_conf *client;   /* its own file, or NULL */
	const struct wgquick_peer *entry;    /* its entry on its primary hub, or NULL */
	size_t *hubs, n_hubs;
	struct wgf_prefix *addresses, *lans;
	size_t n_addresses, n_lans;
	uint16_t keepalive;
	struct wgf_endpoint endpoint;
	struct imp_psk *psks;
	size_t n_psks;
	bool dns_on_network;           /* its DNS is the Network's */
};

struct imp {
	const struct import_opts *o;
	struct diag *d;
	struct wgquick_conf *const *confs;
	size_t n_confs;
	struct imp_host *hosts;
	size_t n_hosts;
	struct imp_peer *peers;
	size_t n_peers;
	bool has_pool4, has_pool6;
	struct wgf_prefix pool4, pool6;
	/* the Network's settings: the most common of the hosts' */
	const char *ifname;
	uint16_t listen_port;
	uint32_t mtu, fwmark;
	uint16_t keepalive;
	const struct wgquick_conf *dns;      /* the DNS every client file shares, or NULL */
};

/* The repository's files (render/import_yaml.c). 0 or -ENOMEM. */
int import_write_yaml(const struct imp *im, struct import_result *out);
size_t imp_host_of_key(const struct imp *im, const uint8_t pub[WG_KEY_LEN]);
