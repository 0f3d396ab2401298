#include "reconcile/host/sshsig.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "model/diag.h"

#define ARMOR_BEGIN "-----BEGIN SSH SIGNATURE-----"
#define ARMOR_END "-----END SSH SIGNATURE-----"
#define MAGIC "SSHSIG"
#define MAGIC_LEN 6
/* Far more than any SSH signature block: an RSA-16384 one is about 5 KiB. */
#define SSHSIG_MAX_LEN 65536

/* A read cursor over the decoded blob: SSH wire strings (uint32 length, bytes). */
struct cursor {
	const uint8_t *p;
	size_t left;
};

static bool get_u32(struct cursor *c, uint32_t *out)
{
	if (c->left < 4)
		return false;
	*out = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 | (uint32_t)c->p[2] << 8 | c->p[3];
	c->p += 4;
	c->left -= 4;
	return true;
}

static bool get_string(struct cursor *c, const uint8_t **s, size_t *len)
{
	uint32_t n;

	if (!get_u32(c, &n) || n > c->left)
		return false;
	*s = c->p;
	*len = n;
	c->p += n;
	c->left -= n;
	return true;
}

/* A string that must be text without NUL, copied into buf (NUL-terminated). */
static bool get_text(struct cursor *c, char *buf, size_t size)
{
	const uint8_t *s;
	size_t n;

	if (!get_string(c, &s, &n) || n >= size || memchr(s, '\0', n))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return true;
}

/* The base64 between the armor lines, decoded into a new buffer. */
static int unarmor(const char *text, size_t len, uint8_t **out, size_t *out_len)
{
	const char *begin, *end, *b64;
	size_t cap, n = 0;
	uint8_t *bin;

	*out = NULL;
	if (len > SSHSIG_MAX_LEN || !(begin = memmem(text, len, ARMOR_BEGIN, strlen(ARMOR_BEGIN))))
		return -EBADMSG;
	b64 = begin + strlen(ARMOR_BEGIN);
	end = memmem(b64, len - (size_t)(b64 - text), ARMOR_END, strlen(ARMOR_END));
	if (!end)
		return -EBADMSG;
	cap = (size_t)(end - b64) / 4 * 3 + 3;
	bin = malloc(cap ? cap : 1);
	if (!bin)
		return -ENOMEM;
	if (sodium_base642bin(bin, cap, b64, (size_t)(end - b64), " \t\r\n", &n, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(bin);
		return -EBADMSG;
	}
	*out = bin;
	*out_len = n;
	return 0;
}

/* string "ssh-ed25519", string key or signature of exactly len bytes */
static int get_ed25519(struct cursor *c, char *type, size_t type_size, uint8_t *out, size_t len)
{
	struct cursor in;
	const uint8_t *blob, *bytes;
	size_t blob_len, n;

	if (!get_string(c, &blob, &blob_len))
		return -EBADMSG;
	in = (struct cursor){ blob, blob_len };
	if (!get_text(&in, type, type_size))
		return -EBADMSG;
	if (strcmp(type, "ssh-ed25519"))
		return -EOPNOTSUPP;
	if (!get_string(&in, &bytes, &n) || n != len || in.left)
		return -EBADMSG;
	memcpy(out, bytes, len);
	return 0;
}

static int parse_blob(struct cursor *c, struct sshsig *s, struct wgf_error *err)
{
	char reserved[8], sig_type[32];
	int r;

	if (c->left < MAGIC_LEN || memcmp(c->p, MAGIC, MAGIC_LEN))
		return wgf_error_set(err, -EBADMSG, "not an SSH signature (no SSHSIG magic)");
	c->p += MAGIC_LEN;
	c->left -= MAGIC_LEN;
	if (!get_u32(c, &s->version))
		return wgf_error_set(err, -EBADMSG, "a cut SSH signature");
	if (s->version != 1)
		return wgf_error_set(err, -EOPNOTSUPP, "SSH signature version %u (only version 1 is known)", s->version);
	r = get_ed25519(c, s->key_type, sizeof(s->key_type), s->public_key, sizeof(s->public_key));
	if (r == -EOPNOTSUPP)
		return wgf_error_set(err, r, "key type %s is not supported (only ssh-ed25519)", diag_quote(s->key_type));
	if (r < 0)
		return wgf_error_set(err, r, "a damaged SSH signature (its public key)");
	if (!get_text(c, s->namespace_, sizeof(s->namespace_)) || !get_text(c, reserved, sizeof(reserved)) ||
	    !get_text(c, s->hash, sizeof(s->hash)))
		return wgf_error_set(err, -EBADMSG, "a damaged SSH signature (namespace, reserved or hash)");
	if (strcmp(s->hash, "sha512") && strcmp(s->hash, "sha256"))
		return wgf_error_set(err, -EOPNOTSUPP, "hash %s is not supported (sha512 or sha256)", diag_quote(s->hash));
	r = get_ed25519(c, sig_type, sizeof(sig_type), s->signature, sizeof(s->signature));
	if (r < 0 || c->left)
		return wgf_error_set(err, -EBADMSG, "a damaged SSH signature (its signature)");
	return 0;
}

int sshsig_parse(const char *armored, size_t len, struct sshsig *out, struct wgf_error *err)
{
	uint8_t *bin = NULL;
	size_t n = 0;
	struct cursor c;
	int r;

	memset(out, 0, sizeof(*out));
	r = unarmor(armored, len, &bin, &n);
	if (r == -ENOMEM)
		return wgf_error_set(err, r, NULL);
	if (r < 0)
		return wgf_error_set(err, r, "not an SSH signature (no readable " ARMOR_BEGIN " block)");
	c = (struct cursor){ bin, n };
	r = parse_blob(&c, out, err);
	free(bin);
	return r;
}

static void put_string(uint8_t *buf, size_t *off, const void *s, size_t n)
{
	buf[(*off)++] = (uint8_t)(n >> 24);
	buf[(*off)++] = (uint8_t)(n >> 16);
	buf[(*off)++] = (uint8_t)(n >> 8);
	buf[(*off)++] = (uint8_t)n;
	memcpy(buf + *off, s, n);
	*off += n;
}

int sshsig_verify(const struct sshsig *s, const char *ns, const void *msg, size_t len, struct wgf_error *err)
{
	uint8_t digest[crypto_hash_sha512_BYTES], data[MAGIC_LEN + 4 * 4 + sizeof(s->namespace_) +
						       sizeof(s->hash) + crypto_hash_sha512_BYTES];
	size_t off = 0, dlen;

	if (strcmp(s->namespace_, ns))
		return wgf_error_set(err, -EPERM, "signed for namespace %s, not \"%s\"", diag_quote(s->namespace_), ns);
	if (!strcmp(s->hash, "sha512")) {
		crypto_hash_sha512(digest, msg, len);
		dlen = crypto_hash_sha512_BYTES;
	} else {
		crypto_hash_sha256(digest, msg, len);
		dlen = crypto_hash_sha256_BYTES;
	}
	/* what was signed: MAGIC, string namespace, string reserved, string hash, string H(msg) */
	memcpy(data, MAGIC, MAGIC_LEN);
	off = MAGIC_LEN;
	put_string(data, &off, s->namespace_, strlen(s->namespace_));
	put_string(data, &off, "", 0);
	put_string(data, &off, s->hash, strlen(s->hash));
	put_string(data, &off, digest, dlen);
	if (crypto_sign_ed25519_verify_detached(s->signature, data, off, s->public_key) != 0)
		return wgf_error_set(err, -EKEYREJECTED, "the signature does not match what was signed");
	return 0;
}

const char *sshsig_fingerprint(const struct sshsig *s, char *buf)
{
	uint8_t blob[4 + 11 + 4 + SSHSIG_ED25519_KEY_LEN], digest[crypto_hash_sha256_BYTES];
	size_t off = 0;
	char *b64 = buf + 7;

	put_string(blob, &off, "ssh-ed25519", 11);
	put_string(blob, &off, s->public_key, SSHSIG_ED25519_KEY_LEN);
	crypto_hash_sha256(digest, blob, off);
	memcpy(buf, "SHA256:", 7);
	sodium_bin2base64(b64, SSHSIG_FINGERPRINT_LEN - 7, digest, sizeof(digest),
			  sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	return buf;
}
