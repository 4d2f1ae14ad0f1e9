// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The agent's configuration parser (src/agent/config.c) on any file.  The
 * input is the file, read from an in-memory file; fuzz/fuzz_config.dict
 * gives libFuzzer the keys and YAML's punctuation.  Checked:
 *  - the result is 0 or -EINVAL (or -EFBIG past the size limit), and
 *    only a refusal says anything: exactly one line, "PATH:LINE:COLUMN: "
 *    and the reason, LINE and COLUMN from 1 and within the file;
 *  - a refused file leaves the configuration as it was (the defaults);
 *  - what is taken keeps what the parser promises: every value in its
 *    range, interface names the kernel would take, no name or collector
 *    twice;
 *  - nothing leaks (LeakSanitizer), nothing reads out of bounds.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "log.h"
#include "fuzz.h"

static char said[4][1024];
static int nsaid;

static void sink(enum ps_log_level level, const char *msg, void *ctx)
{
	if (level != PS_LOG_ERR)
		fz_fail("a message of level %d: %s", level, msg);
	if (nsaid < 4)
		snprintf(said[nsaid], sizeof(said[0]), "%s", msg);
	nsaid++;
}

/* Lines as libyaml counts them: a line ends at \n, \r, \r\n, and the
 * UTF-8 NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR (YAML 1.1's breaks). */
static size_t count_lines(const uint8_t *d, size_t size)
{
	size_t n = 1;

	for (size_t i = 0; i < size; i++) {
		if (d[i] == '\n' || (d[i] == '\r' && (i + 1 == size || d[i + 1] != '\n')))
			n++;
		else if (i + 1 < size && d[i] == 0xc2 && d[i + 1] == 0x85)
			n++;
		else if (i + 2 < size && d[i] == 0xe2 && d[i + 1] == 0x80 &&
			 (d[i + 2] == 0xa8 || d[i + 2] == 0xa9))
			n++;
	}
	return n;
}

static void check_refusal(const char *path, const uint8_t *data, size_t size)
{
	size_t plen = strlen(path), line, col;
	const char *p;
	char *end;

	if (nsaid != 1)
		fz_fail("a refusal said %d lines, not 1 (first: %s)", nsaid, nsaid ? said[0] : "");
	if (strncmp(said[0], path, plen) || said[0][plen] != ':')
		fz_fail("a refusal does not start with the path: %s", said[0]);
	p = said[0] + plen + 1;
	line = strtoul(p, &end, 10);
	if (end == p || *end != ':')
		fz_fail("no line number: %s", said[0]);
	p = end + 1;
	col = strtoul(p, &end, 10);
	if (end == p || strncmp(end, ": ", 2) || !end[2])
		fz_fail("no column, or no reason: %s", said[0]);
	/* libyaml counts a line past the last newline too */
	if (line < 1 || line > count_lines(data, size) + 1 || col < 1 || col > size + 1)
		fz_fail("line %zu, column %zu is not within the file (%zu bytes): %s", line, col,
			size, said[0]);
}

static void check_list(char **l, int n, const char *what, bool iface)
{
	for (int i = 0; i < n; i++) {
		if (!l[i] || !*l[i])
			fz_fail("%s %d is empty", what, i);
		if (iface && (strlen(l[i]) >= IFNAMSIZ || strpbrk(l[i], "/: \t\n")))
			fz_fail("interface '%s' taken", l[i]);
		for (int j = 0; j < i; j++)
			if (!strcmp(l[i], l[j]))
				fz_fail("%s '%s' taken twice", what, l[i]);
	}
}

static void check_taken(const struct ps_agent_config *c)
{
	if (nsaid)
		fz_fail("a file taken said: %s", said[0]);
	check_list(c->ifaces, c->nifaces, "interface", true);
	check_list(c->flows.ipfix, c->flows.nipfix, "collector", false);
	if (c->hook != PS_HOOK_AUTO && c->hook != PS_HOOK_XDP && c->hook != PS_HOOK_TC)
		fz_fail("hook %d taken", c->hook);
	if (c->ttl_threshold > 255 || c->sample < 1 || c->flows.max_flows < 1 ||
	    c->flows.max_flows > 1 << 24)
		fz_fail("a number out of range taken: ttl %u, sample %u, max-flows %u",
			c->ttl_threshold, c->sample, c->flows.max_flows);
	if (!(c->flows.idle_timeout >= 0.001 && c->flows.idle_timeout <= 86400) ||
	    !(c->flows.active_timeout >= 0 && c->flows.active_timeout <= 86400) ||
	    !(c->flows.fin_timeout >= 0 && c->flows.fin_timeout <= 3600))
		fz_fail("a timeout out of range taken: %g %g %g", c->flows.idle_timeout,
			c->flows.active_timeout, c->flows.fin_timeout);
	if (!c->listen || !c->socket || !c->pin_dir || !*c->socket || !*c->pin_dir ||
	    (c->token_file && !*c->token_file))
		fz_fail("an empty setting taken");
}

static void check_defaults(const struct ps_agent_config *c)
{
	if (c->nifaces || c->flows.nipfix || c->hook != PS_HOOK_AUTO || c->token_file ||
	    c->sample != 1 || c->ttl_threshold != 2 || !c->flows.enabled ||
	    c->flows.max_flows != 65536 || strcmp(c->listen, PS_AGENT_DEFAULT_LISTEN) ||
	    strcmp(c->pin_dir, PS_AGENT_DEFAULT_PIN_DIR) || c->xdp_mode_set)
		fz_fail("a refused file changed the configuration");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ps_agent_config c;
	char path[64];
	int fd, rc;

	if (size > 64 * 1024)
		return 0;
	ps_log_set_sink(sink, NULL);
	nsaid = 0;
	fd = fz_memfile(data, size, path, sizeof(path));
	if (fd < 0)
		fz_fail("memfd: %s", strerror(-fd));
	if (ps_agent_config_init(&c))
		fz_fail("init failed");
	rc = ps_agent_config_load(&c, path);
	if (rc == 0)
		check_taken(&c);
	else if (rc == -EINVAL) {
		check_refusal(path, data, size);
		check_defaults(&c);
	} else {
		fz_fail("load returned %d (%s)", rc, strerror(-rc));
	}
	ps_agent_config_free(&c);
	close(fd);
	return 0;
}
