/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the cmocka unit tests share: tests named at run time. */
#ifndef PS_TEST_CMTEST_H
#define PS_TEST_CMTEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

/* Appends a test whose name is formatted like printf (the tables make one
 * test per row and hook, named after both). */
static inline void add_test(struct CMUnitTest *t, size_t *n, CMUnitTestFunction fn, void *st,
			    const char *fmt, ...)
{
	va_list ap;
	char *name;

	va_start(ap, fmt);
	if (vasprintf(&name, fmt, ap) < 0)
		abort();
	va_end(ap);
	t[*n] = (struct CMUnitTest){ .name = name, .test_func = fn, .initial_state = st };
	(*n)++;
}

#endif
