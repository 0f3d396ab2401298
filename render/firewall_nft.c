/* A compiled network -> one host's `table inet wgf` body and readable summary.
 *
 * Layout (sets and maps first, then chains, as `nft list` prints them):
 *   s<k>_tun4/6, s<k>_lan4/6   scope k's tunnel space and LANs (0 = shared)
 *   c<j>_lan4/6                lan-only class j's own LANs
 *   c<j>_dns4/6                internet-only class j's DNS servers (on its exits or group hub)
 *   internet_only4/6           internet-only peers' addresses: only policy rules reach them
 *   r<n>_src4/6, r<n>_dst4/6   policy rule n's selectors
 *   internal4/6, own_lans4/6   not-the-internet (exits), this router's LANs
 *   via_exit4/6                sources this host sends to the internet through exit groups
 *   src4/6                     source address -> jump c<j> (each class's addresses aggregated)
 *   fwd_addr4/6, fwd_port4/6   port forwards: to an address (port kept), to address . port
 *   c<j>                       what class j accepts; returns to the default drop
 *   from_tunnel                policy rules, internet-only destinations dropped, the class jump,
 *                              default drop
 *   filter_forward/input       hooks: replies pass, tunnel traffic goes to from_tunnel
 *   nat_prerouting/postrouting forwards, masquerade
 * The number of rules never depends on the number of peers; the source maps' size
 * depends on the address layout and the number of classes. */
#include "render/firewall_int.h"
#include "render/exits.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define COMMENT_MAX 120   /* nft allows 128 bytes */

struct nft_ctx {
	const struct fw_network *fw;
	const struct model_host *h;
	bool exit;
	struct fw_pset via;            /* sources it sends through exit groups (not an exit itself) */
	struct render_exits tunnels;   /* its exit groups (an exit's, multi-hop: not its internet) */
	FILE *f;
	bool *need_tun, *need_lan;     /* per scope: some class chain reads the set */
};

static const int families[] = { AF_INET, AF_INET6 };

static const char *fam_digit(int family)
{
	return family == AF_INET ? "4" : "6";
}

static const char *fam_ip(int family)
{
	return family == AF_INET ? "ip" : "ip6";
}

static bool ifname_safe(const char *s)
{
	if (!*s || strlen(s) >= IFNAMSIZ)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '-' || *s == '.'))
			return false;
	return true;
}

/* A quoted nft string: only characters that cannot end the string or the line. */
static void print_comment(FILE *f, const char *s)
{
	size_t n = 0;

	fputs("comment \"", f);
	for (; *s && n < COMMENT_MAX; s++, n++) {
		char c = *s;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  (c && strchr(" ._:/,=+-()@#", c));
		fputc(ok ? c : '_', f);
	}
	fputc('"', f);
}

static void print_elem_sep(FILE *f, size_t i)
{
	fputs(i ? ",\n\t\t\t     " : "", f);
}

static void print_set(FILE *f, const char *name, int family, const struct fw_pset *s, const char *comment)
{
	char buf[PREFIX_STRLEN];
	size_t k = 0;

	fprintf(f, "\tset %s {\n\t\ttype %s\n\t\tflags interval\n", name,
		family == AF_INET ? "ipv4_addr" : "ipv6_addr");
	if (comment) {
		fputs("\t\t", f);
		print_comment(f, comment);
		fputc('\n', f);
	}
	fputs("\t\telements = { ", f);
	for (size_t i = 0; i < s->n; i++) {
		if (s->p[i].family != family)
			continue;
		print_elem_sep(f, k++);
		fputs(fw_format_prefix(&s->p[i], buf), f);
	}
	fputs(" }\n\t}\n\n", f);
}

static void scope_label(char *buf, size_t len, const struct fw_network *fw, size_t s)
{
	if (s == 0)
		snprintf(buf, len, "shared");
	else
		snprintf(buf, len, "tenant %s", fw->scopes[s].name);
}

static void print_scope_sets(struct nft_ctx *c)
{
	const struct fw_network *fw = c->fw;
	char name[32], label[MODEL_NAME_MAX + 32];

	for (size_t s = 0; s < fw->n_scopes; s++) {
		char what[MODEL_NAME_MAX + 16];

		scope_label(what, sizeof(what), fw, s);
		for (size_t i = 0; i < 2; i++) {
			int fam = families[i];

			if (c->need_tun[s] && fw_pset_has_family(&fw->scopes[s].tun, fam)) {
				snprintf(name, sizeof(name), "s%zu_tun%s", s, fam_digit(fam));
				snprintf(label, sizeof(label), "tunnel space of %s", what);
				print_set(c->f, name, fam, &fw->scopes[s].tun, label);
			}
			if (c->need_lan[s] && fw_pset_has_family(&fw->scopes[s].lan, fam)) {
				snprintf(name, sizeof(name), "s%zu_lan%s", s, fam_digit(fam));
				snprintf(label, sizeof(label), "LANs of %s", what);
				print_set(c->f, name, fam, &fw->scopes[s].lan, label);
			}
		}
	}
}

static void print_class_sets(struct nft_ctx *c)
{
	char name[32];

	for (size_t j = 0; j < c->fw->n_cls; j++) {
		const struct fw_class *cl = &c->fw->cls[j];

		for (size_t i = 0; i < 2; i++) {
			if (cl->own_lans && fw_pset_has_family(&cl->lans, families[i])) {
				snprintf(name, sizeof(name), "c%zu_lan%s", j, fam_digit(families[i]));
				print_set(c->f, name, families[i], &cl->lans, NULL);
			}
			if (fw_pset_has_family(&cl->dns, families[i])) {
				snprintf(name, sizeof(name), "c%zu_dns%s", j, fam_digit(families[i]));
				print_set(c->f, name, families[i], &cl->dns, "DNS servers on its exits");
			}
		}
	}
}

static void print_internet_only_sets(struct nft_ctx *c)
{
	for (size_t i = 0; i < 2; i++)
		if (fw_pset_has_family(&c->fw->internet_only, families[i]))
			print_set(c->f, families[i] == AF_INET ? "internet_only4" : "internet_only6", families[i],
				  &c->fw->internet_only, "internet-only peers: only policies reach them");
}

static bool rule_has_family(const struct fw_rule *r, int family)
{
	return r->protos && (r->from_any || fw_pset_has_family(&r->from, family)) &&
	       (r->to_any || fw_pset_has_family(&r->to, family));
}

static void print_rule_sets(struct nft_ctx *c)
{
	char name[48];

	for (size_t n = 0; n < c->fw->n_rules; n++) {
		const struct fw_rule *r = &c->fw->rules[n];

		for (size_t i = 0; i < 2; i++) {
			int fam = families[i];

			if (!rule_has_family(r, fam))
				continue;
			if (!r->from_any) {
				snprintf(name, sizeof(name), "r%zu_src%s", r->ordinal, fam_digit(fam));
				print_set(c->f, name, fam, &r->from, NULL);
			}
			if (!r->to_any) {
				snprintf(name, sizeof(name), "r%zu_dst%s", r->ordinal, fam_digit(fam));
				print_set(c->f, name, fam, &r->to, NULL);
			}
		}
	}
}

static int print_own_lans(struct nft_ctx *c)
{
	struct fw_pset lans = { 0 };
	int r;

	if (c->h->role != HOST_ROLE_ROUTER || !c->h->masquerade)
		return 0;
	r = fw_pset_add_list(&lans, c->h->lans, c->h->n_lans);
	if (r < 0)
		goto out;
	fw_pset_normalize(&lans);
	for (size_t i = 0; i < 2; i++)
		if (fw_pset_has_family(&lans, families[i]))
			print_set(c->f, families[i] == AF_INET ? "own_lans4" : "own_lans6", families[i],
				  &lans, "LANs this router masquerades toward");
out:
	fw_pset_free(&lans);
	return r;
}

static bool src_map_has(const struct fw_network *fw, int family)
{
	for (size_t i = 0; i < fw->n_class_src; i++)
		if (fw->class_src[i].p.family == family)
			return true;
	return false;
}

static void print_src_map(struct nft_ctx *c, int family)
{
	const struct fw_network *fw = c->fw;
	char buf[PREFIX_STRLEN];
	size_t k = 0;

	if (!src_map_has(fw, family))
		return;
	fprintf(c->f, "\tmap src%s {\n\t\ttype %s : verdict\n\t\tflags interval\n\t\telements = { ",
		fam_digit(family), family == AF_INET ? "ipv4_addr" : "ipv6_addr");
	for (size_t i = 0; i < fw->n_class_src; i++) {
		if (fw->class_src[i].p.family != family)
			continue;
		print_elem_sep(c->f, k++);
		fputs(fw_format_prefix(&fw->class_src[i].p, buf), c->f);
		fprintf(c->f, " : jump c%zu", fw->class_src[i].cls);
	}
	fputs(" }\n\t}\n\n", c->f);
}

/* A forward keeps its ports (one interval element, address-only map) unless toPort
 * moves them: then one element per port in the address . port map. */
static bool forward_keeps_port(const struct model_forward *fwd)
{
	return !fwd->to_port || fwd->to_port == fwd->ports.lo;
}

static bool forwards_have(const struct model_host *h, int family, bool keep)
{
	for (size_t i = 0; i < h->n_forwards; i++)
		if (h->forwards[i].public_addr.family == family && forward_keeps_port(&h->forwards[i]) == keep &&
		    (h->forwards[i].protos & (FW_PROTO_TCP | FW_PROTO_UDP)))
			return true;
	return false;
}

static const char *forward_map_name(int family, bool keep)
{
	if (family == AF_INET)
		return keep ? "fwd_addr4" : "fwd_port4";
	return keep ? "fwd_addr6" : "fwd_port6";
}

static void print_forward_map(struct nft_ctx *c, int family, bool keep)
{
	const char *at = family == AF_INET ? "ipv4_addr" : "ipv6_addr";
	char pub[PREFIX_STRLEN], dst[PREFIX_STRLEN];
	size_t k = 0;

	if (!forwards_have(c->h, family, keep))
		return;
	fprintf(c->f, "\tmap %s {\n\t\ttype %s . inet_proto . inet_service : %s%s\n\t\tflags interval\n"
		"\t\telements = { ", forward_map_name(family, keep), at, at, keep ? "" : " . inet_service");
	for (size_t i = 0; i < c->h->n_forwards; i++) {
		const struct model_forward *fwd = &c->h->forwards[i];

		if (fwd->public_addr.family != family || forward_keeps_port(fwd) != keep)
			continue;
		prefix_format_addr(&fwd->public_addr, pub);
		prefix_format_addr(&fwd->target, dst);
		for (unsigned bit = FW_PROTO_TCP; bit <= FW_PROTO_UDP; bit <<= 1) {
			const char *proto = bit == FW_PROTO_TCP ? "tcp" : "udp";

			if (!(fwd->protos & bit))
				continue;
			if (keep) {
				print_elem_sep(c->f, k++);
				if (fwd->ports.lo == fwd->ports.hi)
					fprintf(c->f, "%s . %s . %u : %s", pub, proto, fwd->ports.lo, dst);
				else
					fprintf(c->f, "%s . %s . %u-%u : %s", pub, proto, fwd->ports.lo,
						fwd->ports.hi, dst);
				continue;
			}
			for (uint32_t p = fwd->ports.lo; p <= fwd->ports.hi; p++) {
				print_elem_sep(c->f, k++);
				fprintf(c->f, "%s . %s . %" PRIu32 " : %s . %" PRIu32, pub, proto, p, dst,
					(fwd->to_port + (p - fwd->ports.lo)) & 0xffff);
			}
		}
	}
	fputs(" }\n\t}\n\n", c->f);
}

static bool tunnel_seen(const struct render_exits *ex, size_t g, size_t i)
{
	for (size_t k = 0; k <= g; k++)
		for (size_t j = 0; j < (k == g ? i : ex->groups[k].n_members); j++)
			if (!strcmp(ex->groups[k].members[j].ifname, ex->groups[g].members[i].ifname))
				return true;
	return false;
}

/* The host's interface first (when given), then its tunnels to the members of
 * its exit groups, each once: one name bare, more as a set (as nft lists them). */
static void print_ifnames(struct nft_ctx *c, const char *first)
{
	const struct render_exits *ex = &c->tunnels;
	size_t n = first != NULL;

	for (size_t g = 0; g < ex->n_groups; g++)
		for (size_t i = 0; i < ex->groups[g].n_members; i++)
			n += !tunnel_seen(ex, g, i);
	if (n > 1)
		fputs("{ ", c->f);
	if (first)
		fprintf(c->f, "\"%s\"", first);
	for (size_t g = 0, k = first != NULL; g < ex->n_groups; g++)
		for (size_t i = 0; i < ex->groups[g].n_members; i++)
			if (!tunnel_seen(ex, g, i))
				fprintf(c->f, "%s\"%s\"", k++ ? ", " : "", ex->groups[g].members[i].ifname);
	if (n > 1)
		fputs(" }", c->f);
}

static bool has_tunnels(const struct render_exits *ex)
{
	for (size_t g = 0; g < ex->n_groups; g++)
		if (ex->groups[g].n_members)
			return true;
	return false;
}

/* An exit sends its peers to the internet; a host using exit groups only the
 * sources it routes into them, and an internet-only peer's only out of a member's
 * tunnel (not directly, not to the host's other networks). */
static void print_internet_accept(struct nft_ctx *c, int fam, bool tunnels_only)
{
	if (!fw_family_internal(c->fw, fam))
		return;
	if (c->exit) {
		fprintf(c->f, "\t\t%s daddr != @internal%s accept comment \"internet\"\n", fam_ip(fam),
			fam_digit(fam));
		return;
	}
	if (!fw_pset_has_family(&c->via, fam) || (tunnels_only && !has_tunnels(&c->tunnels)))
		return;
	fprintf(c->f, "\t\t%s saddr @via_exit%s %s daddr != @internal%s ", fam_ip(fam), fam_digit(fam), fam_ip(fam),
		fam_digit(fam));
	if (tunnels_only) {
		fputs("oifname ", c->f);
		print_ifnames(c, NULL);
		fputc(' ', c->f);
	}
	fputs("accept comment \"internet through an exit group\"\n", c->f);
}

static void print_class_chain(struct nft_ctx *c, size_t j)
{
	const struct fw_network *fw = c->fw;
	const struct fw_class *cl = &fw->cls[j];
	char label[MODEL_NAME_MAX + 16], text[MODEL_NAME_MAX + 48];

	scope_label(label, sizeof(label), fw, cl->scope);
	snprintf(text, sizeof(text), "%s %s%s", access_level_name(cl->level), label,
		 cl->own_lans ? " (own LANs)" : "");
	fprintf(c->f, "\tchain c%zu {\n\t\t", j);
	print_comment(c->f, text);
	fputc('\n', c->f);
	for (size_t i = 0; i < 2; i++) {
		int fam = families[i];

		if (cl->level == ACCESS_INTERNET_ONLY) {
			if (fw_pset_has_family(&cl->dns, fam))
				fprintf(c->f, "\t\t%s daddr @c%zu_dns%s meta l4proto { tcp, udp } th dport %d accept "
					"comment \"DNS\"\n", fam_ip(fam), j, fam_digit(fam), FW_DNS_PORT);
			print_internet_accept(c, fam, true);
			continue;
		}
		if (cl->own_lans) {
			if (fw_pset_has_family(&cl->lans, fam))
				fprintf(c->f, "\t\t%s daddr @c%zu_lan%s accept\n", fam_ip(fam), j, fam_digit(fam));
			continue;
		}
		for (size_t s = 0; s < fw->n_scopes; s++) {
			if (!fw_scope_reaches(fw, cl->scope, s))
				continue;
			if (cl->level != ACCESS_LAN_ONLY && fw_pset_has_family(&fw->scopes[s].tun, fam))
				fprintf(c->f, "\t\t%s daddr @s%zu_tun%s accept\n", fam_ip(fam), s, fam_digit(fam));
			if (cl->level != ACCESS_VPN_ONLY && fw_pset_has_family(&fw->scopes[s].lan, fam))
				fprintf(c->f, "\t\t%s daddr @s%zu_lan%s accept\n", fam_ip(fam), s, fam_digit(fam));
		}
		if (cl->level == ACCESS_FULL)
			print_internet_accept(c, fam, false);
	}
	fputs("\t}\n\n", c->f);
}

static void print_ports(FILE *f, const struct fw_rule *r)
{
	if (r->n_ports > 1)
		fputs("{ ", f);
	for (size_t i = 0; i < r->n_ports; i++) {
		if (i)
			fputs(", ", f);
		if (r->ports[i].lo == r->ports[i].hi)
			fprintf(f, "%u", r->ports[i].lo);
		else
			fprintf(f, "%u-%u", r->ports[i].lo, r->ports[i].hi);
	}
	fputs(r->n_ports > 1 ? " } " : " ", f);
}

static void print_policy_rule(struct nft_ctx *c, const struct fw_rule *r, int fam)
{
	FILE *f = c->f;
	const char *names[3];
	size_t n = 0;
	char text[MODEL_NAME_MAX + 48];

	fputs("\t\t", f);
	if (!r->from_any)
		fprintf(f, "%s saddr @r%zu_src%s ", fam_ip(fam), r->ordinal, fam_digit(fam));
	if (!r->to_any)
		fprintf(f, "%s daddr @r%zu_dst%s ", fam_ip(fam), r->ordinal, fam_digit(fam));
	if (r->from_any && r->to_any)
		fprintf(f, "meta nfproto %s ", fam == AF_INET ? "ipv4" : "ipv6");
	if (r->n_ports) {
		if (r->protos == FW_PROTO_TCP)
			fputs("tcp dport ", f);
		else if (r->protos == FW_PROTO_UDP)
			fputs("udp dport ", f);
		else
			fputs("meta l4proto { tcp, udp } th dport ", f);
		print_ports(f, r);
	} else if (r->protos != FW_PROTO_ANY) {
		if (r->protos & FW_PROTO_TCP)
			names[n++] = "tcp";
		if (r->protos & FW_PROTO_UDP)
			names[n++] = "udp";
		if (r->protos & FW_PROTO_ICMP)
			names[n++] = fam == AF_INET ? "icmp" : "ipv6-icmp";
		if (n == 1) {
			fprintf(f, "meta l4proto %s ", names[0]);
		} else {
			fputs("meta l4proto { ", f);
			for (size_t i = 0; i < n; i++)
				fprintf(f, "%s%s", i ? ", " : "", names[i]);
			fputs(" } ", f);
		}
	}
	fputs(r->rule->accept ? "accept " : "drop ", f);
	snprintf(text, sizeof(text), "policy %s rule %zu", r->policy->meta.name, r->pos);
	print_comment(f, text);
	fputc('\n', f);
}

static void print_from_tunnel(struct nft_ctx *c)
{
	const struct fw_network *fw = c->fw;

	fputs("\tchain from_tunnel {\n", c->f);
	for (size_t n = 0; n < fw->n_rules; n++)
		for (size_t i = 0; i < 2; i++)
			if (rule_has_family(&fw->rules[n], families[i]))
				print_policy_rule(c, &fw->rules[n], families[i]);
	for (size_t i = 0; i < 2; i++)
		if (fw_pset_has_family(&fw->internet_only, families[i]))
			fprintf(c->f, "\t\t%s daddr @internet_only%s counter drop comment \"internet-only: only "
				"policies reach it\"\n", fam_ip(families[i]), fam_digit(families[i]));
	for (size_t i = 0; i < 2; i++)
		if (src_map_has(fw, families[i]))
			fprintf(c->f, "\t\t%s saddr vmap @src%s\n", fam_ip(families[i]), fam_digit(families[i]));
	fputs("\t\tcounter drop comment \"default drop\"\n\t}\n\n", c->f);
}

static void print_filter_chains(struct nft_ctx *c)
{
	const char *wg = c->h->ifname;

	fprintf(c->f,
		"\tchain filter_forward {\n"
		"\t\ttype filter hook forward priority filter; policy accept;\n"
		"\t\tct state established,related accept\n"
		"\t\tiifname \"%s\" jump from_tunnel\n", wg);
	/* From outside, only forwards (DNAT) and this host's own LANs may open
	 * connections into the tunnel: anything else routed here toward the pools
	 * would bypass every host's from_tunnel. */
	fprintf(c->f, "\t\toifname \"%s\" ct status dnat accept comment \"forwards\"\n", wg);
	for (size_t i = 0; i < 2; i++) {
		char buf[PREFIX_STRLEN];
		bool any = false;

		for (size_t j = 0; j < c->h->n_lans; j++) {
			if (c->h->lans[j].family != families[i])
				continue;
			if (!any)
				fprintf(c->f, "\t\toifname \"%s\" %s saddr { ", wg, fam_ip(families[i]));
			fprintf(c->f, "%s%s", any ? ", " : "", prefix_format(&c->h->lans[j], buf));
			any = true;
		}
		if (any)
			fputs(" } accept comment \"this host's LANs\"\n", c->f);
	}
	fprintf(c->f,
		"\t\toifname \"%s\" counter drop comment \"nothing else enters the tunnel from outside\"\n"
		"\t}\n\n"
		"\tchain filter_input {\n"
		"\t\ttype filter hook input priority filter; policy accept;\n"
		"\t\tiifname \"%s\" ct state established,related accept\n"
		"\t\tiifname \"%s\" jump from_tunnel\n"
		"\t}\n", wg, wg, wg);
}

static bool lans_have_family(const struct model_host *h, int family)
{
	for (size_t i = 0; i < h->n_lans; i++)
		if (h->lans[i].family == family)
			return true;
	return false;
}

/* What an exit does not masquerade into: its own interface, and the tunnels
 * to the members of its own exit groups (they carry its tunnel addresses). */
static void print_not_internet(struct nft_ctx *c)
{
	print_ifnames(c, c->h->ifname);
}

static void print_nat_chains(struct nft_ctx *c)
{
	const struct model_host *h = c->h;
	const char *wg = h->ifname;
	bool any_fwd = false, post = false;

	for (size_t i = 0; i < 2; i++)
		for (int keep = 0; keep < 2; keep++)
			any_fwd |= forwards_have(h, families[i], keep);
	if (any_fwd) {
		fputs("\n\tchain nat_prerouting {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n",
		      c->f);
		for (size_t i = 0; i < 2; i++)
			for (int keep = 1; keep >= 0; keep--)
				if (forwards_have(h, families[i], keep))
					fprintf(c->f, "\t\tiifname != \"%s\" meta l4proto { tcp, udp } dnat %s to %s "
						"daddr . meta l4proto . th dport map @%s\n", wg, fam_ip(families[i]),
						fam_ip(families[i]), forward_map_name(families[i], keep));
		fputs("\t}\n", c->f);
	}
	post = any_fwd || c->exit || (h->role == HOST_ROLE_ROUTER && h->masquerade && h->n_lans);
	if (!post)
		return;
	fputs("\n\tchain nat_postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n", c->f);
	if (any_fwd)
		fprintf(c->f, "\t\toifname \"%s\" ct status dnat masquerade comment \"forwards\"\n", wg);
	for (size_t i = 0; i < 2; i++) {
		int fam = families[i];
		const char *ip = fam_ip(fam), *d = fam_digit(fam);

		if (c->exit && fw_family_internal(c->fw, fam)) {
			fputs("\t\toifname != ", c->f);
			print_not_internet(c);
			fprintf(c->f, " %s saddr @internal%s %s daddr != @internal%s masquerade comment \"exit\"\n",
				ip, d, ip, d);
		}
		if (h->role == HOST_ROLE_ROUTER && h->masquerade && lans_have_family(h, fam))
			fprintf(c->f, "\t\tiifname \"%s\" oifname != \"%s\" %s daddr @own_lans%s masquerade "
				"comment \"LANs\"\n", wg, wg, ip, d);
	}
	fputs("\t}\n", c->f);
}

static int render_body(struct nft_ctx *c)
{
	const struct fw_network *fw = c->fw;
	int r;

	c->need_tun = calloc(fw->n_scopes, sizeof(bool));
	c->need_lan = calloc(fw->n_scopes, sizeof(bool));
	if (!c->need_tun || !c->need_lan)
		return -ENOMEM;
	for (size_t j = 0; j < fw->n_cls; j++) {
		const struct fw_class *cl = &fw->cls[j];

		for (size_t s = 0; s < fw->n_scopes && !cl->own_lans && cl->level != ACCESS_INTERNET_ONLY; s++) {
			if (!fw_scope_reaches(fw, cl->scope, s))
				continue;
			c->need_tun[s] |= cl->level != ACCESS_LAN_ONLY;
			c->need_lan[s] |= cl->level != ACCESS_VPN_ONLY;
		}
	}
	print_scope_sets(c);
	print_class_sets(c);
	print_internet_only_sets(c);
	print_rule_sets(c);
	for (size_t i = 0; i < 2; i++) {
		if (!fw_family_internal(fw, families[i]))
			continue;
		if (c->exit || fw_pset_has_family(&c->via, families[i]))
			print_set(c->f, families[i] == AF_INET ? "internal4" : "internal6", families[i],
				  &fw->internal, "tunnel pools and LANs: not the internet");
		if (!c->exit && fw_pset_has_family(&c->via, families[i]))
			print_set(c->f, families[i] == AF_INET ? "via_exit4" : "via_exit6", families[i], &c->via,
				  "sources sent to the internet through exit groups");
	}
	r = print_own_lans(c);
	if (r < 0)
		return r;
	for (size_t i = 0; i < 2; i++)
		print_src_map(c, families[i]);
	for (size_t i = 0; i < 2; i++)
		for (int keep = 1; keep >= 0; keep--)
			print_forward_map(c, families[i], keep);
	for (size_t j = 0; j < fw->n_cls; j++)
		print_class_chain(c, j);
	print_from_tunnel(c);
	print_filter_chains(c);
	print_nat_chains(c);
	return 0;
}

/* ---- readable summary ---- */

static int add_item(struct hs_firewall *out, const char *key, const char *value)
{
	if (!value)
		return -ENOMEM;
	return hs_firewall_add_item(out, key, value);
}

static int items_tenants(struct nft_ctx *c, struct hs_firewall *out)
{
	const struct fw_network *fw = c->fw;
	char key[MODEL_NAME_MAX + 16], val[4 * PREFIX_STRLEN + 64], buf[PREFIX_STRLEN];

	for (size_t s = 1; s < fw->n_scopes; s++) {
		const struct fw_pset *t = &fw->scopes[s].tun;
		size_t n = snprintf(val, sizeof(val), "pools");

		for (size_t i = 0; i < t->n && i < 2; i++)
			n += snprintf(val + n, sizeof(val) - n, "%s %s", i ? "," : "", prefix_format(&t->p[i], buf));
		snprintf(val + n, sizeof(val) - n, ", %s", fw->scopes[s].isolated ? "isolated" : "not isolated");
		snprintf(key, sizeof(key), "tenant/%s", fw->scopes[s].name);
		if (hs_firewall_add_item(out, key, val) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int items_policies(struct nft_ctx *c, struct hs_firewall *out)
{
	char key[MODEL_NAME_MAX + 48];

	for (size_t n = 0; n < c->fw->n_rules; n++) {
		const struct fw_rule *r = &c->fw->rules[n];
		char *v;
		int e;

		/* ' ' sorts before '-', so "a" comes before "a-b" as in the policy order */
		snprintf(key, sizeof(key), "policy/%05" PRId32 "-%s #%04zu", r->policy->priority,
			 r->policy->meta.name, r->pos);
		v = fw_rule_describe(c->fw, r);
		e = add_item(out, key, v);
		free(v);
		if (e < 0)
			return e;
	}
	return 0;
}

static void format_target(char *buf, size_t len, const struct wgf_prefix *t, const char *port)
{
	char a[PREFIX_STRLEN];

	prefix_format_addr(t, a);
	snprintf(buf, len, t->family == AF_INET6 ? "[%s]:%s" : "%s:%s", a, port);
}

static int items_forwards(struct nft_ctx *c, struct hs_firewall *out)
{
	const struct model *m = c->fw->m;
	const struct model_host *h = c->h;

	for (size_t i = 0; i < h->n_forwards; i++) {
		const struct model_forward *fwd = &h->forwards[i];
		char pub[PREFIX_STRLEN], ports[16], to[16], target[PREFIX_STRLEN + 24];
		char key[PREFIX_STRLEN + 32], val[3 * MODEL_NAME_MAX + 64];
		unsigned lo = fwd->to_port ? fwd->to_port : fwd->ports.lo;

		prefix_format_addr(&fwd->public_addr, pub);
		if (fwd->ports.lo == fwd->ports.hi) {
			snprintf(ports, sizeof(ports), "%u", fwd->ports.lo);
			snprintf(to, sizeof(to), "%u", lo);
		} else {
			snprintf(ports, sizeof(ports), "%u-%u", fwd->ports.lo, fwd->ports.hi);
			snprintf(to, sizeof(to), "%u-%u", lo, lo + (fwd->ports.hi - fwd->ports.lo));
		}
		format_target(target, sizeof(target), &fwd->target, to);
		snprintf(val, sizeof(val), "→ %s%s%s%s%s%s",
			 fwd->peer < m->n_peers ? m->peers[fwd->peer].meta.name : "",
			 fwd->peer < m->n_peers ? " " : "", target,
			 fwd->name ? " (" : "", fwd->name ? fwd->name : "", fwd->name ? ")" : "");
		for (unsigned bit = FW_PROTO_TCP; bit <= FW_PROTO_UDP; bit <<= 1) {
			if (!(fwd->protos & bit))
				continue;
			snprintf(key, sizeof(key), "forward/%s/%s/%s", pub, bit == FW_PROTO_TCP ? "tcp" : "udp", ports);
			if (hs_firewall_add_item(out, key, val) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

static int items_masquerade(struct nft_ctx *c, struct hs_firewall *out)
{
	const struct model_host *h = c->h;
	struct fw_pset lans = { 0 };
	char *s = NULL;
	size_t len;
	FILE *f;
	int r;

	if (c->exit && hs_firewall_add_item(out, "masquerade/internet", "exit: peers → internet") < 0)
		return -ENOMEM;
	if (h->role != HOST_ROLE_ROUTER || !h->masquerade || !h->n_lans)
		return 0;
	r = fw_pset_add_list(&lans, h->lans, h->n_lans);
	if (r < 0)
		goto out;
	fw_pset_normalize(&lans);
	r = -ENOMEM;
	f = open_memstream(&s, &len);
	if (!f)
		goto out;
	fputs("tunnel → ", f);
	for (size_t i = 0; i < lans.n; i++) {
		char buf[PREFIX_STRLEN];

		if (i == 4) {
			fprintf(f, " and %zu more", lans.n - i);
			break;
		}
		fprintf(f, "%s%s", i ? ", " : "", prefix_format(&lans.p[i], buf));
	}
	if (fclose(f) == 0)
		r = hs_firewall_add_item(out, "masquerade/lans", s);
out:
	free(s);
	fw_pset_free(&lans);
	return r;
}

static int render_items(struct nft_ctx *c, struct hs_firewall *out)
{
	int r;

	if ((r = fw_items_access(c->fw, c->h, c->exit, out)) < 0 ||
	    (r = items_tenants(c, out)) < 0 ||
	    (r = items_policies(c, out)) < 0 ||
	    (r = items_forwards(c, out)) < 0)
		return r;
	return items_masquerade(c, out);
}

/* The peers whose primary hub h is and whose exit is a group (h routes them
 * into its tables: render_exit_host.c). */
static int via_exit_sources(const struct fw_network *fw, const struct model_host *h, struct fw_pset *out)
{
	const struct model *m = fw->m;
	size_t hi = model_host_index(m, h);
	int r = 0;

	for (size_t i = 0; i < m->n_peers && r >= 0 && m->n_exit_groups; i++) {
		const struct model_peer *p = &m->peers[i];
		const struct model_exit_use *e;

		if (p->network != h->network || !p->n_hubs || p->hubs[0] != hi || fw->peer_pr[i] == FW_NONE)
			continue;
		e = model_peer_exit(m, p);
		if (!e || e->group == MODEL_NONE)
			continue;
		r = fw_pset_add_list(out, p->addresses, p->n_addresses);
		if (r >= 0)
			r = fw_pset_add_list(out, p->lans, p->n_lans);
	}
	if (r >= 0)
		fw_pset_normalize(out);
	return r;
}

int fw_render_host(const struct fw_network *fw, const struct model_host *h, struct hs_firewall *out)
{
	struct nft_ctx c = { .fw = fw, .h = h };
	char *body = NULL;
	size_t len = 0;
	int r = -EINVAL;

	hs_firewall_clear(out);
	if (h->network != fw->network || !ifname_safe(h->ifname))
		goto out;
	c.exit = h->role == HOST_ROLE_EXIT;
	r = render_exits(fw->m, h, &c.tunnels);
	if (r >= 0 && !c.exit)
		r = via_exit_sources(fw, h, &c.via);
	if (r < 0)
		goto out;
	r = -ENOMEM;
	c.f = open_memstream(&body, &len);
	if (!c.f)
		goto out;
	r = render_body(&c);
	if (ferror(c.f) && r >= 0)
		r = -ENOMEM;
	if (fclose(c.f) && r >= 0)
		r = -ENOMEM;
	if (r < 0)
		goto out;
	out->body = body;
	body = NULL;
	out->present = true;
	r = render_items(&c, out);
out:
	free(c.need_tun);
	free(c.need_lan);
	fw_pset_free(&c.via);
	render_exits_clear(&c.tunnels);
	free(body);
	if (r < 0)
		hs_firewall_clear(out);
	return r;
}
