// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The flow table as people read it (src/flow/flowtable.c, src/flow/flowagg.c), on
 * rows made here: the view's columns at 140, 100, 80 and 60 columns and
 * below what the endpoints need, IPv6 endpoints abbreviated by whole
 * groups and never cut, -r's table (a row per record, START, DURATION,
 * END), the sort keys against the columns shown, and the mean rate of a
 * record shorter than a second.  Every expected line is written out here
 * by hand.  No root needed.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include "cmtest.h"
#include "flowagg.h"
#include "flowtable.h"

#define S 1000000000ULL
#define REF (1700000000ULL * S) /* the view's now, the file's first packet */

static void addr4(__u8 *a, const char *s)
{
	memset(a, 0, 16);
	assert_int_equal(inet_pton(AF_INET, s, a), 1);
}

static void addr6(__u8 *a, const char *s)
{
	assert_int_equal(inet_pton(AF_INET6, s, a), 1);
}

/* The three conversations of the view's tests. */
static void view_rows(struct ps_agg_row *r)
{
	memset(r, 0, 3 * sizeof(*r));
	/* UDP A -> B, 600 datagrams, open */
	r[0].r.ip_ver = 4;
	r[0].r.proto = 17;
	addr4(r[0].r.a_addr, "192.0.2.1");
	addr4(r[0].r.b_addr, "192.0.2.2");
	r[0].r.a_port = 7201;
	r[0].r.b_port = 7202;
	r[0].r.ab = (struct ps_flow_side){ .packets = 600, .bytes = 625200,
					   .first_ns = REF - 12300000000ULL,
					   .last_ns = REF - S / 10 };
	r[0].rate[0] = 833600;
	r[0].rate[1] = 600000;
	r[0].rate[2] = 150000;
	/* TCP, closed by FIN both ways and ended */
	r[1].r.ip_ver = 4;
	r[1].r.proto = 6;
	addr4(r[1].r.a_addr, "192.0.2.1");
	addr4(r[1].r.b_addr, "192.0.2.2");
	r[1].r.a_port = 40000;
	r[1].r.b_port = 80;
	r[1].r.ab = (struct ps_flow_side){ .packets = 10, .bytes = 1500, .first_ns = REF - 78 * S,
					   .last_ns = REF - 70 * S,
					   .tcp_flags = PS_TCP_SYN | PS_TCP_ACK | PS_TCP_FIN };
	r[1].r.ba = (struct ps_flow_side){ .packets = 8, .bytes = 12000,
					   .first_ns = REF - 78 * S + 1000,
					   .last_ns = REF - 70 * S + 1000,
					   .tcp_flags = PS_TCP_SYN | PS_TCP_ACK | PS_TCP_FIN };
	r[1].r.rtt_ns = 1500000;
	r[1].r.end = PS_FLOW_END_TCP;
	r[1].rate[1] = 10800;
	r[1].rate[2] = 2700;
	/* a ping the other way, open */
	r[2].r.ip_ver = 4;
	r[2].r.proto = 1;
	addr4(r[2].r.a_addr, "192.0.2.2");
	addr4(r[2].r.b_addr, "192.0.2.1");
	r[2].r.ab = (struct ps_flow_side){ .packets = 3, .bytes = 294, .first_ns = REF - 5 * S,
					   .last_ns = REF - 3 * S };
	r[2].r.ba = (struct ps_flow_side){ .packets = 3, .bytes = 294,
					   .first_ns = REF - 5 * S + 1000,
					   .last_ns = REF - 3 * S + 1000 };
}

/* Lays out the rows at 'width' and compares the header and each row. */
static void expect_view(struct ps_agg_row *rows, int n, enum ps_agg_by by, enum ps_agg_sort sort,
			int width, const char *const *want)
{
	struct ps_table t;
	char line[512];

	ps_table_init(&t, PS_TABLE_VIEW, by, sort, REF);
	assert_int_equal(ps_table_layout(&t, rows, n, width), 0);
	ps_table_header(&t, line, sizeof(line));
	assert_string_equal(line, want[0]);
	assert_true((int)strlen(line) <= width);
	for (int i = 0; i < n; i++) {
		ps_table_row(&t, &rows[i], line, sizeof(line));
		assert_string_equal(line, want[i + 1]);
		assert_true((int)strlen(line) <= width);
	}
}

static void t_view_140(void **state)
{
	struct ps_agg_row r[3];
	static const char *const want[] = {
		"PROTO A               B                   2s     10s     40s   PKTS  BYTES  PKTS> BYTES>  <PKTS <BYTES    AGE STATE             RTT",
		"udp   192.0.2.1.7201  192.0.2.2.7202 833.6Kb 600.0Kb 150.0Kb    600 625.2K    600 625.2K      0      0  12.3s -                   -",
		"tcp   192.0.2.1.40000 192.0.2.2.80        0b  10.8Kb   2.7Kb     18  13.5K     10   1.5K      8  12.0K   1.3m closed        1.500ms",
		"icmp  192.0.2.2       192.0.2.1           0b      0b      0b      6    588      3    294      3    294   5.0s -                   -",
	};

	view_rows(r);
	expect_view(r, 3, PS_BY_5TUPLE, PS_SORT_BYTES, 140, want);
}

/* 100: the ages and the packets each way go first. */
static void t_view_100(void **state)
{
	struct ps_agg_row r[3];
	static const char *const want[] = {
		"PROTO A               B                   2s     10s     40s   PKTS  BYTES BYTES> <BYTES STATE",
		"udp   192.0.2.1.7201  192.0.2.2.7202 833.6Kb 600.0Kb 150.0Kb    600 625.2K 625.2K      0 -",
		"tcp   192.0.2.1.40000 192.0.2.2.80        0b  10.8Kb   2.7Kb     18  13.5K   1.5K  12.0K closed",
		"icmp  192.0.2.2       192.0.2.1           0b      0b      0b      6    588    294    294 -",
	};

	view_rows(r);
	expect_view(r, 3, PS_BY_5TUPLE, PS_SORT_BYTES, 100, want);
}

/* 80, iftop's width: protocol, endpoints, the three rates, the total. */
static void t_view_80(void **state)
{
	struct ps_agg_row r[3];
	static const char *const want[] = {
		"PROTO A               B                   2s     10s     40s  BYTES",
		"udp   192.0.2.1.7201  192.0.2.2.7202 833.6Kb 600.0Kb 150.0Kb 625.2K",
		"tcp   192.0.2.1.40000 192.0.2.2.80        0b  10.8Kb   2.7Kb  13.5K",
		"icmp  192.0.2.2       192.0.2.1           0b      0b      0b    588",
	};

	view_rows(r);
	expect_view(r, 3, PS_BY_5TUPLE, PS_SORT_BYTES, 80, want);
}

/* 60: the 40 s rate goes too; sorted by packets, PKTS comes first of all. */
static void t_view_60(void **state)
{
	struct ps_agg_row r[3];
	static const char *const bytes[] = {
		"PROTO A               B                   2s     10s  BYTES",
		"udp   192.0.2.1.7201  192.0.2.2.7202 833.6Kb 600.0Kb 625.2K",
		"tcp   192.0.2.1.40000 192.0.2.2.80        0b  10.8Kb  13.5K",
		"icmp  192.0.2.2       192.0.2.1           0b      0b    588",
	};
	static const char *const packets[] = {
		"PROTO A               B                   2s   PKTS  BYTES",
		"udp   192.0.2.1.7201  192.0.2.2.7202 833.6Kb    600 625.2K",
		"tcp   192.0.2.1.40000 192.0.2.2.80        0b     18  13.5K",
		"icmp  192.0.2.2       192.0.2.1           0b      6    588",
	};

	view_rows(r);
	expect_view(r, 3, PS_BY_5TUPLE, PS_SORT_BYTES, 60, bytes);
	expect_view(r, 3, PS_BY_5TUPLE, PS_SORT_PACKETS, 60, packets);
}

/* Below what two whole IPv4 endpoints need: nothing is cut, the caller
 * is told the width. */
static void t_view_too_narrow(void **state)
{
	struct ps_agg_row r[3];
	struct ps_table t;

	view_rows(r);
	ps_table_init(&t, PS_TABLE_VIEW, PS_BY_5TUPLE, PS_SORT_BYTES, REF);
	assert_int_equal(ps_table_layout(&t, r, 3, 30), 0);
	assert_int_equal(t.ncols, 2);
	assert_int_equal(ps_table_layout(&t, r, 3, 29), -ENOSPC);
	assert_int_equal(t.need, 30);
}

/* Long IPv6 endpoints at 60 columns: abbreviated by whole groups, first
 * group kept, so that the sort column and the 2 s rate fit. */
static void t_view_ipv6(void **state)
{
	struct ps_agg_row r;
	static const char *const want[] = {
		"A                      B                           2s  BYTES",
		"2001~370:7334.51000    2001~2:8a2e:370:1.443  833.6Kb 625.2K",
	};

	memset(&r, 0, sizeof(r));
	r.r.ip_ver = 6;
	r.r.proto = 6;
	addr6(r.r.a_addr, "2001:db8:85a3:1:2:8a2e:370:7334");
	addr6(r.r.b_addr, "2001:db8:85a3:1:2:8a2e:370:1");
	r.r.a_port = 51000;
	r.r.b_port = 443;
	r.r.ab = (struct ps_flow_side){ .packets = 600, .bytes = 625200, .first_ns = REF - S,
					.last_ns = REF };
	r.rate[0] = 833600;
	expect_view(&r, 1, PS_BY_5TUPLE, PS_SORT_BYTES, 60, want);
}

static void t_endpoint_fit(void **state)
{
	char b[80];

	assert_int_equal(ps_endpoint_fit("2001:db8:7::1", ".7102", 40, b, sizeof(b)), 18);
	assert_string_equal(b, "2001:db8:7::1.7102");
	assert_int_equal(ps_endpoint_fit("2001:db8:85a3:1:2:8a2e:370:7334", "", 18, b, sizeof(b)), 18);
	assert_string_equal(b, "2001~8a2e:370:7334");
	/* width 0: the shortest, its first and last group */
	assert_int_equal(ps_endpoint_fit("2001:db8:85a3:1:2:8a2e:370:7334", ".443", 0, b, sizeof(b)), 13);
	assert_string_equal(b, "2001~7334.443");
	/* a tail never starts inside a "::" */
	assert_int_equal(ps_endpoint_fit("2001:db8:7::1", "", 9, b, sizeof(b)), 9);
	assert_string_equal(b, "2001~7::1");
	assert_int_equal(ps_endpoint_fit("2001:db8:7::1", "", 8, b, sizeof(b)), 6);
	assert_string_equal(b, "2001~1");
	/* IPv4, and addresses that start with "::", are never abbreviated */
	assert_int_equal(ps_endpoint_fit("10.0.0.1", ".80", 3, b, sizeof(b)), 11);
	assert_string_equal(b, "10.0.0.1.80");
	assert_int_equal(ps_endpoint_fit("::ffff:10.0.0.1", "", 4, b, sizeof(b)), 15);
	assert_string_equal(b, "::ffff:10.0.0.1");
}

/* -r's table: every column, exact counts; START from the file's first
 * packet; the mean rate over at least a second. */
static void t_file_table(void **state)
{
	struct ps_agg_row r[3];
	struct ps_table t;
	char line[512];
	static const char *const want[] = {
		"PROTO A               B                   RATE PKTS  BYTES PKTS> BYTES> <PKTS <BYTES      START  DURATION STATE  END         RTT",
		"udp   192.0.2.1.7201  192.0.2.2.7202 410.0Kb/s  600 625200   600 625200     0      0 -12.300000 12.200000 -      none          -",
		"tcp   192.0.2.1.40000 192.0.2.2.80    13.5Kb/s   18  13500    10   1500     8  12000 -78.000000  8.000001 closed tcp_end 1.500ms",
		"icmp  192.0.2.2       192.0.2.1        2.4Kb/s    6    588     3    294     3    294  -5.000000  2.000001 -      none          -",
	};

	view_rows(r);
	ps_table_init(&t, PS_TABLE_FILE, PS_BY_5TUPLE, PS_SORT_BYTES, REF);
	assert_int_equal(ps_table_layout(&t, r, 3, 0), 0);
	ps_table_header(&t, line, sizeof(line));
	assert_string_equal(line, want[0]);
	for (int i = 0; i < 3; i++) {
		ps_table_row(&t, &r[i], line, sizeof(line));
		assert_string_equal(line, want[i + 1]);
	}
}

/* A record of two packets a microsecond apart is not a rate of megabits:
 * under a second, its bits over one second. */
static void t_mean_rate(void **state)
{
	struct ps_flow_rec r = { .ab = { .packets = 2, .bytes = 200, .first_ns = S, .last_ns = S + 1000 } };

	assert_true(ps_flow_mean_rate(&r) == 1600.0);
	r.ab.last_ns = S + 4 * S; /* 4 s */
	assert_true(ps_flow_mean_rate(&r) == 400.0);
}

/* The offline table keeps every record: two records of one 5-tuple are
 * two rows; each sort key orders by the column of the same name. */
static void t_rows_sorted(void **state)
{
	struct ps_agg_row v[3], *rows;
	struct ps_agg g;
	int n;

	view_rows(v);
	ps_agg_init(&g, PS_BY_5TUPLE);
	g.per_record = true;
	for (int i = 0; i < 3; i++)
		assert_int_equal(ps_agg_add(&g, &v[i].r, v[i].rate), 0);
	/* the UDP conversation's second record, later, small */
	v[0].r.ab.first_ns += 100 * S;
	v[0].r.ab.last_ns = v[0].r.ab.first_ns;
	v[0].r.ab.packets = 1;
	v[0].r.ab.bytes = 1042;
	assert_int_equal(ps_agg_add(&g, &v[0].r, NULL), 0);

	n = ps_agg_rows(&g, PS_SORT_BYTES, false, &rows);
	assert_int_equal(n, 4);
	assert_int_equal(rows[0].r.ab.bytes, 625200);
	assert_int_equal(rows[1].r.proto, 6);
	assert_int_equal(rows[2].r.ab.bytes, 1042);
	assert_int_equal(rows[3].r.proto, 1);
	free(rows);
	/* PKTS: 600, 18, 6, 1 */
	n = ps_agg_rows(&g, PS_SORT_PACKETS, false, &rows);
	assert_int_equal(rows[0].r.ab.packets, 600);
	assert_int_equal(rows[1].r.proto, 6);
	assert_int_equal(rows[2].r.proto, 1);
	assert_int_equal(rows[3].r.ab.packets, 1);
	free(rows);
	/* START: the oldest first */
	n = ps_agg_rows(&g, PS_SORT_AGE, false, &rows);
	assert_int_equal(rows[0].r.proto, 6);
	assert_int_equal(rows[1].r.ab.packets, 600);
	assert_int_equal(rows[2].r.proto, 1);
	assert_int_equal(rows[3].r.ab.packets, 1);
	free(rows);
	/* RATE: 410.0K, 13.5K (13500 B over 8 s), 8.3K (1042 B over 1 s), 2.4K */
	n = ps_agg_rows(&g, PS_SORT_RATE, false, &rows);
	assert_int_equal(rows[0].r.ab.packets, 600);
	assert_int_equal(rows[1].r.proto, 6);
	assert_int_equal(rows[2].r.ab.packets, 1);
	assert_int_equal(rows[3].r.proto, 1);
	free(rows);
	/* the view's 2s: the UDP one, then the others by their 10 s rate */
	n = ps_agg_rows(&g, PS_SORT_RATE, true, &rows);
	assert_int_equal(rows[0].r.ab.packets, 600);
	assert_int_equal(rows[1].r.proto, 6);
	free(rows);
	ps_agg_clear(&g);
}

/* By host pair, the view: a group is ended only when all of it ended. */
static void t_groups_ended(void **state)
{
	struct ps_agg_row v[3], *rows;
	struct ps_agg g;
	int n;

	view_rows(v);
	ps_agg_init(&g, PS_BY_HOSTPAIR);
	assert_int_equal(ps_agg_add(&g, &v[1].r, v[1].rate), 0);
	n = ps_agg_rows(&g, PS_SORT_BYTES, true, &rows);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].r.end, PS_FLOW_END_TCP);
	free(rows);
	assert_int_equal(ps_agg_add(&g, &v[0].r, v[0].rate), 0);
	n = ps_agg_rows(&g, PS_SORT_BYTES, true, &rows);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].r.end, PS_FLOW_END_NONE);
	assert_int_equal(rows[0].records, 2);
	assert_true(rows[0].rate[1] == 610800);
	free(rows);
	ps_agg_clear(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_view_140),
		cmocka_unit_test(t_view_100),
		cmocka_unit_test(t_view_80),
		cmocka_unit_test(t_view_60),
		cmocka_unit_test(t_view_too_narrow),
		cmocka_unit_test(t_view_ipv6),
		cmocka_unit_test(t_endpoint_fit),
		cmocka_unit_test(t_file_table),
		cmocka_unit_test(t_mean_rate),
		cmocka_unit_test(t_rows_sorted),
		cmocka_unit_test(t_groups_ended),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
