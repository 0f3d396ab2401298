/* wgf journal export (cmd/journal_export.c), which wgf journal runs. */
#pragma once

#include "cmd/wgf.h"

/* What wgf journal's options gave for export: the dates as typed, the
 * format's name; NULL when not given. */
struct journal_export_args {
	const char *since, *until, *format;
};

/* Writes the export to stdout. Returns the exit code (EXIT_OK, EXIT_ERROR,
 * EXIT_BROKEN). */
int cmd_journal_export(const struct cmd_ctx *c, const struct journal_export_args *a);
