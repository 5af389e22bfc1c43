#!/usr/bin/perl
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# A MaxMind DB of "PREFIX CC" lines on standard input (geobench dump: the
# data of Debian's geoip-database), shaped as GeoLite2-Country is: an IPv6
# tree, IPv4 at ::/96 and aliased, country.iso_code. For make geobench.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my $out = shift // die "usage: geo_mmdb.pl OUT.mmdb < prefixes\n";
my %types = (country => 'map', iso_code => 'utf8_string');
my $t = MaxMind::DB::Writer::Tree->new(
	ip_version               => 6,
	record_size              => 24,
	database_type            => 'modwall-Bench-Country',
	languages                => ['en'],
	description              => { en => "Debian's geoip-database as a MaxMind DB" },
	map_key_type_callback    => sub { $types{ $_[0] } },
	remove_reserved_networks => 0,
	alias_ipv6_to_ipv4       => 1,
);
my %rec;
while (<STDIN>) {
	my ($net, $cc) = split;
	# inside the aliased ranges the writer refuses inserts: those are IPv4
	next if $net =~ /^(?:2001:0?:|2001::|2002:|::ffff:)/i;
	$t->insert_network($net, $rec{$cc} //= { country => { iso_code => $cc } });
}
open my $fh, '>:raw', $out or die "$out: $!\n";
$t->write_tree($fh);
close $fh or die "$out: $!\n";
