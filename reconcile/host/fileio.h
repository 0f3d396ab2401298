/* Whole files, for wgf's own records and key files. */
#pragma once
#include <stddef.h>

/* Reads a whole file (at most 256 MiB, else -EFBIG) into *out, NUL-terminated;
 * the caller frees it. 0 or a negative errno (-ENOENT when it is missing). */
int fileio_read(const char *path, char **out, size_t *out_len);
/* The same for a file that may have been put there by someone else: a
 * symbolic link, FIFO, device or directory in its place is -EINVAL (never
 * followed, never waited on); larger than max is -EFBIG. */
int fileio_read_regular(const char *path, size_t max, char **out, size_t *out_len);
/* Creates the directory (0700) and its parents if missing. */
int fileio_mkdir(const char *path);
/* Writes all of data to fd (retrying short writes and EINTR). 0 or -errno. */
int fileio_write_fd(int fd, const void *data, size_t len);
/* Writes data to path atomically (temp file in the same directory, fsync, rename),
 * with the given mode. */
int fileio_write(const char *path, const void *data, size_t len, unsigned mode);
/* The same without the fsync, for a status file rewritten every second: a
 * reader sees the old or the new file whole, but a crash may lose the last one. */
int fileio_write_volatile(const char *path, const void *data, size_t len, unsigned mode);
