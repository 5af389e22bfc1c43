#!/usr/bin/perl
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Test country databases for tests/unit/test_geo.c, written with Debian's
# libmaxmind-db-writer-perl: OUT/geo6.mmdb (an IPv6 tree, IPv4 at ::/96,
# aliased at ::ffff:0:0/96, 2001::/32 and 2002::/16) and OUT/geo4.mmdb (an
# IPv4 tree of the same IPv4 networks). Documentation and benchmark ranges
# only; nested networks overwrite part of the one around them (later
# insertions win). Build date fixed: 2024-01-02 03:04:05 UTC.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my $out = shift // die "usage: mkmmdb.pl OUTDIR\n";

my %types = (
	country            => 'map',
	registered_country => 'map',
	continent          => 'map',
	iso_code           => 'utf8_string',
	code               => 'utf8_string',
	names              => 'map',
	en                 => 'utf8_string',
	geoname_id         => 'uint32',
);

sub country { my ($cc) = @_; return { iso_code => $cc } }

# network => record, in insertion order
my @v4 = (
	[ '198.18.0.0/16',    { country => country('DE'), registered_country => country('DE'),
				continent => { code => 'EU' } } ],
	[ '198.18.5.0/24',    { country => country('AT') } ],
	[ '198.19.0.0/17',    { country => { iso_code => 'JP', names => { en => 'Japan' } } } ],
	# two halves inserted apart: enumeration merges them into one /24
	[ '198.51.100.0/25',  { country => country('JP') } ],
	[ '198.51.100.128/25', { country => country('JP'), continent => { code => 'AS' } } ],
	[ '203.0.113.0/24',   { country => country('JP') } ],
	# no country: the registered country answers
	[ '203.0.113.128/25', { registered_country => country('US') } ],
	# a continent only: no country
	[ '192.0.2.0/24',     { continent => { code => 'EU' } } ],
	[ '100.64.0.0/10',    { country => country('EU') } ],
	# codes that are not two letters or digits: no country
	[ '100.128.0.0/16',   { country => country('DEU') } ],
	[ '100.129.0.0/16',   { country => { iso_code => 7 } } ],
);
my @v6 = (
	[ '2001:db8::/32',      { country => country('FR') } ],
	[ '2001:db8:1::/48',    { country => country('DE') } ],
	# lower case in the file: reported upper-cased
	[ '2001:db8:2::/48',    { country => country('de') } ],
	[ '2001:db8:ffff::/48', { country => country('X') } ],
	[ '3fff::/20',          { country => country('AT') } ],
);

sub tree {
	my ($version, $desc) = @_;
	my $t = MaxMind::DB::Writer::Tree->new(
		ip_version               => $version,
		record_size              => 24,
		database_type            => 'modwall-Test-Country',
		languages                => ['en'],
		description              => { en => $desc, de => 'Testdatenbank' },
		map_key_type_callback    => sub { $types{ $_[0] } },
		remove_reserved_networks => 0,
		alias_ipv6_to_ipv4       => $version == 6 ? 1 : 0,
	);
	$t->_set_build_epoch(1704164645);
	return $t;
}

sub write_db {
	my ($t, $file) = @_;
	open my $fh, '>:raw', $file or die "$file: $!\n";
	$t->write_tree($fh);
	close $fh or die "$file: $!\n";
}

my $t6 = tree(6, 'modwall test countries');
$t6->insert_network(@$_) for @v4, @v6;
write_db($t6, "$out/geo6.mmdb");

my $t4 = tree(4, 'modwall test countries, IPv4');
$t4->insert_network(@$_) for @v4;
write_db($t4, "$out/geo4.mmdb");
