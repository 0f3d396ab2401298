/* Where a client config goes: a file (0600), stdout, or a QR code. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/peer.h"
#include "cmd/wgf.h"
#include "reconcile/host/fileio.h"

int peer_output_config(const struct peer_output *o, const char *text, size_t len, bool holds_key)
{
	int r;

	if (o->qr || (o->format && strcmp(o->format, "conf"))) {
		cmd_error("peer: QR codes are not built in yet");
		return -1;
	}
	if (o->out && strcmp(o->out, "-")) {
		r = fileio_write(o->out, text, len, 0600);
		if (r < 0) {
			cmd_error("writing %s: %s", o->out, strerror(-r));
			return -1;
		}
		fprintf(stderr, "wrote %s (mode 0600)%s\n", o->out, holds_key ? ": it holds the private key" : "");
		return 0;
	}
	if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
		cmd_error("writing the config to stdout failed");
		return -1;
	}
	return 0;
}
