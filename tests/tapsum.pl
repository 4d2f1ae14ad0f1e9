#!/usr/bin/perl
# The verdict on one test program, for tests/run.sh: its TAP output (a file)
# read by TAP::Parser (Perl's own TAP reader, perl-modules), and its exit
# status.
#
#   tapsum.pl TAP_FILE EXIT_STATUS [TIMEOUT_S]
#
# Prints "not ok - <reason>" for each thing wrong with the program as a
# whole, then one line "PASSED FAILED SKIPPED" (its checks).  The program
# as a whole counts as one more failure when anything is wrong with it:
#  - no plan, a plan that is neither first nor last, more than one, or a
#    plan other than the results printed (it died, or lost some);
#  - results out of sequence, "Bail out!", a TAP syntax TAP::Parser refuses;
#  - an exit status other than 0 with no failed check to explain it (a
#    crash, a timeout, a set -e exit).
# Under CI (CI=true in the environment) each skipped check counts as a
# failed one: a missing peer tool or a failed set-up step is a failure there.
# A check is skipped when it carries the SKIP directive as TAP defines it
# ("# SKIP" after the description, any case; a description that merely
# says "skip" is not one), whether "ok" or "not ok": cmocka prints its
# skip() as "not ok N # SKIP".  "1..0 # SKIP reason" skips the whole
# program: one skipped check.  A TODO check counts as skipped (it is
# neither a pass nor a failure).
use strict;
use warnings;
use TAP::Parser;

my ($file, $rc, $limit) = @ARGV;
die "usage: tapsum.pl TAP_FILE EXIT_STATUS [TIMEOUT_S]\n" unless defined $rc && $rc =~ /^\d+$/;
open(my $fh, '<', $file) or die "tapsum.pl: $file: $!\n";
my $tap = do { local $/; <$fh> };
close($fh);

my $ci = ($ENV{CI} // '') =~ /^(true|1|yes)$/i;
my ($pass, $fail, $skip) = (0, 0, 0);
my (@why, @skipped);

# TAP::Parser takes no empty input: a program that printed nothing has no plan.
my $parser = TAP::Parser->new({ tap => length($tap) ? $tap : "\n" });
while (my $r = $parser->next) {
	push @why, 'Bail out! ' . $r->explanation if $r->is_bailout;
	next unless $r->is_test;
	if ($r->has_skip || $r->has_todo) {
		$skip++;
		push @skipped, $r->description . ': ' . $r->explanation;
	} elsif ($r->is_actual_ok) {
		$pass++;
	} else {
		$fail++;
	}
}
if ($parser->skip_all && $pass + $fail + $skip == 0) {
	$skip = 1;
	push @skipped, 'every check: ' . $parser->skip_all;
}
push @why, $parser->parse_errors;
if ($rc != 0 && $fail == 0) {
	if ($rc == 124 && defined $limit) {
		push @why, "timed out after $limit s";
	} elsif ($rc > 128) {
		push @why, 'killed by signal ' . ($rc - 128) . " (exit status $rc)";
	} else {
		push @why, "exited with status $rc without a failed check";
	}
}
print "not ok - $_\n" for @why;
$fail++ if @why;
# Each skipped check is then a failed one (not one more for the program).
if ($ci && $skip) {
	print "not ok - CI=true: $skip check(s) skipped count as failed: "
	    . join('; ', @skipped[0 .. ($#skipped < 2 ? $#skipped : 2)])
	    . ($#skipped > 2 ? '; ...' : '') . "\n";
	$fail += $skip;
	$skip = 0;
}
print "$pass $fail $skip\n";
