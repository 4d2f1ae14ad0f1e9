// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What rtnetlink says an interface is (src/core/iface.c), the input of --hook
 * auto, against sysfs: in the namespace that mounted /sys (the one these
 * tests run in) /sys/class/net/IF/device is the interface's parent device,
 * the same the kernel puts in IFLA_PARENT_DEV_NAME, and
 * /sys/class/net/IF/flags holds IFF_LOOPBACK.  Every interface of this
 * namespace is compared; test_hook_auto.sh compares the link kinds with
 * `ip -d link` in namespaces of its own.
 *
 * Needs no privilege: RTM_GETLINK is open to everyone.
 */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include "cmtest.h"
#include "iface.h"
#include "datapath.h"

static void test_loopback(void **state)
{
	struct ps_iface_info info;

	assert_int_equal(ps_iface_info(if_nametoindex("lo"), &info), 0);
	assert_true(info.loopback);
	assert_string_equal(info.kind, "");
	assert_string_equal(info.parent_dev, "");
	assert_true(ps_iface_is_virtual(&info));
}

static void test_no_such(void **state)
{
	struct ps_iface_info info;

	assert_int_equal(ps_iface_info(0x7ffffff0, &info), -ENODEV);
}

/* The rule, row by row: only a parent device without a link kind is a
 * device. */
static void test_rule(void **state)
{
	static const struct {
		struct ps_iface_info info;
		bool virt;
	} rows[] = {
		{ { .parent_bus = "pci", .parent_dev = "0000:03:00.0" }, false },
		{ { .parent_bus = "virtio", .parent_dev = "virtio2" }, false },
		{ { .kind = "veth" }, true },
		{ { .kind = "vlan", .parent_bus = "pci", .parent_dev = "0000:03:00.0" }, true },
		{ { .loopback = true }, true },
		{ {}, true },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_int_equal(ps_iface_is_virtual(&rows[i].info), rows[i].virt);
}

/* Every interface here: rtnetlink's parent device and loopback flag are
 * sysfs's. */
static void test_against_sysfs(void **state)
{
	DIR *d = opendir("/sys/class/net");
	struct dirent *e;
	int compared = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		char path[PATH_MAX], link[PATH_MAX], want[64] = "";
		struct ps_iface_info info;
		unsigned int flags = 0;
		unsigned int idx;
		ssize_t n;
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		idx = if_nametoindex(e->d_name);
		if (!idx || ps_iface_info(idx, &info) == -ENODEV)
			continue; /* gone meanwhile (other tests' veths) */
		snprintf(path, sizeof(path), "/sys/class/net/%s/device", e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n > 0) {
			link[n] = 0;
			snprintf(want, sizeof(want), "%s", basename(link));
		}
		snprintf(path, sizeof(path), "/sys/class/net/%s/flags", e->d_name);
		f = fopen(path, "r");
		if (f) {
			if (fscanf(f, "%x", &flags) != 1)
				flags = 0;
			fclose(f);
		}
		print_message("%s: sysfs parent '%s' loopback %d; rtnetlink parent '%s' (%s) "
			      "loopback %d kind '%s'\n", e->d_name, want, !!(flags & IFF_LOOPBACK),
			      info.parent_dev, info.parent_bus, info.loopback, info.kind);
		assert_string_equal(info.parent_dev, want);
		assert_int_equal(info.loopback, !!(flags & IFF_LOOPBACK));
		compared++;
	}
	closedir(d);
	assert_true(compared >= 1);
}

static void test_hook_names(void **state)
{
	static const char *names[] = { "auto", "xdp", "tc", "socket" };
	enum ps_hook h;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(ps_hook_parse(names[i], &h), 0);
		assert_string_equal(ps_hook_name(h), names[i]);
	}
	assert_int_equal(ps_hook_parse("generic", &h), -EINVAL);
}

int main(void)
{
	struct CMUnitTest tests[8];
	size_t n = 0;
	int ret;

	add_test(tests, &n, test_loopback, NULL, "loopback");
	add_test(tests, &n, test_no_such, NULL, "no_such_ifindex");
	add_test(tests, &n, test_rule, NULL, "virtual_rule");
	add_test(tests, &n, test_against_sysfs, NULL, "parent_and_loopback_as_sysfs");
	add_test(tests, &n, test_hook_names, NULL, "hook_names");

	ret = _cmocka_run_group_tests("iface", tests, n, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		free((void *)tests[i].name);
	return ret;
}
