#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# tests/vm/run.sh [--probe] SCRIPT [ARGS...]
#
# Runs SCRIPT ARGS as root inside a throw-away qemu guest booted from Debian's
# stock cloud kernel (linux-image-cloud-amd64, 6.1), with the HOST's root
# filesystem as the guest's root. It exists because the host kernel refuses
# BPF_PROG_TYPE_EXT/TRACING loads (forced lockdown), so libxdp's freplace-based
# multi-program dispatcher can only be exercised in a kernel we boot ourselves.
# SCRIPT is normally a path in this checkout; any executable file works.
#
# What the script sees in the guest:
#   - the host's / read-only (every host binary and library, build/modwall
#     included, unchanged), shared over virtiofs. Debian's cloud kernel has no
#     9p (CONFIG_NET_9P is unset), so qemu's bundled virtiofsd serves it.
#   - fresh proc, sysfs, devtmpfs + devpts + /dev/shm, debugfs, and tmpfs on
#     /tmp and /run (with /run/netns). bpffs is NOT mounted: the project mounts
#     /sys/fs/bpf itself.
#   - cwd = the project checkout (same absolute path as on the host), stdin
#     /dev/null, a clean environment with MODWALL_VM=1.
#   - NOTHING on the host is writable. Anything a script writes must go to
#     /tmp (or /run); that includes build outputs, so build on the host first.
#     Writes vanish when the VM powers off.
#   - If SCRIPT (or the checkout) lives under /tmp or /run on the host, that
#     one file (or the checkout directory) is bind-mounted back over the fresh
#     tmpfs, read-only. Other host files under /tmp (e.g. ones named in ARGS)
#     are hidden.
#   - Kernel modules load on demand (ip link add type veth, tc, nft, ...): the
#     kernel's modprobe helper reads the extracted module tree in build/vm/.
#
# Output: the guest console (script stdout and stderr, merged, plus kernel
# warnings) streams to our stdout; boot chatter is held back and shown only if
# the VM never reaches the script (VM_VERBOSE=1 shows it always).
#
# Exit status: the script's. 124 if VM_TIMEOUT (seconds, default 900) expires;
# 125 for harness failures (missing packages, kernel download, boot failure).
# --probe boots and prints the guest's `uname -r`; it exits 77 with a one-line
# reason when the VM can't run here (not root, missing packages, no kernel
# package to be had, or no hardware KVM while VM_REQUIRE_KVM=1) so callers can
# skip VM tests. A VM that should boot but doesn't is an error (125), not 77.
#
# Acceleration: hardware KVM when /dev/kvm is backed by kvm_intel/kvm_amd,
# otherwise TCG emulation with a warning (a boot then takes a few seconds and
# BPF runs interpreted-JIT-speed slower). VM_ACCEL=kvm|tcg forces a choice.
#
# Needs the Debian packages qemu-system-x86 (which brings virtiofsd),
# busybox-static and cpio; it never installs them. The kernel .deb is fetched
# with `apt-get download` into build/vm/ once and reused from there; delete
# build/vm/ to pick up a newer kernel. Other knobs: VM_MEM (MiB, default 1024),
# VM_CPUS (default 2).

set -euo pipefail

ME=${0##*/}
ROOT=$(cd "$(dirname "$0")/../.." && pwd -P)
CACHE=$ROOT/build/vm
META_PKG=linux-image-cloud-amd64
VIRTIOFSD=/usr/lib/qemu/virtiofsd
TIMEOUT=${VM_TIMEOUT:-900}
MEM=${VM_MEM:-1024}
CPUS=${VM_CPUS:-2}
# Guest mounts hide these host trees; paths under them must be re-exposed.
SHADOWED=(/tmp /run /dev /proc /sys)

probe=0
if [[ ${1:-} == --probe ]]; then
	probe=1
	shift
fi

die() {
	echo "$ME: $*" >&2
	exit 125
}

# In --probe mode "can't run here" is an answer (77), not an error.
unavailable() {
	if ((probe)); then
		echo "$ME: VM unavailable: $*"
		exit 77
	fi
	die "$*"
}

usage() {
	echo "usage: $ME [--probe] SCRIPT [ARGS...]" >&2
	exit 125
}

[[ $TIMEOUT =~ ^[0-9]+$ && $TIMEOUT -gt 0 ]] || die "VM_TIMEOUT must be a positive number of seconds"

# ---- what to run ------------------------------------------------------------

if ((probe)); then
	cmd=(/bin/sh -c 'uname -r')
else
	(($# > 0)) || usage
	# Resolve on the host so the guest runs the very same file, by absolute
	# path, whatever the caller's cwd was.
	script=$1
	shift
	[[ -e $script ]] || die "no such script: $script"
	[[ -f $script ]] || die "not a regular file: $script"
	[[ -x $script ]] || die "script is not executable: $script"
	# Absolute but symlinks kept, so the script still sees its own $0;
	# the target is what may need re-exposing in the guest.
	script_real=$(realpath -- "$script")
	script=$(realpath -s -- "$script")
	cmd=("$script" "$@")
fi

# ---- host prerequisites -----------------------------------------------------

# virtiofsd and the read-only share below need real root.
((EUID == 0)) || unavailable "must run as root"

missing=()
command -v qemu-system-x86_64 >/dev/null && [[ -x $VIRTIOFSD ]] || missing+=(qemu-system-x86)
# The dynamic busybox can't run in an initramfs without libc.
[[ $(dpkg-query -W -f='${Status}' busybox-static 2>/dev/null) == "install ok installed" ]] || missing+=(busybox-static)
command -v cpio >/dev/null || missing+=(cpio)
((${#missing[@]} == 0)) || unavailable "missing Debian packages: ${missing[*]} (apt-get install ${missing[*]})"

# /dev/kvm can open yet be unable to run a stock kernel: a PVM host
# (kvm_pvm, KVM without hardware virtualisation, as on nested cloud sandboxes)
# only runs guests built for PVM, and Debian's kernel hangs there before its
# first printk. Only hardware KVM counts; anything else means TCG.
kvm_reason=''
if ! (exec 3<>/dev/kvm) 2>/dev/null; then
	kvm_reason="/dev/kvm is not usable"
elif [[ ! -d /sys/module/kvm_intel && ! -d /sys/module/kvm_amd ]]; then
	kvm_mods=$(compgen -G '/sys/module/kvm_*' | sed 's,.*/,,' | paste -sd, || true)
	kvm_reason="/dev/kvm is not hardware KVM (${kvm_mods:-no kvm_intel/kvm_amd})"
fi
case ${VM_ACCEL:-auto} in
auto) ;;
tcg) kvm_reason="VM_ACCEL=tcg" ;;
kvm) kvm_reason='' ;;
*) die "VM_ACCEL must be auto, kvm or tcg" ;;
esac
if [[ -z $kvm_reason ]]; then
	accel=(-enable-kvm -cpu host)
else
	if ((probe)) && [[ ${VM_REQUIRE_KVM:-0} == 1 ]]; then
		unavailable "$kvm_reason (VM_REQUIRE_KVM=1)"
	fi
	[[ $kvm_reason == VM_ACCEL=tcg ]] ||
		echo "$ME: warning: $kvm_reason, falling back to slow TCG emulation" >&2
	accel=(-accel "tcg,thread=multi" -cpu max)
fi

# ---- kernel (cached) --------------------------------------------------------

# Fetch and unpack the concrete kernel package behind the cloud meta-package,
# and index its modules (the .deb ships no modules.dep; depmod normally runs
# at install time). Serialised with flock so parallel runs share one download.
ensure_kernel() {
	mkdir -p "$CACHE"
	exec 9>"$CACHE/.lock"
	flock 9
	if [[ -f $CACHE/kernel/.ready ]]; then
		exec 9>&-
		return 0
	fi
	local pkg deb kver
	resolve() {
		apt-cache depends "$META_PKG" 2>/dev/null |
			awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }' || true
	}
	pkg=$(resolve)
	# a machine whose packages were all present may never have read the lists
	[[ -n $pkg ]] || { apt-get update -qq >&2 && pkg=$(resolve); } || true
	[[ -n $pkg ]] || unavailable "can't resolve $META_PKG with apt-cache (run apt-get update)"
	deb=$(compgen -G "$CACHE/${pkg}_*.deb" | head -n1 || true)
	if [[ -z $deb ]]; then
		echo "$ME: downloading $pkg ..." >&2
		# As root apt wants to drop to _apt, which can't write into the cache.
		(cd "$CACHE" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2) ||
			unavailable "apt-get download $pkg failed"
		deb=$(compgen -G "$CACHE/${pkg}_*.deb" | head -n1 || true)
		[[ -n $deb ]] || unavailable "apt-get download $pkg left no .deb in $CACHE"
	fi
	rm -rf "$CACHE/kernel.tmp" "$CACHE/kernel"
	dpkg-deb -x "$deb" "$CACHE/kernel.tmp" || die "can't unpack $deb"
	kver=$(basename "$(compgen -G "$CACHE/kernel.tmp/lib/modules/*" | head -n1)")
	[[ -n $kver && -f $CACHE/kernel.tmp/boot/vmlinuz-$kver ]] || die "$deb holds no kernel image"
	busybox depmod -b "$CACHE/kernel.tmp" "$kver" || die "depmod failed for $kver"
	basename "$deb" >"$CACHE/kernel.tmp/.ready"
	mv "$CACHE/kernel.tmp" "$CACHE/kernel"
	exec 9>&-
}

ensure_kernel
# Physical path: the guest resolves it on the share, outside the chroot.
KDIR=$(cd "$CACHE/kernel" && pwd -P)
KVER=$(basename "$(compgen -G "$KDIR/lib/modules/*" | head -n1)")
MODDIR=$KDIR/lib/modules/$KVER
VMLINUZ=$KDIR/boot/vmlinuz-$KVER
[[ -r $VMLINUZ && -f $MODDIR/modules.dep ]] || die "cached kernel in $KDIR is incomplete; remove $CACHE and retry"

# ---- per-run state ----------------------------------------------------------

tmp=$(mktemp -d "${TMPDIR:-/tmp}/modwall-vm.XXXXXX")
qemu_pid='' vfsd_pid=''
# shellcheck disable=SC2317 # invoked by the trap
cleanup() {
	local pid
	for pid in $qemu_pid $vfsd_pid; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in $qemu_pid $vfsd_pid; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---- initramfs --------------------------------------------------------------

# Modules needed before the host root is reachable, in load order: every
# dependency (per modules.dep) before its user. Everything else the guest
# loads on demand from the shared module tree.
boot_modules() {
	local -A deps=() seen=()
	local line mod
	while IFS= read -r line; do
		mod=${line%%:*}
		deps[$mod]=${line#*:}
	done <"$MODDIR/modules.dep"
	visit() {
		local m=$1 d
		[[ -n ${seen[$m]:-} ]] && return 0
		[[ -v "deps[$m]" ]] || die "module $m is not in $KVER's modules.dep"
		seen[$m]=1
		for d in ${deps[$m]}; do
			visit "$d"
		done
		echo "$m"
	}
	local want
	for want in "$@"; do
		mod=$(grep -m1 -E "(^|/)$want\.ko(\.[a-z]+)?:" "$MODDIR/modules.dep" | cut -d: -f1) ||
			die "module $want not found for kernel $KVER"
		visit "$mod"
	done
}

# POSIX-sh single quoting, so the guest's busybox sh reads values back verbatim.
shq() {
	local s=${1//\'/\'\\\'\'}
	printf "'%s'" "$s"
}

under_shadow() {
	local d
	for d in "${SHADOWED[@]}"; do
		[[ $1 == "$d" || $1 == "$d"/* ]] && return 0
	done
	return 1
}

nonce=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
# A script hidden by the guest's fresh /tmp or /run is bind-mounted back:
# onto the path we run, or onto its symlink target if only that is hidden.
bind_dir='' bind_src='' bind_dst=''
under_shadow "$ROOT" && bind_dir=$ROOT
if ((!probe)); then
	if under_shadow "$script"; then
		bind_dst=$script
	elif under_shadow "$script_real"; then
		bind_dst=$script_real
	fi
	if [[ -n $bind_dst && ! (-n $bind_dir && $bind_dst == "$ROOT"/*) ]]; then
		bind_src=$script_real
	else
		bind_dst=''
	fi
fi

ird=$tmp/initramfs
mkdir -p "$ird"/{bin,sbin,dev,proc,sys,mnt,keep,modules,lib/modules/"$KVER"}
cp /bin/busybox "$ird/bin/busybox"
ln -s busybox "$ird/bin/sh"
# The kernel's on-demand module loader runs /sbin/modprobe in the initramfs
# root, not in the chroot where the script lives.
ln -s ../bin/busybox "$ird/sbin/modprobe"
boot_modules virtio_pci virtiofs >"$tmp/boot-modules"
mapfile -t mods <"$tmp/boot-modules"
for m in "${mods[@]}"; do
	cp "$MODDIR/$m" "$ird/modules/"
	echo "${m##*/}"
done >"$ird/modules.list"

{
	echo "NONCE=$(shq "$nonce")"
	echo "PROJECT=$(shq "$ROOT")"
	echo "KVER=$(shq "$KVER")"
	echo "MODDIR=$(shq "$MODDIR")"
	echo "BIND_DIR=$(shq "$bind_dir")"
	echo "BIND_SRC=$(shq "$bind_src")"
	echo "BIND_DST=$(shq "$bind_dst")"
	printf 'set --'
	for a in "${cmd[@]}"; do
		printf ' %s' "$(shq "$a")"
	done
	echo
} >"$ird/vm.conf"

cat >"$ird/init" <<'EOF'
#!/bin/sh
# PID 1 of the modwall test VM (generated by tests/vm/run.sh).
export PATH=/bin:/sbin
/bin/busybox --install -s /bin
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sys /sys
. /vm.conf

fail() {
	echo "modwall-vm: $*"
	echo "@@modwall-vm-fail-$NONCE@@"
	poweroff -f
	sleep 60
}

while read -r m; do
	insmod "/modules/$m" || fail "insmod $m failed"
done </modules.list

# The virtiofs tag can show up a moment after the PCI probe.
i=0
until mount -t virtiofs -o ro hostroot /mnt 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 50 ] || fail "can't mount the host root (virtiofs tag hostroot)"
	sleep 0.1
done
R=/mnt

mount --bind "$R$MODDIR" "/lib/modules/$KVER" || fail "can't bind the module tree $MODDIR"

# Keep handles on host paths that the fresh /tmp, /run, ... would hide.
if [ -n "$BIND_DIR" ]; then
	mkdir -p /keep/dir && mount --bind "$R$BIND_DIR" /keep/dir || fail "can't keep $BIND_DIR"
fi
if [ -n "$BIND_SRC" ]; then
	touch /keep/file && mount --bind "$R$BIND_SRC" /keep/file || fail "can't keep $BIND_SRC"
fi

mount -t proc proc $R/proc || fail "mount proc"
mount -t sysfs sysfs $R/sys || fail "mount sysfs"
mount -t devtmpfs dev $R/dev || fail "mount devtmpfs"
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts $R/dev/pts || fail "mount devpts"
mount -t tmpfs -o mode=1777 shm $R/dev/shm || fail "mount /dev/shm"
mount -t tmpfs -o mode=1777 tmp $R/tmp || fail "mount /tmp"
mount -t tmpfs -o mode=755 run $R/run || fail "mount /run"
mkdir -p $R/run/netns
mount -t debugfs debugfs $R/sys/kernel/debug 2>/dev/null || :

if [ -n "$BIND_DIR" ]; then
	mkdir -p "$R$BIND_DIR" && mount --bind /keep/dir "$R$BIND_DIR" || fail "can't expose $BIND_DIR"
fi
if [ -n "$BIND_DST" ]; then
	mkdir -p "$R${BIND_DST%/*}" && touch "$R$BIND_DST" &&
		mount --bind /keep/file "$R$BIND_DST" || fail "can't expose $BIND_DST"
fi

ip link set lo up

echo "@@modwall-vm-start-$NONCE@@"
env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root TERM=dumb LANG=C.UTF-8 MODWALL_VM=1 \
	chroot $R /bin/sh -c 'cd "$1" || exit 125; shift; exec "$@"' modwall-vm "$PROJECT" "$@" </dev/null
rc=$?
echo "@@modwall-vm-exit-$NONCE=$rc@@"
poweroff -f
sleep 60
EOF
chmod 755 "$ird/init"

(cd "$ird" && find . -print0 | LC_ALL=C sort -z | cpio -o -0 -H newc --quiet --owner=0:0 | gzip -1) \
	>"$tmp/initrd.gz" || die "can't build the initramfs"

# ---- boot -------------------------------------------------------------------

# This virtiofsd has no read-only mode, and a guest root could simply remount
# its share rw. So it serves a read-only copy of the host's mount tree, made in
# a private mount namespace that dies with it; a mount that won't go read-only
# is dropped from the copy, and anything still writable aborts the run.
ro_share=$(
	cat <<'EOS'
d=$1
shift
mkdir -p "$d" && mount --rbind / "$d" || exit 1
findmnt -R -l -n -o TARGET "$d" | while IFS= read -r mp; do
	mount -o remount,bind,ro "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null || :
done
# Only the top mount of a stack is reachable, so only its flags count.
if ! findmnt -R -l -n -o VFS-OPTIONS,TARGET "$d" | awk '
	{ o = $1; sub(/^[^ ]+ +/, ""); top[$0] = o }
	END { for (t in top) if (top[t] !~ /^ro/) exit 1 }'; then
	echo "cannot make the shared host root read-only" >&2
	exit 1
fi
exec "$@"
EOS
)
unshare --mount --propagation private -- sh -c "$ro_share" sh "$tmp/share" \
	"$VIRTIOFSD" --socket-path="$tmp/vfs.sock" -o source="$tmp/share" -o sandbox=chroot \
	-o cache=auto -o announce_submounts -o log_level=err \
	</dev/null >"$tmp/virtiofsd.log" 2>&1 &
vfsd_pid=$!
for _ in $(seq 100); do
	[[ -S $tmp/vfs.sock ]] && break
	kill -0 "$vfsd_pid" 2>/dev/null || break
	sleep 0.05
done
if [[ ! -S $tmp/vfs.sock ]]; then
	cat "$tmp/virtiofsd.log" >&2
	die "virtiofsd did not start"
fi

mkfifo "$tmp/console"
# virtiofs needs guest RAM that virtiofsd can map: a shared memfd backend.
timeout "$TIMEOUT" qemu-system-x86_64 \
	-name modwall-vm "${accel[@]}" -smp "$CPUS" -m "${MEM}M" \
	-object memory-backend-memfd,id=mem,size="${MEM}M",share=on -numa node,memdev=mem \
	-nodefaults -nographic -serial stdio -no-reboot \
	-kernel "$VMLINUZ" -initrd "$tmp/initrd.gz" \
	-append "console=ttyS0 quiet panic=-1" \
	-chardev socket,id=vfs,path="$tmp/vfs.sock" \
	-device vhost-user-fs-pci,chardev=vfs,tag=hostroot \
	</dev/null >"$tmp/console" 2>"$tmp/qemu.err" &
qemu_pid=$!

# Hold boot chatter until the script starts, then stream line by line.
started=0 finished=0 status='' failed=0
: >"$tmp/boot.log"
while IFS= read -r line || [[ -n $line ]]; do
	line=${line//$'\r'/}
	case $line in
	*"@@modwall-vm-start-$nonce@@"*)
		started=1
		continue
		;;
	*"@@modwall-vm-exit-$nonce="*)
		status=${line#*"@@modwall-vm-exit-$nonce="}
		status=${status%%@@*}
		# Output that didn't end in a newline shares the marker's line.
		line=${line%%"@@modwall-vm-exit-$nonce="*}
		[[ -z $line ]] || printf '%s\n' "$line"
		finished=1
		continue
		;;
	*"@@modwall-vm-fail-$nonce@@"*)
		failed=1
		continue
		;;
	esac
	# After the status line only the kernel's power-down notice is left.
	if [[ ${VM_VERBOSE:-0} == 1 ]] || ((started && !finished)); then
		printf '%s\n' "$line"
	else
		printf '%s\n' "$line" >>"$tmp/boot.log"
	fi
done <"$tmp/console"

qrc=0
wait "$qemu_pid" || qrc=$?
qemu_pid=

if [[ $status =~ ^[0-9]+$ ]]; then
	exit "$status"
fi
if ((qrc == 124)); then
	echo "$ME: timeout: the VM ran longer than ${TIMEOUT}s (VM_TIMEOUT), killed" >&2
	exit 124
fi

# No status: show what we held back so the failure can be diagnosed.
if ((!started)); then
	cat "$tmp/boot.log" >&2
fi
cat "$tmp/qemu.err" >&2
if ((failed)); then
	die "VM setup failed (see above)"
elif ((!started)); then
	die "VM failed to boot (qemu exit status $qrc)"
fi
die "VM stopped before the script finished (qemu exit status $qrc; crash or poweroff?)"
