/* A small YAML node tree built from libyaml events, with the source position of
 * every node. Only what wgf's format needs: scalars, sequences, mappings.
 *
 * Rejected while building (reported to the diag): syntax errors, anchors and
 * aliases, explicit tags, duplicate mapping keys, non-scalar mapping keys,
 * nesting deeper than MODEL_MAX_DEPTH, input over MODEL_MAX_FILE_SIZE, and more
 * nodes than the budget allows (MODEL_MAX_NODES for a whole repository).
 */
#pragma once
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "model/diag.h"

enum ynode_type {
	YNODE_SCALAR = 1,
	YNODE_SEQUENCE,
	YNODE_MAPPING,
};

struct ynode_pair;

struct ynode {
	enum ynode_type type;
	unsigned line, col;            /* 1-based start of the node */
	bool quoted;                   /* scalar: any style but plain */
	char *value;                   /* scalar: NUL-terminated copy ... */
	size_t len;                    /* ... of len bytes (may hold NULs) */
	struct ynode **items;          /* sequence: n items */
	struct ynode_pair *pairs;      /* mapping: n pairs, document order, no duplicate keys */
	size_t n, cap;
};

struct ynode_pair {
	struct ynode *key;             /* a scalar unless the document is bad */
	struct ynode *value;
};

struct ydoc {
	struct ynode *root;
	bool bad;                      /* a non-fatal error was reported in this document */
};

struct yarena;

struct ytree {
	struct ydoc *docs;             /* non-empty documents only */
	size_t n_docs;
	struct yarena *arena;          /* every node, string and child array of this tree */
};

/* How many nodes (scalars, lists, mappings, documents) every file of one source
 * may build together: memory is bounded by what the input builds, not only by its
 * bytes (a 60 MiB flow list of 1s is 30 million nodes). Shared by parser threads. */
struct ybudget {
	_Atomic size_t used;
	size_t max;
	atomic_flag reported;          /* the first file over the budget says so; the rest fail quietly */
};

void ybudget_init(struct ybudget *b, size_t max);

/* Parses buf (len bytes, need not be NUL-terminated). file is used in messages
 * and must outlive nothing: it is copied by diag. budget may be NULL (a budget of
 * MODEL_MAX_NODES for this file alone). Returns false on a fatal error (the whole
 * file is unusable; *out is empty), true otherwise; documents with non-fatal
 * errors are kept and marked bad. */
bool ytree_parse(const char *file, const char *buf, size_t len, struct ybudget *budget,
		 struct ytree *out, struct diag *d);
void ytree_free(struct ytree *t);

/* The value of key in a mapping, or NULL. */
struct ynode *ynode_get(const struct ynode *map, const char *key);
/* "a mapping", "a list", or the quoted scalar value, for messages. */
const char *ynode_describe(const struct ynode *n);
