// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The agent's configuration file (config.h has the keys).  libyaml builds
 * the document; this walks it against a table of keys, each with its kind
 * and where it goes, and says what is wrong at the line and column of the
 * node that is wrong.  Aliases are followed only where a value is read, at
 * most two levels deep, so no document costs more than its size.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <yaml.h>
#include "config.h"
#include "hostport.h"
#include "log.h"

enum kind {
	K_STR,        /* a path or a name */
	K_IFACES,     /* one interface name or a list of them */
	K_HOOK,
	K_XDP_MODE,
	K_LISTEN,     /* numeric ADDR:PORT */
	K_U32,        /* a whole number in [min, max] */
	K_SECONDS,    /* a number of seconds in [min, max] */
	K_BOOL,
	K_HOSTPORTS,  /* one HOST:PORT or a list */
	K_MAP,        /* a mapping of the keys in 'sub' */
};

struct key {
	const char *name;
	enum kind kind;
	size_t off;                /* in struct ps_agent_config (the plain kinds) */
	double min, max;
	const struct key *sub;     /* K_MAP */
};

#define OFF(f) offsetof(struct ps_agent_config, f)

static const struct key flow_keys[] = {
	{ .name = "enabled", .kind = K_BOOL, .off = OFF(flows.enabled) },
	{ .name = "max-flows", .kind = K_U32, .off = OFF(flows.max_flows), .min = 1, .max = 1 << 24 },
	{ .name = "idle-timeout", .kind = K_SECONDS, .off = OFF(flows.idle_timeout),
	  .min = 0.001, .max = 86400 },
	{ .name = "active-timeout", .kind = K_SECONDS, .off = OFF(flows.active_timeout),
	  .max = 86400 },
	{ .name = "fin-timeout", .kind = K_SECONDS, .off = OFF(flows.fin_timeout), .max = 3600 },
	{ .name = "ipfix", .kind = K_HOSTPORTS },
	{ .name = NULL }
};

static const struct key top_keys[] = {
	{ .name = "interfaces", .kind = K_IFACES },
	{ .name = "hook", .kind = K_HOOK },
	{ .name = "xdp-mode", .kind = K_XDP_MODE },
	{ .name = "listen", .kind = K_LISTEN },
	{ .name = "token-file", .kind = K_STR, .off = OFF(token_file) },
	{ .name = "socket", .kind = K_STR, .off = OFF(socket) },
	{ .name = "pin-dir", .kind = K_STR, .off = OFF(pin_dir) },
	{ .name = "ttl-threshold", .kind = K_U32, .off = OFF(ttl_threshold), .max = 255 },
	{ .name = "sample", .kind = K_U32, .off = OFF(sample), .min = 1, .max = 1u << 31 },
	{ .name = "flows", .kind = K_MAP, .sub = flow_keys },
	{ .name = NULL }
};

struct walk {
	const char *path;
	yaml_document_t *doc;
	struct ps_agent_config *c;
};

static int bad(const struct walk *w, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "FILE:LINE:COLUMN: what", lines and columns from 1 as editors count. */
static int bad(const struct walk *w, const yaml_node_t *n, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	ps_err("%s:%zu:%zu: %s", w->path, n->start_mark.line + 1, n->start_mark.column + 1, what);
	return -EINVAL;
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static const char *kind_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return "a value";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

static int want_scalar(const struct walk *w, const yaml_node_t *n, const char *key,
		       const char *what)
{
	if (n->type == YAML_SCALAR_NODE)
		return 0;
	return bad(w, n, "'%s' takes %s, not %s", key, what, kind_name(n));
}

static void *field(const struct walk *w, const struct key *k)
{
	return (char *)w->c + k->off;
}

static int set_str(char **dst, const char *v)
{
	char *s = strdup(v);

	if (!s)
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

static void free_list(char **l, int n)
{
	for (int i = 0; l && i < n; i++)
		free(l[i]);
	free(l);
}

/* The kernel's rule for a device name (dev_valid_name()). */
static const char *iface_problem(const char *s)
{
	if (!*s)
		return "is empty";
	if (strlen(s) >= IFNAMSIZ)
		return "is longer than an interface name can be (15 characters)";
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return "is not an interface name";
	for (; *s; s++)
		if (*s == '/' || *s == ':' || *s <= ' ' || *s == 0x7f)
			return "holds a character no interface name has ('/', ':', a space or a control character)";
	return NULL;
}

static const char *hostport_problem(enum ps_hostport_err e)
{
	switch (e) {
	case PS_HP_OK:
		return NULL;
	case PS_HP_BRACKET:
		return "is not [IPv6]:PORT";
	case PS_HP_NO_PORT:
		return "has no port: give HOST:PORT";
	case PS_HP_V6_UNBRACKETED:
		return "needs its IPv6 address in brackets, as [2001:db8::1]:PORT";
	case PS_HP_NO_HOST:
		return "has no host: give HOST:PORT";
	case PS_HP_HOST_LONG:
		return "has too long a host name";
	case PS_HP_BAD_PORT:
		return "needs a port from 1 to 65535";
	}
	return "is not HOST:PORT";
}

/* One value or a list of them, each checked by 'check' (NULL: fine),
 * into a new list; duplicates refused. */
static int set_list(const struct walk *w, const yaml_node_t *n, const char *key, const char *what,
		    const char *(*check)(const char *), char ***dst, int *ndst)
{
	const yaml_node_t *one = n;
	char **l = NULL;
	int cnt = 1, i = 0, err = 0;

	if (n->type == YAML_MAPPING_NODE)
		return bad(w, n, "'%s' takes %s or a list of them, not a mapping", key, what);
	if (n->type == YAML_SEQUENCE_NODE) {
		cnt = n->data.sequence.items.top - n->data.sequence.items.start;
		if (!cnt)
			return bad(w, n, "'%s' is an empty list: give at least one %s", key, what);
	}
	l = calloc(cnt, sizeof(*l));
	if (!l)
		return -ENOMEM;
	for (i = 0; i < cnt; i++) {
		const char *v, *why;

		if (n->type == YAML_SEQUENCE_NODE)
			one = yaml_document_get_node(w->doc, n->data.sequence.items.start[i]);
		if (!one || one->type != YAML_SCALAR_NODE) {
			err = bad(w, one ? one : n, "each of '%s' is %s, not %s", key, what,
				  one ? kind_name(one) : "nothing");
			goto fail;
		}
		v = scalar(one);
		why = check ? check(v) : NULL;
		if (why) {
			err = bad(w, one, "%s '%s' %s", what, v, why);
			goto fail;
		}
		for (int j = 0; j < i; j++)
			if (!strcmp(l[j], v)) {
				err = bad(w, one, "%s '%s' is given twice", what, v);
				goto fail;
			}
		l[i] = strdup(v);
		if (!l[i]) {
			err = -ENOMEM;
			goto fail;
		}
	}
	free_list(*dst, *ndst);
	*dst = l;
	*ndst = cnt;
	return 0;
fail:
	free_list(l, i);
	return err;
}

static const char *collector_problem(const char *v)
{
	char host[256], port[8];

	return hostport_problem(ps_hostport_split(v, host, sizeof(host), port, sizeof(port)));
}

static int set_listen(const struct walk *w, const yaml_node_t *n, char **dst)
{
	char host[64], port[8];
	const char *v = scalar(n), *why;
	struct in6_addr a6;
	struct in_addr a4;

	why = hostport_problem(ps_hostport_split(v, host, sizeof(host), port, sizeof(port)));
	if (why)
		return bad(w, n, "listen address '%s' %s", v, why);
	if (inet_pton(AF_INET, host, &a4) != 1 && inet_pton(AF_INET6, host, &a6) != 1)
		return bad(w, n, "listen address '%s': give a numeric address, as 127.0.0.1:9386 or [::1]:9386", v);
	return set_str(dst, v);
}

static int parse_number(const struct walk *w, const yaml_node_t *n, const struct key *k,
			bool whole, double *out)
{
	const char *v = scalar(n);
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (!*v || *end || errno || !isfinite(d) || (whole && (d != floor(d) || strpbrk(v, ".eE"))) ||
	    !strpbrk(v, "0123456789") || strncasecmp(v, "0x", 2) == 0)
		return bad(w, n, "'%s' takes %s, not '%s'", k->name,
			   whole ? "a whole number" : "a number of seconds", v);
	if (d < k->min || d > k->max) {
		if (whole)
			return bad(w, n, "'%s' is %s: give %.0f to %.0f", k->name, v, k->min, k->max);
		return bad(w, n, "'%s' is %s: give %g to %g seconds", k->name, v, k->min, k->max);
	}
	*out = d;
	return 0;
}

static int set_bool(const struct walk *w, const yaml_node_t *n, const struct key *k, bool *dst)
{
	static const char *const yes[] = { "true", "yes", "on" }, *const no[] = { "false", "no", "off" };
	const char *v = scalar(n);

	for (size_t i = 0; i < 3; i++) {
		if (!strcasecmp(v, yes[i])) {
			*dst = true;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*dst = false;
			return 0;
		}
	}
	return bad(w, n, "'%s' takes true or false, not '%s'", k->name, v);
}

static int walk_map(struct walk *w, const yaml_node_t *map, const struct key *keys,
		    const char *where);

static int set_value(struct walk *w, const struct key *k, const yaml_node_t *v)
{
	struct ps_agent_config *c = w->c;
	double d;
	int err;

	switch (k->kind) {
	case K_MAP:
		if (v->type != YAML_MAPPING_NODE)
			return bad(w, v, "'%s' takes a mapping of its keys, not %s", k->name,
				   kind_name(v));
		return walk_map(w, v, k->sub, k->name);
	case K_IFACES:
		return set_list(w, v, k->name, "interface", iface_problem, &c->ifaces, &c->nifaces);
	case K_HOSTPORTS:
		return set_list(w, v, k->name, "collector", collector_problem, &c->flows.ipfix,
				&c->flows.nipfix);
	default:
		break;
	}
	err = want_scalar(w, v, k->name, k->kind == K_BOOL ? "true or false" : "one value");
	if (err)
		return err;
	switch (k->kind) {
	case K_STR:
		if (!*scalar(v))
			return bad(w, v, "'%s' is empty", k->name);
		return set_str(field(w, k), scalar(v));
	case K_HOOK:
		if (ps_hook_parse(scalar(v), &c->hook) || c->hook == PS_HOOK_SOCKET)
			return bad(w, v, "'hook' takes auto, xdp or tc, not '%s'", scalar(v));
		return 0;
	case K_XDP_MODE:
		if (ps_xdp_mode_parse(scalar(v), &c->xdp_mode))
			return bad(w, v, "'xdp-mode' takes auto, native or generic, not '%s'",
				   scalar(v));
		c->xdp_mode_set = true;
		return 0;
	case K_LISTEN:
		return set_listen(w, v, &c->listen);
	case K_U32:
		err = parse_number(w, v, k, true, &d);
		if (!err)
			*(__u32 *)field(w, k) = (__u32)d;
		return err;
	case K_SECONDS:
		err = parse_number(w, v, k, false, &d);
		if (!err)
			*(double *)field(w, k) = d;
		return err;
	case K_BOOL:
		return set_bool(w, v, k, field(w, k));
	default:
		return -EINVAL;
	}
}

static void key_names(const struct key *keys, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (const struct key *k = keys; k->name && n < len; k++)
		n += snprintf(buf + n, len - n, "%s%s", k == keys ? "" : ", ", k->name);
}

static int walk_map(struct walk *w, const yaml_node_t *map, const struct key *keys,
		    const char *where)
{
	const yaml_node_t *seen[16] = { 0 };
	yaml_node_pair_t *p;
	char names[256];

	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		const yaml_node_t *kn = yaml_document_get_node(w->doc, p->key);
		const yaml_node_t *vn = yaml_document_get_node(w->doc, p->value);
		const struct key *k;
		int err, i;

		if (!kn || !vn)
			return -EINVAL;
		if (kn->type != YAML_SCALAR_NODE)
			return bad(w, kn, "a key is a name, not %s", kind_name(kn));
		for (k = keys, i = 0; k->name; k++, i++)
			if (!strcmp(k->name, scalar(kn)))
				break;
		if (!k->name) {
			key_names(keys, names, sizeof(names));
			return bad(w, kn, "unknown key '%s'%s%s: the keys%s are %s", scalar(kn),
				   where ? " in " : "", where ? where : "", where ? " there" : "",
				   names);
		}
		if (seen[i])
			return bad(w, kn, "'%s' is given twice (first at line %zu)", k->name,
				   seen[i]->start_mark.line + 1);
		seen[i] = kn;
		err = set_value(w, k, vn);
		if (err)
			return err;
	}
	return 0;
}

static int read_file(const char *path, unsigned char **buf, size_t *len)
{
	struct stat st;
	FILE *f;
	size_t n;
	int err = 0;

	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		ps_err("cannot read the configuration %s: %s", path, strerror(errno));
		return err;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		ps_err("the configuration %s is a directory: give the file", path);
		fclose(f);
		return -EISDIR;
	}
	*buf = malloc(PS_AGENT_CONFIG_MAX_BYTES + 1);
	if (!*buf) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(*buf, 1, PS_AGENT_CONFIG_MAX_BYTES + 1, f);
	if (ferror(f)) {
		err = -EIO;
		ps_err("cannot read the configuration %s: %s", path, strerror(EIO));
	} else if (n > PS_AGENT_CONFIG_MAX_BYTES) {
		err = -EFBIG;
		ps_err("the configuration %s is larger than %d bytes: is it the right file?", path,
		       PS_AGENT_CONFIG_MAX_BYTES);
	}
	fclose(f);
	if (err) {
		free(*buf);
		*buf = NULL;
		return err;
	}
	*len = n;
	return 0;
}

/* The fields a load may change, copied so that a refused file leaves the
 * configuration as it was. */
static int clone(struct ps_agent_config *dst, const struct ps_agent_config *src)
{
	*dst = *src;
	dst->ifaces = NULL;
	dst->flows.ipfix = NULL;
	dst->listen = dst->token_file = dst->socket = dst->pin_dir = NULL;
	if ((src->listen && !(dst->listen = strdup(src->listen))) ||
	    (src->token_file && !(dst->token_file = strdup(src->token_file))) ||
	    (src->socket && !(dst->socket = strdup(src->socket))) ||
	    (src->pin_dir && !(dst->pin_dir = strdup(src->pin_dir))))
		goto nomem;
	if (src->nifaces) {
		dst->ifaces = calloc(src->nifaces, sizeof(char *));
		if (!dst->ifaces)
			goto nomem;
		for (int i = 0; i < src->nifaces; i++)
			if (!(dst->ifaces[i] = strdup(src->ifaces[i])))
				goto nomem;
	}
	if (src->flows.nipfix) {
		dst->flows.ipfix = calloc(src->flows.nipfix, sizeof(char *));
		if (!dst->flows.ipfix)
			goto nomem;
		for (int i = 0; i < src->flows.nipfix; i++)
			if (!(dst->flows.ipfix[i] = strdup(src->flows.ipfix[i])))
				goto nomem;
	}
	return 0;
nomem:
	ps_agent_config_free(dst);
	return -ENOMEM;
}

/* libyaml's own words for what is not YAML, where it found it. */
static int not_yaml(const char *path, const yaml_parser_t *parser)
{
	ps_err("%s:%zu:%zu: %s%s%s", path, parser->problem_mark.line + 1,
	       parser->problem_mark.column + 1, parser->problem ? parser->problem : "not YAML",
	       parser->context ? " " : "", parser->context ? parser->context : "");
	return -EINVAL;
}

int ps_agent_config_load(struct ps_agent_config *c, const char *path)
{
	struct ps_agent_config next;
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	yaml_node_t *root;
	struct walk w = { .path = path, .doc = &doc, .c = &next };
	unsigned char *buf = NULL;
	size_t len = 0;
	int err;

	err = read_file(path, &buf, &len);
	if (err)
		return err;
	err = clone(&next, c);
	if (err) {
		free(buf);
		return err;
	}
	if (!yaml_parser_initialize(&parser)) {
		err = -ENOMEM;
		goto out_next;
	}
	yaml_parser_set_input_string(&parser, buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		err = not_yaml(path, &parser);
		goto out_parser;
	}
	root = yaml_document_get_root_node(&doc);
	if (root) {
		if (!yaml_parser_load(&parser, &extra)) {
			err = not_yaml(path, &parser);
			goto out_doc;
		}
		if (yaml_document_get_root_node(&extra)) {
			yaml_node_t *x = yaml_document_get_root_node(&extra);

			err = bad(&w, x, "a second YAML document: the configuration is one");
			yaml_document_delete(&extra);
			goto out_doc;
		}
		yaml_document_delete(&extra);
		if (root->type != YAML_MAPPING_NODE &&
		    !(root->type == YAML_SCALAR_NODE && !*scalar(root))) {
			err = bad(&w, root, "the configuration is a mapping of keys (interfaces:, "
					    "listen:, flows: ...), not %s", kind_name(root));
			goto out_doc;
		}
		if (root->type == YAML_MAPPING_NODE) {
			err = walk_map(&w, root, top_keys, NULL);
			if (err)
				goto out_doc;
		}
	}
	ps_agent_config_free(c);
	*c = next;
	memset(&next, 0, sizeof(next));
out_doc:
	yaml_document_delete(&doc);
out_parser:
	yaml_parser_delete(&parser);
out_next:
	ps_agent_config_free(&next);
	free(buf);
	return err;
}

int ps_agent_config_init(struct ps_agent_config *c)
{
	memset(c, 0, sizeof(*c));
	c->hook = PS_HOOK_AUTO;
	c->xdp_mode = PS_XDP_AUTO;
	c->ttl_threshold = 2;
	c->sample = 1;
	c->flows.enabled = true;
	c->flows.max_flows = 65536;
	c->flows.idle_timeout = 15;
	c->flows.active_timeout = 60;
	c->flows.fin_timeout = 1;
	c->listen = strdup(PS_AGENT_DEFAULT_LISTEN);
	c->socket = strdup(PS_AGENT_DEFAULT_SOCKET);
	c->pin_dir = strdup(PS_AGENT_DEFAULT_PIN_DIR);
	if (!c->listen || !c->socket || !c->pin_dir) {
		ps_agent_config_free(c);
		return -ENOMEM;
	}
	return 0;
}

void ps_agent_config_free(struct ps_agent_config *c)
{
	free_list(c->ifaces, c->nifaces);
	free_list(c->flows.ipfix, c->flows.nipfix);
	free(c->listen);
	free(c->token_file);
	free(c->socket);
	free(c->pin_dir);
	memset(c, 0, sizeof(*c));
}
