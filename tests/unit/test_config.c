// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The agent's configuration file (src/agent/config.c): a table of files,
 * each with the settings it must give or the one line it must be refused
 * with ("FILE:LINE:COLUMN: what is wrong"), through the log sink; a
 * refused file leaves the configuration as it was.  Needs no privilege.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cmtest.h"
#include "config.h"
#include "log.h"

static char dir[] = "/tmp/pktscope-test-config.XXXXXX";
static char path[512];
static char *msgs;	/* every line the sink got, each ending in \n */

static void sink(enum ps_log_level level, const char *msg, void *ctx)
{
	size_t old = msgs ? strlen(msgs) : 0;

	msgs = realloc(msgs, old + strlen(msg) + 2);
	assert_non_null(msgs);
	strcpy(msgs + old, msg);
	strcat(msgs + old, "\n");
}

static void write_file(const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* Loads 'text' over the defaults; returns the result, the lines said in msgs. */
static int load(struct ps_agent_config *c, const char *text)
{
	free(msgs);
	msgs = NULL;
	write_file(text);
	assert_int_equal(ps_agent_config_init(c), 0);
	return ps_agent_config_load(c, path);
}

static void assert_defaults(const struct ps_agent_config *c)
{
	assert_int_equal(c->nifaces, 0);
	assert_int_equal(c->hook, PS_HOOK_AUTO);
	assert_int_equal(c->xdp_mode, PS_XDP_AUTO);
	assert_false(c->xdp_mode_set);
	assert_string_equal(c->listen, PS_AGENT_DEFAULT_LISTEN);
	assert_null(c->token_file);
	assert_string_equal(c->socket, PS_AGENT_DEFAULT_SOCKET);
	assert_string_equal(c->pin_dir, PS_AGENT_DEFAULT_PIN_DIR);
	assert_int_equal(c->ttl_threshold, 2);
	assert_int_equal(c->sample, 1);
	assert_true(c->flows.enabled);
	assert_int_equal(c->flows.max_flows, 65536);
	assert_true(c->flows.idle_timeout == 15);
	assert_true(c->flows.active_timeout == 60);
	assert_true(c->flows.fin_timeout == 1);
	assert_int_equal(c->flows.nipfix, 0);
}

static int setup(void **state)
{
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/agent.yaml", dir);
	ps_log_set_sink(sink, NULL);
	return 0;
}

static int teardown(void **state)
{
	ps_log_set_sink(NULL, NULL);
	unlink(path);
	rmdir(dir);
	free(msgs);
	return 0;
}

static void test_empty(void **state)
{
	static const char *const texts[] = { "", "# nothing set\n", "---\n", "\n\n", "---\n...\n" };
	struct ps_agent_config c;

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_int_equal(load(&c, texts[i]), 0);
		assert_null(msgs);
		assert_defaults(&c);
		ps_agent_config_free(&c);
	}
}

/* Every key, as config.h shows them. */
static void test_every_key(void **state)
{
	struct ps_agent_config c;

	assert_int_equal(load(&c, "interfaces: [eth0, veth-a.10]\n"
				  "hook: xdp\n"
				  "xdp-mode: generic\n"
				  "listen: '[::1]:9999'\n"
				  "token-file: /etc/pktscope/token\n"
				  "socket: /run/ps.sock\n"
				  "pin-dir: /sys/fs/bpf/ps2\n"
				  "ttl-threshold: 5\n"
				  "sample: 100\n"
				  "flows:\n"
				  "  enabled: yes\n"
				  "  max-flows: 1000000\n"
				  "  idle-timeout: 2.5\n"
				  "  active-timeout: 0\n"
				  "  fin-timeout: 0.5\n"
				  "  ipfix:\n"
				  "    - 192.0.2.10:4739\n"
				  "    - '[2001:db8::1]:4739'\n"),
			 0);
	assert_null(msgs);
	assert_int_equal(c.nifaces, 2);
	assert_string_equal(c.ifaces[0], "eth0");
	assert_string_equal(c.ifaces[1], "veth-a.10");
	assert_int_equal(c.hook, PS_HOOK_XDP);
	assert_int_equal(c.xdp_mode, PS_XDP_GENERIC);
	assert_true(c.xdp_mode_set);
	assert_string_equal(c.listen, "[::1]:9999");
	assert_string_equal(c.token_file, "/etc/pktscope/token");
	assert_string_equal(c.socket, "/run/ps.sock");
	assert_string_equal(c.pin_dir, "/sys/fs/bpf/ps2");
	assert_int_equal(c.ttl_threshold, 5);
	assert_int_equal(c.sample, 100);
	assert_true(c.flows.enabled);
	assert_int_equal(c.flows.max_flows, 1000000);
	assert_true(c.flows.idle_timeout == 2.5);
	assert_true(c.flows.active_timeout == 0);
	assert_true(c.flows.fin_timeout == 0.5);
	assert_int_equal(c.flows.nipfix, 2);
	assert_string_equal(c.flows.ipfix[0], "192.0.2.10:4739");
	assert_string_equal(c.flows.ipfix[1], "[2001:db8::1]:4739");
	ps_agent_config_free(&c);

	/* one value where a list may be; flow style; a boolean off */
	assert_int_equal(load(&c, "interfaces: lo\nflows: {enabled: off, ipfix: h:1}\n"), 0);
	assert_int_equal(c.nifaces, 1);
	assert_string_equal(c.ifaces[0], "lo");
	assert_false(c.flows.enabled);
	assert_int_equal(c.flows.nipfix, 1);
	assert_string_equal(c.flows.ipfix[0], "h:1");
	assert_int_equal(c.flows.max_flows, 65536);
	ps_agent_config_free(&c);
}

/* Each bad file and its line; "F" stands for the file's path. */
static const struct bad_case {
	const char *text;
	const char *said;
} bad_cases[] = {
	{ "foo: 1\n",
	  "F:1:1: unknown key 'foo': the keys are interfaces, hook, xdp-mode, listen, token-file, "
	  "socket, pin-dir, ttl-threshold, sample, flows" },
	{ "flows:\n  idle: 5\n",
	  "F:2:3: unknown key 'idle' in flows: the keys there are enabled, max-flows, "
	  "idle-timeout, active-timeout, fin-timeout, ipfix" },
	{ "hook: auto\nhook: tc\n", "F:2:1: 'hook' is given twice (first at line 1)" },
	{ "hook: socket\n", "F:1:7: 'hook' takes auto, xdp or tc, not 'socket'" },
	{ "xdp-mode: fast\n", "F:1:11: 'xdp-mode' takes auto, native or generic, not 'fast'" },
	{ "interfaces: [eth0, eth0]\n", "F:1:20: interface 'eth0' is given twice" },
	{ "interfaces: []\n", "F:1:13: 'interfaces' is an empty list: give at least one interface" },
	{ "interfaces: {a: b}\n",
	  "F:1:13: 'interfaces' takes interface or a list of them, not a mapping" },
	{ "interfaces:\n  - [eth0]\n", "F:2:5: each of 'interfaces' is interface, not a list" },
	{ "interfaces: [averyveryverylongname]\n",
	  "F:1:14: interface 'averyveryverylongname' is longer than an interface name can be "
	  "(15 characters)" },
	{ "interfaces: eth0/1\n",
	  "F:1:13: interface 'eth0/1' holds a character no interface name has ('/', ':', a space "
	  "or a control character)" },
	{ "listen: localhost:9386\n",
	  "F:1:9: listen address 'localhost:9386': give a numeric address, as 127.0.0.1:9386 or "
	  "[::1]:9386" },
	{ "listen: 127.0.0.1:0\n", "F:1:9: listen address '127.0.0.1:0' needs a port from 1 to 65535" },
	{ "listen: ::1:80\n",
	  "F:1:9: listen address '::1:80' needs its IPv6 address in brackets, as "
	  "[2001:db8::1]:PORT" },
	{ "listen: [a]\n", "F:1:9: 'listen' takes one value, not a list" },
	{ "token-file: ''\n", "F:1:13: 'token-file' is empty" },
	{ "ttl-threshold: 2.5\n", "F:1:16: 'ttl-threshold' takes a whole number, not '2.5'" },
	{ "ttl-threshold: 256\n", "F:1:16: 'ttl-threshold' is 256: give 0 to 255" },
	{ "sample: 0x10\n", "F:1:9: 'sample' takes a whole number, not '0x10'" },
	{ "sample: 0\n", "F:1:9: 'sample' is 0: give 1 to 2147483648" },
	{ "flows: true\n", "F:1:8: 'flows' takes a mapping of its keys, not a value" },
	{ "flows:\n  enabled: maybe\n", "F:2:12: 'enabled' takes true or false, not 'maybe'" },
	{ "flows:\n  max-flows: 0\n", "F:2:14: 'max-flows' is 0: give 1 to 16777216" },
	{ "flows:\n  idle-timeout: -1\n",
	  "F:2:17: 'idle-timeout' is -1: give 0.001 to 86400 seconds" },
	{ "flows:\n  fin-timeout: nan\n",
	  "F:2:16: 'fin-timeout' takes a number of seconds, not 'nan'" },
	{ "flows:\n  ipfix: [192.0.2.1]\n",
	  "F:2:11: collector '192.0.2.1' has no port: give HOST:PORT" },
	{ "- eth0\n",
	  "F:1:1: the configuration is a mapping of keys (interfaces:, listen:, flows: ...), not "
	  "a list" },
	{ "? [a]\n: 1\n", "F:1:3: a key is a name, not a list" },
	{ "hook: tc\n---\nhook: xdp\n",
	  "F:3:1: a second YAML document: the configuration is one" },
	/* libyaml's own words for what is not YAML */
	{ "interfaces: [eth0\n",
	  "F:2:1: did not find expected ',' or ']' while parsing a flow sequence" },
	{ "flows:\n\tenabled: true\n",
	  "F:2:1: found character that cannot start any token while scanning for the next token" },
	{ "hook: \"tc\n", "F:2:1: found unexpected end of stream while scanning a quoted scalar" },
};

static char *expand(const char *said)
{
	char *out;

	assert_true(said[0] == 'F');
	assert_true(asprintf(&out, "%s%s\n", path, said + 1) > 0);
	return out;
}

static void test_bad(void **state)
{
	struct ps_agent_config c;

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		char *want = expand(bad_cases[i].said);

		print_message("%s", bad_cases[i].text);
		assert_int_equal(load(&c, bad_cases[i].text), -EINVAL);
		assert_non_null(msgs);
		assert_string_equal(msgs, want);
		/* nothing of the file kept */
		assert_defaults(&c);
		ps_agent_config_free(&c);
		free(want);
	}
}

/* A refused file leaves what an earlier one set. */
static void test_refused_keeps(void **state)
{
	struct ps_agent_config c;

	assert_int_equal(load(&c, "interfaces: [a, b]\nflows: {ipfix: [h:1], max-flows: 9}\n"
				  "hook: tc\ntoken-file: /t\n"),
			 0);
	write_file("interfaces: [c]\nflows: {ipfix: [h:2], max-flows: 10}\nhook: xdp\n"
		   "token-file: /u\nsample: nope\n");
	assert_int_equal(ps_agent_config_load(&c, path), -EINVAL);
	assert_int_equal(c.nifaces, 2);
	assert_string_equal(c.ifaces[1], "b");
	assert_string_equal(c.flows.ipfix[0], "h:1");
	assert_int_equal(c.flows.max_flows, 9);
	assert_int_equal(c.hook, PS_HOOK_TC);
	assert_string_equal(c.token_file, "/t");
	/* and a good one replaces it whole: lists are not merged */
	write_file("interfaces: [c]\n");
	assert_int_equal(ps_agent_config_load(&c, path), 0);
	assert_int_equal(c.nifaces, 1);
	assert_string_equal(c.ifaces[0], "c");
	assert_int_equal(c.flows.nipfix, 1);
	ps_agent_config_free(&c);
}

static void test_unreadable(void **state)
{
	struct ps_agent_config c;
	char *want, big[4096];
	int fd;

	assert_int_equal(ps_agent_config_init(&c), 0);
	free(msgs);
	msgs = NULL;
	assert_int_equal(ps_agent_config_load(&c, "/nonexistent/agent.yaml"), -ENOENT);
	assert_string_equal(msgs, "cannot read the configuration /nonexistent/agent.yaml: No such "
				  "file or directory\n");
	free(msgs);
	msgs = NULL;
	assert_int_equal(ps_agent_config_load(&c, dir), -EISDIR);
	assert_true(asprintf(&want, "the configuration %s is a directory: give the file\n", dir) > 0);
	assert_string_equal(msgs, want);
	free(want);

	/* over 1 MiB of comments */
	memset(big, '#', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	for (int i = 0; i <= PS_AGENT_CONFIG_MAX_BYTES / (int)sizeof(big); i++)
		assert_int_equal(write(fd, big, sizeof(big)), (ssize_t)sizeof(big));
	close(fd);
	free(msgs);
	msgs = NULL;
	assert_int_equal(ps_agent_config_load(&c, path), -EFBIG);
	assert_true(asprintf(&want, "the configuration %s is larger than %d bytes: is it the right "
				    "file?\n", path, PS_AGENT_CONFIG_MAX_BYTES) > 0);
	assert_string_equal(msgs, want);
	free(want);
	assert_defaults(&c);
	ps_agent_config_free(&c);
}

int main(void)
{
	struct CMUnitTest tests[8];
	size_t n = 0;
	int ret;

	add_test(tests, &n, test_empty, NULL, "empty_is_defaults");
	add_test(tests, &n, test_every_key, NULL, "every_key");
	add_test(tests, &n, test_bad, NULL, "bad_files");
	add_test(tests, &n, test_refused_keeps, NULL, "refused_keeps");
	add_test(tests, &n, test_unreadable, NULL, "unreadable");

	ret = _cmocka_run_group_tests("config", tests, n, setup, teardown);
	for (size_t i = 0; i < n; i++)
		free((void *)tests[i].name);
	return ret;
}
