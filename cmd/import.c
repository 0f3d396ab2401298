/* wgf import wg-quick FILE... | interface IF: a repository from what runs today. */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include "cmd/peer.h"
#include "cmd/wgf.h"
#include "model/str.h"
#include "model/wgquick.h"
#include "reconcile/host/fileio.h"
#include "reconcile/host/keyfile.h"
#include "reconcile/host/observe.h"
#include "render/import.h"

#define IMPORT_MAX_FILES 1000
#define IMPORT_MAX_KEYS 1000

static const char help[] =
	"Usage: wgf import wg-quick FILE... -o DIR [options]\n"
	"       wgf import interface IF -o DIR [--name HOST] [options]\n\n"
	"Turns wg-quick configurations (wg-quick FILE...: a server's, other servers', clients')\n"
	"or a running WireGuard device of this host (interface IF) into a wgf repository in\n"
	"DIR: a Network (pools from the addresses, port, MTU, keepalive, DNS), a Host per\n"
	"server (a file with a ListenPort or peers without an Endpoint; role hub, exit when\n"
	"PostUp masquerades; its DNS = line its dns), hosts that list each other in the mesh (or hubs and links),\n"
	"every other [Peer] a Peer (names from comments such as `# Name = x`, else\n"
	"peer-<key>), preshared keys sealed to their hub and to the Operator. No private\n"
	"key is written: the output says how to install each host's as /etc/wgf/private.key.\n"
	"What wgf does differently (PostUp/PreDown hooks, Table, SaveConfig, host name\n"
	"endpoints) is a warning at file:line:col that says what to do instead.\n\n"
	"  -o, --output DIR          where to write (must be empty or missing; --force)\n"
	"  --network NAME            the Network's name (default wg)\n"
	"  --identity FILE           an operator's identity (X25519, as `wgf operator init`\n"
	"                            writes it; default $WGF_IDENTITY, else\n"
	"                            ~/.config/wgf/identity when it exists): its public half\n"
	"                            makes an Operator, and every preshared key is sealed to it\n"
	"  --operator NAME           that Operator's name (default: the login name)\n"
	"  --sealing-key HOST=KEY    a Host's sealing public key (`wgf host pubkey --sealing`):\n"
	"                            preshared keys of its peers are sealed to it (repeatable)\n"
	"  --sealing-key-file FILE   this host's sealing key (default sealing.key beside the\n"
	"                            key file, $WGF_SEALING_KEY_FILE, as `wgf host init` made it):\n"
	"                            used for the Host that is this machine (its key file's\n"
	"                            public key, the interface imported, or the host name)\n"
	"  --key-file FILE           this host's WireGuard key (default /etc/wgf/private.key,\n"
	"                            $WGF_KEY_FILE)\n"
	"  --endpoint HOST=IP:PORT   where peers reach HOST, when no file says (repeatable)\n"
	"  --pool PREFIX             an address pool instead of the one derived (per family)\n"
	"  --name HOST               interface: the Host's name (default: the host name)\n"
	"  --force                   write into a directory that is not empty\n"
	"  -h, --help                this help\n\n"
	"Exit: 0 written (warnings allowed), 1 error (nothing written).\n";

enum { OPT_NETWORK = 0x200, OPT_IDENTITY, OPT_OPERATOR, OPT_SEALING_KEY, OPT_ENDPOINT, OPT_POOL, OPT_NAME };

struct import_args {
	const char *out, *identity, *sealing_key_file, *key_file, *name;
	bool force;
	struct import_opts o;
	struct import_sealing_key keys[IMPORT_MAX_KEYS];
	struct import_endpoint endpoints[IMPORT_MAX_KEYS];
	char operator_name[64];
	char hostname[64];
	char sealing_key_buf[4096], identity_buf[4096];
};

/* "HOST=VALUE": HOST and the value after '='. */
static const char *split_assign(char *arg, const char *opt)
{
	char *eq = strchr(arg, '=');

	if (!eq || eq == arg) {
		cmd_error("--%s wants HOST=VALUE, not \"%s\"", opt, arg);
		return NULL;
	}
	*eq = '\0';
	return eq + 1;
}

static int take_option(struct import_args *a, int opt, char *arg)
{
	const char *v;

	switch (opt) {
	case 'o': a->out = arg; return 0;
	case OPT_NETWORK: a->o.network = arg; return 0;
	case OPT_IDENTITY: a->identity = arg; return 0;
	case OPT_OPERATOR: a->o.operator_name = arg; return 0;
	case OPT_SEALING_KEY_FILE: a->sealing_key_file = arg; return 0;
	case OPT_KEY_FILE: a->key_file = arg; return 0;
	case OPT_NAME: a->name = arg; return 0;
	case OPT_FORCE: a->force = true; return 0;
	case OPT_SEALING_KEY:
		if (!(v = split_assign(arg, "sealing-key")) || a->o.n_sealing_keys >= IMPORT_MAX_KEYS)
			return -1;
		if (!key_from_base64(v, a->keys[a->o.n_sealing_keys].sealing_key)) {
			cmd_error("--sealing-key %s=: not a key (44 characters of base64)", arg);
			return -1;
		}
		a->keys[a->o.n_sealing_keys].origin = "--sealing-key";
		a->keys[a->o.n_sealing_keys++].host = arg;
		return 0;
	case OPT_ENDPOINT:
		if (!(v = split_assign(arg, "endpoint")) || a->o.n_endpoints >= IMPORT_MAX_KEYS)
			return -1;
		if (!endpoint_parse(v, &a->endpoints[a->o.n_endpoints].endpoint)) {
			cmd_error("--endpoint %s=%s: not ADDRESS:PORT or [IPv6]:PORT", arg, v);
			return -1;
		}
		a->endpoints[a->o.n_endpoints++].host = arg;
		return 0;
	case OPT_POOL: {
		struct wgf_prefix p;
		if (!prefix_parse(arg, false, &p) || !prefix_is_network(&p)) {
			cmd_error("--pool %s: not a network prefix (such as 10.40.0.0/24)", arg);
			return -1;
		}
		if (p.family == AF_INET6)
			a->o.has_pool6 = true, a->o.pool6 = p;
		else
			a->o.has_pool4 = true, a->o.pool4 = p;
		return 0;
	}
	}
	return -1;
}

static int parse_args(struct import_args *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' }, { "network", required_argument, NULL, OPT_NETWORK },
		{ "identity", required_argument, NULL, OPT_IDENTITY }, { "operator", required_argument, NULL, OPT_OPERATOR },
		{ "sealing-key", required_argument, NULL, OPT_SEALING_KEY },
		{ "sealing-key-file", required_argument, NULL, OPT_SEALING_KEY_FILE },
		{ "key-file", required_argument, NULL, OPT_KEY_FILE }, { "endpoint", required_argument, NULL, OPT_ENDPOINT },
		{ "pool", required_argument, NULL, OPT_POOL }, { "name", required_argument, NULL, OPT_NAME },
		{ "force", no_argument, NULL, OPT_FORCE }, { "help", no_argument, NULL, 'h' }, { 0 }
	};
	int opt;

	a->sealing_key_file = getenv("WGF_SEALING_KEY_FILE");
	a->key_file = getenv("WGF_KEY_FILE") ? getenv("WGF_KEY_FILE") : WGF_DEFAULT_KEY_FILE;
	a->o.sealing_keys = a->keys;
	a->o.endpoints = a->endpoints;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		if (opt == 'h') {
			fputs(help, stdout);
			return 0;
		}
		if (opt == '?' || take_option(a, opt, optarg) < 0) {
			fprintf(stderr, "Run `wgf import --help` for the options.\n");
			return -1;
		}
	}
	if (optind + 2 > argc || (strcmp(argv[optind], "wg-quick") && strcmp(argv[optind], "interface")) ||
	    (!strcmp(argv[optind], "interface") && optind + 2 != argc) || !a->out) {
		fputs(help, stderr);
		return -1;
	}
	if (!a->sealing_key_file && keyfile_beside(a->key_file, KEYFILE_SEALING_NAME, a->sealing_key_buf,
						    sizeof(a->sealing_key_buf)) == 0)
		a->sealing_key_file = a->sealing_key_buf;
	if (a->o.network) {
		char safe[64];
		import_name_safe(a->o.network, "net-", safe);
		if (strcmp(safe, a->o.network)) {
			cmd_error("--network %s: a name is 1-63 of a-z, 0-9 and -, starting with a letter (%s?)",
				  a->o.network, safe);
			return -1;
		}
	}
	/* without --identity: $WGF_IDENTITY, else ~/.config/wgf/identity, when there is one */
	if (!a->identity && (a->identity = peer_identity_path(NULL, a->identity_buf, sizeof(a->identity_buf))) &&
	    access(a->identity, F_OK) < 0 && errno == ENOENT)
		a->identity = NULL;
	if (a->o.operator_name && !a->identity) {
		cmd_error("--operator needs --identity FILE (the operator's key)");
		return -1;
	}
	return 1;
}

/* The Operator from the identity file's public half. */
static int load_identity(struct import_args *a)
{
	uint8_t priv[SEAL_KEY_LEN];
	const char *user = getenv("USER") ? getenv("USER") : getenv("LOGNAME");
	int r;

	if (!a->identity)
		return 0;
	r = keyfile_read(a->identity, priv);
	if (r == 0)
		r = seal_public_from_private(a->o.operator_key, priv);
	sodium_memzero(priv, sizeof(priv));
	if (r < 0) {
		cmd_error("%s: %s", a->identity, keyfile_strerror(r));
		return -1;
	}
	import_name_safe(a->o.operator_name ? a->o.operator_name : user ? user : "operator", "op-", a->operator_name);
	if (a->o.operator_name && strcmp(a->o.operator_name, a->operator_name)) {
		cmd_error("--operator %s: a name is 1-63 of a-z, 0-9 and -, starting with a letter (%s?)",
			  a->o.operator_name, a->operator_name);
		return -1;
	}
	a->o.operator_name = a->operator_name;
	return 0;
}

/* This machine's sealing key, for the Host that is this machine: the one whose
 * publicKey is that of the key file (or of the interface imported), else the
 * one named like this machine. */
static int load_local_sealing_key(struct import_args *a, const uint8_t *device_pub)
{
	uint8_t priv[SEAL_KEY_LEN], pub[SEAL_KEY_LEN], wg[WG_KEY_LEN];
	bool by_key = false;
	int r = keyfile_read(a->sealing_key_file, priv);

	if (r == -ENOENT)
		return 0;
	if (r == 0)
		r = seal_public_from_private(pub, priv);
	sodium_memzero(priv, sizeof(priv));
	if (r < 0) {
		cmd_error("%s: %s", a->sealing_key_file, keyfile_host_strerror(r));
		return -1;
	}
	if (device_pub) {
		memcpy(wg, device_pub, WG_KEY_LEN);
		by_key = true;
	} else if (keyfile_read(a->key_file, priv) == 0) {
		by_key = key_public_from_private(wg, priv) == 0;
		sodium_memzero(priv, sizeof(priv));
	}
	for (int i = 0; i < 2 && a->o.n_sealing_keys < IMPORT_MAX_KEYS; i++) {
		struct import_sealing_key *k = &a->keys[a->o.n_sealing_keys];

		if (i == 0 && !by_key)
			continue;
		if (i == 1) {
			char host[256] = "";
			if (gethostname(host, sizeof(host) - 1) < 0 || !host[0])
				continue;
			import_name_safe(host, "host-", a->hostname);
			k->host = a->hostname;
		} else {
			memcpy(k->wg_public, wg, WG_KEY_LEN);
		}
		memcpy(k->sealing_key, pub, SEAL_KEY_LEN);
		k->origin = a->sealing_key_file;
		a->o.n_sealing_keys++;
	}
	return 0;
}

static void free_confs(struct wgquick_conf **confs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		wgquick_conf_free(confs[i]);
	free(confs);
}

/* Each FILE parsed; every problem of every file said. */
static int read_confs(char **files, size_t n, struct wgquick_conf ***out, struct diag *d)
{
	struct wgquick_conf **confs = calloc(n ? n : 1, sizeof(*confs));
	bool ok = confs != NULL;

	if (n > IMPORT_MAX_FILES) {
		cmd_error("more than %u files", IMPORT_MAX_FILES);
		ok = false;
	}
	for (size_t i = 0; ok && i < n; i++) {
		char *text = NULL;
		size_t len = 0;
		int r = fileio_read_regular(files[i], WGQ_MAX_SIZE, &text, &len);

		if (r < 0) {
			struct wgf_loc at = { files[i], 0, 0 };
			diag_add(d, &at, "%s", r == -EFBIG ? "larger than 4 MiB: not a wg-quick configuration" :
				 r == -EINVAL ? "not a regular file (a symbolic link, FIFO, device or directory is not read)" :
				 strerror(-r));
			continue;
		}
		wgquick_parse(files[i], text, len, &confs[i], d);
		sodium_memzero(text, len);
		free(text);
	}
	for (size_t i = 0; ok && i < n; i++)
		ok = confs[i] != NULL;
	if (!ok) {
		free_confs(confs, n);
		return -1;
	}
	*out = confs;
	return 0;
}

/* A running device, as if it were a wg-quick file: its key, port, fwmark, MTU,
 * addresses and peers (their endpoints are where they roamed: not kept). */
static int conf_from_device(const struct hs_device *dev, const char *name, struct wgquick_conf **out)
{
	struct wgquick_conf *c = calloc(1, sizeof(*c));

	if (!c || !(c->file = str_printf("interface %s", dev->ifname)) || !(c->ifname = strdup(dev->ifname)) ||
	    !(c->name = strdup(name)))
		goto oom;
	c->interface_loc.file = c->file;
	c->has_private_key = dev->has_private_key;
	memcpy(c->private_key, dev->private_key, WG_KEY_LEN);
	c->has_listen_port = dev->listen_port != 0;
	c->listen_port = dev->listen_port;
	c->has_fwmark = dev->fwmark != 0;
	c->fwmark = dev->fwmark;
	c->has_mtu = dev->mtu != 0;
	c->mtu = dev->mtu;
	if (dev->n_addresses && !(c->addresses = calloc(dev->n_addresses, sizeof(*c->addresses))))
		goto oom;
	memcpy(c->addresses, dev->addresses, dev->n_addresses * sizeof(*c->addresses));
	c->n_addresses = dev->n_addresses;
	if (dev->n_peers && !(c->peers = calloc(dev->n_peers, sizeof(*c->peers))))
		goto oom;
	for (size_t i = 0; i < dev->n_peers; i++, c->n_peers++) {
		const struct hs_peer *hp = &dev->peers[i];
		struct wgquick_peer *p = &c->peers[i];

		p->loc.file = c->file;
		p->has_public_key = true;
		memcpy(p->public_key, hp->public_key, WG_KEY_LEN);
		p->has_psk = hp->has_psk;
		memcpy(p->psk, hp->psk, WG_KEY_LEN);
		p->psk_loc = p->allowed_ips_loc = p->loc;
		p->has_keepalive = hp->keepalive != 0;
		p->keepalive = hp->keepalive;
		if (hp->n_allowed_ips && !(p->allowed_ips = calloc(hp->n_allowed_ips, sizeof(*p->allowed_ips))))
			goto oom;
		memcpy(p->allowed_ips, hp->allowed_ips, hp->n_allowed_ips * sizeof(*p->allowed_ips));
		p->n_allowed_ips = hp->n_allowed_ips;
	}
	*out = c;
	return 0;
oom:
	wgquick_conf_free(c);
	return -ENOMEM;
}

static int observe_interface(const char *ifname, const char *name, struct wgquick_conf **out)
{
	const char *names[] = { ifname };
	struct observe_opts oo = { .ifnames = names, .n_ifnames = 1 };
	struct wgf_error err = {0};
	struct host_state *hs = NULL;
	struct kernel *k = NULL;
	struct hs_device *dev;
	int r;

	if (strlen(ifname) >= IFNAMSIZ || strchr(ifname, '/')) {
		cmd_error("\"%s\" is not an interface name", ifname);
		return -1;
	}
	if ((r = kernel_open(&k, &err)) < 0 || (r = observe_host(k, &oo, &hs, &err)) < 0) {
		cmd_error("observing %s: %s", ifname, wgf_error_is_set(&err) ? wgf_error_message(&err) : strerror(-r));
		goto out;
	}
	dev = hoststate_find_device(hs, ifname);
	if (!dev || !dev->exists) {
		cmd_error("there is no WireGuard interface %s here", ifname);
		r = -ENODEV;
		goto out;
	}
	if ((r = conf_from_device(dev, name, out)) < 0)
		cmd_error("%s", strerror(-r));
out:
	wgf_error_clear(&err);
	hoststate_free(hs);
	kernel_free(k);
	return r < 0 ? -1 : 0;
}

static int check_output_dir(const char *dir, bool force)
{
	DIR *dh = opendir(dir);
	struct dirent *e;
	bool empty = true;

	if (!dh)
		return errno == ENOENT ? 0 : (cmd_error("%s: %s", dir, strerror(errno)), -1);
	while ((e = readdir(dh)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = false;
	closedir(dh);
	if (!empty && !force) {
		cmd_error("%s is not empty: give an empty directory, or --force to write into it", dir);
		return -1;
	}
	return 0;
}

/* mkdir -p for the directories of path (0755: a repository is no secret). */
static int make_dirs(char *path)
{
	for (char *s = path + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			cmd_error("creating %s: %s", path, strerror(errno));
			*s = '/';
			return -1;
		}
		*s = '/';
	}
	return 0;
}

/* The result loads and validates as wgf would, before anything is written
 * (*out: the model, to check the adoption with). */
static int validate_result(const struct import_result *res, struct model **out)
{
	const char **names = calloc(res->n_files, sizeof(*names)), **bufs = calloc(res->n_files, sizeof(*bufs));
	size_t *lens = calloc(res->n_files, sizeof(*lens));
	struct model *m = NULL;
	struct diag d;
	int r = -ENOMEM;

	diag_init(&d);
	if (!names || !bufs || !lens)
		goto out;
	for (size_t i = 0; i < res->n_files; i++) {
		names[i] = res->files[i].path;
		bufs[i] = res->files[i].text;
		lens[i] = strlen(res->files[i].text);
	}
	r = model_load_buffers(names, bufs, lens, res->n_files, &m, &d);
	if (r < 0) {
		cmd_error("the imported repository does not validate (nothing written):");
		diag_print(&d, stderr);
	}
	*out = m;
	m = NULL;
out:
	diag_free(&d);
	free(names);
	free(bufs);
	free(lens);
	return r < 0 ? -1 : 0;
}

static int write_result(const char *dir, const struct import_result *res)
{
	for (size_t i = 0; i < res->n_files; i++) {
		char *path = str_printf("%s/%s", dir, res->files[i].path);
		int r;

		if (!path || make_dirs(path) < 0) {
			free(path);
			return -1;
		}
		r = fileio_write(path, res->files[i].text, strlen(res->files[i].text), 0644);
		if (r == 0 && chmod(path, 0644) < 0)   /* not the umask's: a repository is no secret */
			r = -errno;
		if (r < 0)
			cmd_error("writing %s: %s", path, strerror(-r));
		free(path);
		if (r < 0)
			return -1;
	}
	return 0;
}

static void print_result(const char *dir, const struct import_result *res, bool running)
{
	char b64[WG_KEY_B64_LEN], pf[PREFIX_STRLEN];

	printf("Wrote %s: 1 network, %zu host%s, %zu peer%s, %zu preshared key%s sealed.\n", dir, res->n_hosts,
	       res->n_hosts == 1 ? "" : "s", res->n_peers, res->n_peers == 1 ? "" : "s", res->n_psks,
	       res->n_psks == 1 ? "" : "s");
	for (size_t i = 0; i < res->n_hosts; i++) {
		const struct import_host *h = &res->hosts[i];

		printf("\nHost %s (%s): its private key is not in the repository. On that host, install it\n"
		       "for wgf%s:\n", h->name, h->source, running ? "" : " while wg-quick runs it");
		if (h->ifname)
			printf("  (umask 077; mkdir -p /etc/wgf; wg show %s private-key > /etc/wgf/private.key)\n", h->ifname);
		else
			printf("  (umask 077; mkdir -p /etc/wgf; sed -n 's/^[[:space:]]*[Pp]rivate[Kk]ey[[:space:]]*="
			       "[[:space:]]*\\([^[:space:]#]*\\).*/\\1/p' %s > /etc/wgf/private.key)\n", h->source);
		printf("  wgf host pubkey     # must print %s\n", key_to_base64(h->public_key, b64));
		if (!h->has_sealing_key)
			printf("  wgf host init       # its sealing key, for secrets sealed to it: put what\n"
			       "                      # `wgf host pubkey --sealing` prints in hosts/%s.yaml as sealingKey\n",
			       h->name);
		if (!h->n_routes || !h->ifname)
			continue;
		printf("and hand the routes wg-quick made over to wgf (atomic: no packet is lost; wgf\n"
		       "never touches a route it did not make, protocol 157):\n");
		for (size_t j = 0; j < h->n_routes; j++)
			printf("  ip %s route replace %s dev %s proto 157\n", h->routes[j].family == AF_INET6 ? "-6" : "-4",
			       prefix_format(&h->routes[j], pf), h->ifname);
	}
	printf("\nThen `wgf plan --host NAME %s` on each host shows what wgf would change.\n", dir);
}

int cmd_import(int argc, char **argv)
{
	struct import_args *a = calloc(1, sizeof(*a));
	struct import_result res = {0};
	struct wgquick_conf **confs = NULL;
	struct model *m = NULL;
	size_t n = 0;
	bool running;
	struct diag d;
	int r, ret = EXIT_ERROR;

	diag_init(&d);
	if (!a || (r = parse_args(a, argc, argv)) <= 0) {
		free(a);
		return a && r == 0 ? EXIT_OK : EXIT_ERROR;
	}
	running = !strcmp(argv[optind], "interface");
	if (check_output_dir(a->out, a->force) < 0 || load_identity(a) < 0)
		goto out;
	if (running) {
		char host[256] = "", name[64];
		uint8_t pub[WG_KEY_LEN];

		if (!a->name && gethostname(host, sizeof(host) - 1) < 0)
			strcpy(host, "host");
		import_name_safe(a->name ? a->name : host, "host-", name);
		if (!(confs = calloc(1, sizeof(*confs))) || observe_interface(argv[optind + 1], name, &confs[0]) < 0)
			goto out;
		n = 1;
		if (key_public_from_private(pub, confs[0]->private_key) < 0 || load_local_sealing_key(a, pub) < 0)
			goto out;
	} else {
		n = (size_t)(argc - optind - 1);
		if (read_confs(argv + optind + 1, n, &confs, &d) < 0) {
			n = 0;
			goto out;
		}
		if (load_local_sealing_key(a, NULL) < 0)
			goto out;
	}
	a->o.running = running;
	r = import_build(confs, n, &a->o, &res, &d);
	if (r == 0 && validate_result(&res, &m) == 0)
		r = import_check_adoption(m, confs, n, &d);
	else
		r = -EINVAL;
	diag_sort(&d);
	diag_print(&d, stderr);
	diag_free(&d);
	if (r < 0 || write_result(a->out, &res) < 0)
		goto out;
	print_result(a->out, &res, running);
	ret = EXIT_OK;
out:
	diag_print(&d, stderr);
	diag_free(&d);
	import_result_clear(&res);
	model_free(m);
	free_confs(confs, n);
	sodium_memzero(a, sizeof(*a));
	free(a);
	return ret;
}
