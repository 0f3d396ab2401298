/* Which nftables ruleset is loaded right now: the generation id, which the kernel
 * bumps on every committed transaction in this network namespace, plus what makes
 * it unique across namespaces and reboots. */
#include "reconcile/kernel/nft.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

static int gen_attr_cb(const struct nlattr *a, void *data)
{
	uint32_t *id = data;

	if (mnl_attr_get_type(a) == NFTA_GEN_ID && mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
		*id = ntohl(mnl_attr_get_u32(a));
	return MNL_CB_OK;
}

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	if ((nlh->nlmsg_type & 0xff) != NFT_MSG_NEWGEN)
		return MNL_CB_OK;
	return mnl_attr_parse(nlh, sizeof(struct nfgenmsg), gen_attr_cb, data);
}

static int nft_genid(uint32_t *out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;
	uint32_t seq = (uint32_t)time(NULL), portid, id = 0;
	ssize_t n;
	int r;

	memset(buf, 0, sizeof(buf));
	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETGEN;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		r = -errno;
		goto out;
	}
	r = MNL_CB_OK;
	while (r > MNL_CB_STOP && (n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0)
		r = mnl_cb_run(buf, (size_t)n, seq, portid, gen_cb, &id);
	if (r < 0) {
		r = -errno;
		goto out;
	}
	*out = id;
	r = 0;
out:
	mnl_socket_close(nl);
	return r;
}

int nft_ruleset_stamp(struct hs_fw_stamp *out)
{
	struct stat st;
	char boot[sizeof(out->boot_id)] = "";
	int fd, r;
	ssize_t n;

	memset(out, 0, sizeof(*out));
	if (stat("/proc/self/ns/net", &st) < 0)
		return -errno;
	fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, boot, sizeof(boot) - 1);
	r = n < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return r;
	boot[strcspn(boot, "\n")] = '\0';
	r = nft_genid(&out->genid);
	if (r < 0)
		return r;
	out->netns = (uint64_t)st.st_ino;
	snprintf(out->boot_id, sizeof(out->boot_id), "%s", boot);
	return 0;
}
