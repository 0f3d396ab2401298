#include <stdio.h>

#include "cmd/wgf.h"

int cmd_version(int argc, char **argv)
{
	printf("wgf %s\n", WGF_VERSION);
	return EXIT_OK;
}
