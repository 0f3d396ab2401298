/* YAML documents -> typed model objects: the document dispatcher and the
 * loader's life cycle. Each kind's fields are in model_load_<kind>.c. */
#include "model/model_loader.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_load_spec.h"
#include "model/model_load_value.h"
#include "model/model_names.h"
#include "model/model_validate.h"

/* The kinds of document, in the order messages list them. */
static const struct kind_spec *const kinds[] = { &kind_network, &kind_host, &kind_peer, &kind_tenant, &kind_policy,
						  &kind_operator, &kind_exit_group };
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

/* Where a kind's objects (in l->m) and their extras (in l) are kept. */
struct kind_slot {
	void **objects;
	size_t *count;
	struct obj_extra **extras;
	size_t *cap;
};

static struct kind_slot kind_slot(struct loader *l, const struct kind_spec *k)
{
	char *m = (char *)l->m, *lc = (char *)l;

	return (struct kind_slot){ (void **)(m + k->objects), (size_t *)(m + k->count),
				   (struct obj_extra **)(lc + k->extras), (size_t *)(lc + k->cap) };
}

/* Grows one kind's array and its parallel extras to hold one more. */
static bool grow(struct loader *l, const struct kind_slot *s, size_t size)
{
	size_t c;
	void *a, *b;

	if (*s->count < *s->cap)
		return true;
	c = *s->cap ? *s->cap * 2 : 8;
	a = reallocarray(*s->objects, c, size);
	if (!a)
		return load_oom(l), false;
	*s->objects = a;
	b = reallocarray(*s->extras, c, sizeof(**s->extras));
	if (!b)
		return load_oom(l), false;
	*s->extras = b;
	*s->cap = c;
	return true;
}

static void extra_clear(struct obj_extra *x)
{
	free(x->network);
	free(x->tenant);
	for (size_t i = 0; i < x->n_access_lans; i++)
		free(x->access_lans[i]);
	free(x->access_lans);
	free(x->access_lan_locs);
	free(x->public_locs);
	free(x->addr_locs);
	free(x->lan_locs);
	for (size_t i = 0; i < x->n_hub_names; i++)
		free(x->hub_names[i]);
	free(x->hub_names);
	free(x->hub_locs);
	for (size_t i = 0; i < x->n_link_names; i++)
		free(x->link_names[i]);
	free(x->link_names);
	free(x->link_locs);
	free(x->exit_group);
	for (size_t i = 0; i < x->n_member_names; i++)
		free(x->member_names[i]);
	free(x->member_names);
}

static void meta_clear(struct model_meta *meta)
{
	for (size_t i = 0; i < meta->n_labels; i++) {
		free(meta->labels[i].key);
		free(meta->labels[i].value);
	}
	free(meta->labels);
	free(meta->name);
}

static const struct ynode *key_node(const struct ynode *map, const char *key)
{
	size_t len = strlen(key);

	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *k = map->pairs[i].key;
		if (k->type == YNODE_SCALAR && k->len == len && !memcmp(k->value, key, len))
			return k;
	}
	return NULL;
}

static void load_meta(struct loader *l, const struct ynode *root, struct model_meta *meta,
		      struct obj_extra *x)
{
	static const char *const fields[] = { "name", "labels" };
	const struct ynode *md = ynode_get(root, "metadata"), *n;
	const char *s;

	if (!md) {
		load_missing(l, root, "metadata", "document");
		return;
	}
	if (!want_type(l, md, "metadata", YNODE_MAPPING))
		return;
	check_fields(l, md, &NAME_LIST(fields), "metadata");
	n = ynode_get(md, "name");
	if (!n) {
		load_missing(l, md, "name", "metadata");
	} else if (want_string(l, n, "metadata.name", &s)) {
		if (!model_name_ok(s))
			load_err(l, n, "name %s is not valid (1-63 lowercase letters, digits or \"-\", starting "
				 "with a letter, not ending with \"-\")", diag_quote(s));
		meta->name = load_strdup(l, s);
		if (meta->name)
			x->name_loc = load_loc(l, n);
	}
	n = ynode_get(md, "labels");
	if (n)
		load_labels(l, n, meta);
}

/* The kind the document declares (its apiVersion checked too), or NULL with the problem reported. */
static const struct kind_spec *load_kind(struct loader *l, const struct ynode *root)
{
	static const char *const fields[] = { "apiVersion", "kind", "metadata", "spec" };
	const char *names[N_KINDS], *s, *sug;
	const struct ynode *n;
	char list[96];

	check_fields(l, root, &NAME_LIST(fields), "document");
	n = ynode_get(root, "apiVersion");
	if (!n)
		load_missing(l, root, "apiVersion", "document");
	else if (want_string(l, n, "apiVersion", &s) && strcmp(s, MODEL_API_VERSION))
		load_err(l, n, "unknown apiVersion %s (expected \"%s\")", diag_quote(s), MODEL_API_VERSION);
	n = ynode_get(root, "kind");
	if (!n) {
		load_missing(l, root, "kind", "document");
		return NULL;
	}
	if (!want_string(l, n, "kind", &s))
		return NULL;
	for (size_t i = 0; i < N_KINDS; i++) {
		if (!strcmp(s, kinds[i]->name))
			return kinds[i];
		names[i] = kinds[i]->name;
	}
	sug = name_list_suggest(&NAME_LIST(names), s);
	if (sug)
		load_err(l, n, "unknown kind %s (did you mean \"%s\"?)", diag_quote(s), sug);
	else
		load_err(l, n, "unknown kind %s (expected %s)", diag_quote(s),
			 name_list_join(&NAME_LIST(names), " or ", list, sizeof(list)));
	return NULL;
}

/* One object of kind k from its spec (NULL: none usable), appended to the model. */
static void load_object(struct loader *l, const struct kind_spec *k, const struct ynode *spec,
			struct model_meta *meta, struct obj_extra *x)
{
	struct kind_slot s = kind_slot(l, k);
	union {
		struct model_network net;
		struct model_host host;
		struct model_peer peer;
		struct model_tenant tenant;
		struct model_policy policy;
		struct model_exit_group exit_group;
	} obj;

	memcpy(&obj, k->defaults, k->size);
	if (spec)
		load_spec(l, spec, k->fields, k->n_fields, k->where, &obj, x);
	if (!grow(l, &s, k->size)) {
		if (k->clear)
			k->clear(&obj);
		meta_clear(meta);
		extra_clear(x);
		return;
	}
	memcpy(&obj, meta, sizeof(*meta));   /* every kind's struct starts with its meta */
	x->failed = l->cur_failed;
	(*s.extras)[*s.count] = *x;
	memcpy((char *)*s.objects + *s.count * k->size, &obj, k->size);
	(*s.count)++;
}

static void load_document(struct loader *l, const struct ydoc *doc)
{
	const struct ynode *root = doc->root, *spec;
	struct obj_extra x = { .seq = l->n_docs++ };
	struct model_meta meta = { 0 };
	bool was_incomplete = l->incomplete;
	const struct kind_spec *k;

	l->cur_failed = doc->bad;
	if (doc->bad)
		l->n_errors++;
	/* Until the kind is known, nobody can tell what this document defines:
	 * references that might point at it are not reported as missing. */
	l->incomplete = true;
	if (root->type != YNODE_MAPPING) {
		/* not quoted: a file that is not a manifest (a key, a secret) stays out of messages */
		load_err(l, root, "a document must be a mapping of apiVersion, kind, metadata and spec, got %s",
			 root->type == YNODE_SCALAR ? "a single value" : ynode_describe(root));
		return;
	}
	k = load_kind(l, root);
	if (!k)
		return;
	l->incomplete = was_incomplete;
	meta.loc = load_loc(l, key_node(root, "kind"));
	load_meta(l, root, &meta, &x);
	spec = ynode_get(root, "spec");
	if (!spec)
		load_missing(l, root, "spec", "document");
	else if (!want_type(l, spec, "spec", YNODE_MAPPING))
		spec = NULL;
	load_object(l, k, spec, &meta, &x);
}

int loader_init(struct loader *l, struct diag *d)
{
	memset(l, 0, sizeof(*l));
	l->d = d;
	ybudget_init(&l->budget, MODEL_MAX_NODES);
	if (key_init() < 0) {
		diag_add(d, NULL, "cannot initialize libsodium");
		return -EIO;
	}
	l->m = calloc(1, sizeof(*l->m));
	if (!l->m) {
		diag_add(d, NULL, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* Registers the file name that locations in this file's objects point to. */
static bool loader_register(struct loader *l, const char *name, size_t len)
{
	struct model *m = l->m;
	char **files;

	if (m->n_files == l->cap_files) {
		size_t cap = l->cap_files ? l->cap_files * 2 : 16;
		files = reallocarray(m->files, cap, sizeof(*files));
		if (!files) {
			load_oom(l);
			return false;
		}
		m->files = files;
		l->cap_files = cap;
	}
	m->files[m->n_files] = strdup(name);
	if (!m->files[m->n_files]) {
		load_oom(l);
		return false;
	}
	l->file = m->files[m->n_files++];
	l->total_size += len;
	return true;
}

void loader_add_tree(struct loader *l, const char *name, struct ytree *t, size_t len)
{
	if (!loader_register(l, name, len) || !t) {
		l->incomplete = l->incomplete || !t;
		if (t)
			ytree_free(t);
		return;
	}
	for (size_t i = 0; i < t->n_docs && !l->oom; i++)
		load_document(l, &t->docs[i]);
	ytree_free(t);
}

void loader_add_file(struct loader *l, const char *name, const char *buf, size_t len)
{
	struct ytree t;

	if (!ytree_parse(name, buf, len, &l->budget, &t, l->d)) {
		loader_add_tree(l, name, NULL, len);
		return;
	}
	loader_add_tree(l, name, &t, len);
}

static bool loader_failed(const struct loader *l)
{
	if (l->oom || l->incomplete)
		return true;
	for (size_t k = 0; k < N_KINDS; k++) {
		struct kind_slot s = kind_slot((struct loader *)l, kinds[k]);
		for (size_t i = 0; i < *s.count; i++)
			if ((*s.extras)[i].failed)
				return true;
	}
	return l->n_errors > 0;
}

static void extras_free(struct loader *l)
{
	for (size_t k = 0; k < N_KINDS; k++) {
		struct obj_extra **xs = (struct obj_extra **)((char *)l + kinds[k]->extras);
		size_t n = l->m ? *kind_slot(l, kinds[k]).count : 0;

		for (size_t i = 0; i < n; i++)
			extra_clear(&(*xs)[i]);
		free(*xs);
		*xs = NULL;
	}
}

void loader_free(struct loader *l)
{
	extras_free(l);
	model_free(l->m);
	memset(l, 0, sizeof(*l));
}

int loader_finish(struct loader *l, struct model **out)
{
	int r;

	*out = NULL;
	if (!l->oom)
		model_validate(l);
	if (l->d->n)
		diag_sort(l->d);   /* qsort() on an empty (NULL) array is undefined */
	if (l->oom)
		r = -ENOMEM;
	else if (loader_failed(l))
		r = -EINVAL;
	else {
		extras_free(l);
		l->m->n_documents = l->n_docs;
		*out = l->m;
		l->m = NULL;
		r = 0;
	}
	loader_free(l);
	return r;
}
