/* nftables through libnftables: the one table wgf owns. */
#include "reconcile/kernel/nft.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/mman.h>
#include <nftables/libnftables.h>

#define NFT_NAME_MAX 31
#define NFT_ERRNO_MAX 133
/* Stands for the batch in error messages: "wgf-nft-batch:4:2-7: Error: …". */
#define NFT_BATCH_NAME "wgf-nft-batch"

/* Words the nft 1.0.6 parser takes as keywords where a table, chain or set name
 * goes (found by trying each with `nft -c`), and a few more that are keywords
 * elsewhere in the grammar. */
static const char *const nft_keywords[] = {
	"accept", "add", "ah", "all", "and", "arp", "bridge", "cgroup",
	"chain", "comment", "comp", "constant", "continue", "counter", "cpu", "create",
	"ct", "daddr", "day", "dccp", "define", "delete", "describe", "device",
	"devices", "dnat", "dport", "drop", "dst", "dup", "dynamic", "ecn",
	"element", "elements", "eq", "esp", "ether", "exists", "expires", "export",
	"exthdr", "fib", "filter", "flags", "flow", "flowtable", "flush", "frag",
	"from", "fwd", "ge", "get", "goto", "gt", "handle", "hbh",
	"hook", "hour", "ibriport", "ibrname", "icmp", "icmpv6", "igmp", "iif",
	"iifgroup", "iifname", "iiftype", "import", "include", "index", "inet", "insert",
	"interval", "ip", "ip6", "ipsec", "jhash", "jump", "le", "limit",
	"list", "log", "lshift", "lt", "map", "mark", "masquerade", "meta",
	"meter", "mh", "missing", "monitor", "nat", "ne", "netdev", "nftrace",
	"not", "notrack", "numgen", "obriport", "obrname", "offload", "oif", "oifgroup",
	"oifname", "oiftype", "or", "osf", "pkttype", "policy", "position", "priority",
	"queue", "quota", "random", "redefine", "redirect", "reject", "rename", "replace",
	"reset", "return", "route", "rshift", "rt", "rt0", "rt2", "rtclassid",
	"rule", "ruleset", "saddr", "sctp", "secmark", "set", "size", "skgid",
	"skuid", "snat", "socket", "sport", "srh", "symhash", "synproxy", "table",
	"tcp", "th", "time", "timeout", "to", "tproxy", "type", "typeof",
	"udp", "udplite", "undefine", "update", "vlan", "vmap", "xor", "xt",
};

static bool is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_word(char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9') || c == '_';
}

bool nft_name_valid(const char *s)
{
	size_t i;

	if (!s || !is_alpha(s[0]))
		return false;
	for (i = 1; s[i]; i++)
		if (i >= NFT_NAME_MAX || !is_word(s[i]))
			return false;
	for (i = 0; i < sizeof(nft_keywords) / sizeof(nft_keywords[0]); i++)
		if (!strcasecmp(s, nft_keywords[i]))
			return false;
	return true;
}

bool nft_family_valid(const char *family)
{
	return family && (!strcmp(family, "inet") || !strcmp(family, "ip") ||
			  !strcmp(family, "ip6"));
}

bool nft_body_valid(const char *body)
{
	const char *p;
	long depth = 0;

	if (!body)
		return false;
	for (p = body; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 && c != '\t' && c != '\n')
			return false;
		if (c == '"') {
			p = strchr(p + 1, '"');
			if (!p)
				return false;
		} else if (c == '#') {
			p = strchrnul(p, '\n');
			if (!*p)
				break;
		} else if (c == '{') {
			depth++;
		} else if (c == '}') {
			if (--depth < 0)
				return false;
		} else if (is_word((char)c) && (p == body || !is_word(p[-1])) &&
			   !strncasecmp(p, "include", 7) && !is_word(p[7])) {
			return false;
		}
	}
	return depth == 0;
}

/* "DESC" followed by the end, a newline or "; did you mean …". */
static bool desc_at(const char *p, const char *desc)
{
	size_t n = strlen(desc);

	return n > 0 && !strncmp(p, desc, n) && (!p[n] || p[n] == '\n' || p[n] == ';');
}

/* The errno whose description follows the first "Error: " (after an optional
 * "Could not process rule: ") in libnftables' text; -EINVAL when none does. */
static int nft_error_errno(const char *text)
{
	static const char kernel[] = "Could not process rule: ";
	const char *p = text;
	char buf[128];
	int e;

	while (p && (p = strstr(p, "Error: "))) {
		p += strlen("Error: ");
		if (!strncmp(p, kernel, strlen(kernel)))
			p += strlen(kernel);
		for (e = 1; e <= NFT_ERRNO_MAX; e++) {
			const char *desc = strerrordesc_np(e);

			/* libnftables prints strerror(): translated under a locale. */
			if ((desc && desc_at(p, desc)) || desc_at(p, strerror_r(e, buf, sizeof(buf))))
				return -e;
		}
	}
	return -EINVAL;
}

/* Sets err to code and libnftables' text (trailing newlines dropped); returns code. */
static int set_err(struct wgf_error *err, int code, const char *text)
{
	size_t n = strlen(text);

	while (n > 0 && text[n - 1] == '\n')
		n--;
	return wgf_error_set(err, code, "%.*s", (int)n, text);
}

/* libnftables 1.0.6 quotes only the first line of a buffer in its error messages;
 * read from a file it names and quotes the failing line. */
static int nft_cmd_file(const char *cmd, int *fd, char *path, size_t len)
{
	size_t n = strlen(cmd), done = 0;
	ssize_t w;

	*fd = memfd_create("wgf-nft", MFD_CLOEXEC);
	if (*fd < 0)
		return -errno;
	while (done < n) {
		w = write(*fd, cmd + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		done += (size_t)w;
	}
	snprintf(path, len, "/proc/self/fd/%d", *fd);
	return 0;
}

/* Sets err to code and the error text with the memfd's path replaced by
 * NFT_BATCH_NAME; returns code. */
static int set_err_text(struct wgf_error *err, int code, const char *text, const char *path)
{
	size_t plen = strlen(path), blen = strlen(NFT_BATCH_NAME);
	const char *p, *q;
	char *s, *o;

	if (!err || err->code)
		return code;
	s = malloc(strlen(text) + 1 + (strlen(text) / plen + 1) * blen);
	if (!s)
		return wgf_error_set(err, code, NULL);
	for (o = s, p = text; (q = strstr(p, path)); p = q + plen) {
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		memcpy(o, NFT_BATCH_NAME, blen);
		o += blen;
	}
	strcpy(o, p);
	set_err(err, code, s);
	free(s);
	return code;
}

/* Runs cmd in a fresh context; out (optional) receives the output on success. */
static int nft_run(const char *cmd, unsigned int flags, bool dry_run, char **out, struct wgf_error *err)
{
	struct nft_ctx *ctx = NULL;
	char path[64];
	const char *text;
	int ret, fd = -1;

	ret = nft_cmd_file(cmd, &fd, path, sizeof(path));
	if (ret < 0)
		goto out;
	ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx || nft_ctx_buffer_output(ctx) || nft_ctx_buffer_error(ctx)) {
		ret = -ENOMEM;
		goto out;
	}
	nft_ctx_clear_include_paths(ctx);
	nft_ctx_output_set_flags(ctx, flags);
	nft_ctx_set_dry_run(ctx, dry_run);
	if (nft_run_cmd_from_filename(ctx, path) != 0) {
		text = nft_ctx_get_error_buffer(ctx);
		if (!text || !*text)
			text = "nft: command failed without a message";
		ret = set_err_text(err, nft_error_errno(text), text, path);
		goto out;
	}
	if (out) {
		text = nft_ctx_get_output_buffer(ctx);
		*out = strdup(text ? text : "");
		if (!*out)
			ret = -ENOMEM;
	}
out:
	if (ret < 0)
		wgf_error_set(err, ret, NULL);
	if (ctx)
		nft_ctx_free(ctx);
	if (fd >= 0)
		close(fd);
	return ret;
}

static int nft_check_args(const char *family, const char *name, struct wgf_error *err)
{
	if (!nft_family_valid(family))
		return set_err(err, -EINVAL, "nft: invalid table family (want inet, ip or ip6)");
	if (!nft_name_valid(name))
		return set_err(err, -EINVAL, "nft: invalid table name (want [A-Za-z][A-Za-z0-9_]{0,30}, not a keyword)");
	return 0;
}

/* "VERB table FAMILY NAME", e.g. list or delete; out may be NULL. */
static int nft_table_cmd(const char *verb, const char *family, const char *name, unsigned int flags,
			 char **out, struct wgf_error *err)
{
	char *cmd = NULL;
	int ret;

	if (out)
		*out = NULL;
	ret = nft_check_args(family, name, err);
	if (ret < 0)
		return ret;
	if (asprintf(&cmd, "%s table %s %s\n", verb, family, name) < 0)
		return wgf_error_set(err, -ENOMEM, NULL);
	ret = nft_run(cmd, flags, false, out, err);
	free(cmd);
	return ret;
}

static int nft_table_list(const char *family, const char *name, unsigned int flags,
			  char **text, struct wgf_error *err)
{
	return nft_table_cmd("list", family, name, flags | NFT_CTX_OUTPUT_STATELESS, text, err);
}

int nft_table_get(const char *family, const char *name, char **text, struct wgf_error *err)
{
	return nft_table_list(family, name, 0, text, err);
}

int nft_table_get_json(const char *family, const char *name, char **json, struct wgf_error *err)
{
	return nft_table_list(family, name, NFT_CTX_OUTPUT_JSON, json, err);
}

int nft_ruleset_get_json(char **json, struct wgf_error *err)
{
	*json = NULL;
	return nft_run("list ruleset", NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_STATELESS, false, json, err);
}

static int nft_table_load(const char *family, const char *name, const char *body,
			  bool dry_run, struct wgf_error *err)
{
	char *cmd = NULL;
	int ret;

	ret = nft_check_args(family, name, err);
	if (ret < 0)
		return ret;
	if (!nft_body_valid(body))
		return set_err(err, -EINVAL, "nft: invalid table body (unbalanced braces or quotes, include, control bytes)");
	if (asprintf(&cmd, "add table %s %s\ndelete table %s %s\ntable %s %s {\n%s\n}\n",
		     family, name, family, name, family, name, body) < 0)
		return wgf_error_set(err, -ENOMEM, NULL);
	ret = nft_run(cmd, 0, dry_run, NULL, err);
	free(cmd);
	return ret;
}

int nft_table_replace(const char *family, const char *name, const char *body, struct wgf_error *err)
{
	return nft_table_load(family, name, body, false, err);
}

int nft_table_check(const char *family, const char *name, const char *body, struct wgf_error *err)
{
	return nft_table_load(family, name, body, true, err);
}

int nft_table_delete(const char *family, const char *name, struct wgf_error *err)
{
	return nft_table_cmd("delete", family, name, 0, NULL, err);
}

/* Only "add element F N …" and "delete element F N …" lines, each a valid body. */
static bool patch_valid(const char *family, const char *name, const char *cmds)
{
	char add[64], del[64];

	snprintf(add, sizeof(add), "add element %s %s ", family, name);
	snprintf(del, sizeof(del), "delete element %s %s ", family, name);
	for (const char *p = cmds; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line;
		bool ok;

		if (strncmp(p, add, strlen(add)) && strncmp(p, del, strlen(del)))
			return false;
		line = strndup(p, len);
		ok = line && nft_body_valid(line);
		free(line);
		if (!ok)
			return false;
		p += len + (nl ? 1 : 0);
	}
	return true;
}

static int nft_table_patch_run(const char *family, const char *name, const char *cmds, bool dry_run,
			       struct wgf_error *err)
{
	int ret;

	ret = nft_check_args(family, name, err);
	if (ret < 0)
		return ret;
	if (!patch_valid(family, name, cmds))
		return set_err(err, -EINVAL, "nft: invalid element changes");
	if (!*cmds)
		return 0;
	return nft_run(cmds, 0, dry_run, NULL, err);
}

int nft_table_patch(const char *family, const char *name, const char *cmds, struct wgf_error *err)
{
	return nft_table_patch_run(family, name, cmds, false, err);
}

int nft_table_patch_check(const char *family, const char *name, const char *cmds, struct wgf_error *err)
{
	return nft_table_patch_run(family, name, cmds, true, err);
}
