/* `wgf peer config NAME --qr` for any config text (tests/cli/qr.sh): the same
 * cmd/qr_output.c, with the config from a file, so that the suite can give it
 * what a repository makes only with effort (a config too long for level H, one
 * too long for any QR code). The options are the command's.
 * usage: qr_driver CONFIG [--qr] [--format utf8|svg|png] [-o FILE] [--force]
 * Without --qr it prints the config. The text holds a private key when a line
 * says "PrivateKey = " and a 44-character key (not a placeholder). On a
 * terminal, the code fits $COLUMNS when that is set. */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/qr_output.h"
#include "cmd/wgf.h"
#include "reconcile/host/fileio.h"

static bool holds_private_key(const char *text)
{
	for (const char *l = text; l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		size_t n = strcspn(l, "\n");

		if (n == strlen("PrivateKey = ") + 44 && !strncmp(l, "PrivateKey = ", 13))
			return true;
	}
	return false;
}

static int usage(void)
{
	fprintf(stderr, "usage: qr_driver CONFIG [--qr] [--format utf8|svg|png] [-o FILE] [--force]\n");
	return EXIT_ERROR;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "qr", no_argument, NULL, 'q' }, { "format", required_argument, NULL, 'f' },
		{ "force", no_argument, NULL, 'F' },
		{ 0 },
	};
	struct qr_output o = { .format = QR_FORMAT_UTF8, .color = cmd_color_enabled(stdout) };
	bool qr = false;
	char *text = NULL;
	size_t len = 0;
	int c, r;

	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'q': qr = true; break;
		case 'f':
			if (!qr_format_parse(optarg, &o.format))
				return EXIT_ERROR;
			break;
		case 'o': o.path = optarg; break;
		case 'F': o.force = true; break;
		default: return usage();
		}
	}
	if (optind + 1 != argc)
		return usage();
	if (sodium_init() < 0 || fileio_read(argv[optind], &text, &len) < 0) {
		fprintf(stderr, "qr_driver: cannot read %s\n", argv[optind]);
		return EXIT_ERROR;
	}
	o.secret = holds_private_key(text);
	if (getenv("COLUMNS") && isatty(STDOUT_FILENO))
		o.columns = atoi(getenv("COLUMNS"));
	if (qr)
		r = qr_output_write(text, len, &o);
	else
		r = fwrite(text, 1, len, stdout) == len ? EXIT_OK : EXIT_ERROR;
	sodium_memzero(text, len);
	free(text);
	return r;
}
