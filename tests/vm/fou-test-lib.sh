# Shell functions for the tests that run inside the VM (tests/vm/ovs-fou-vm):
# a private OVS, host "h" behind OVS bridge br0, a tunnel peer in namespace
# "peer", and checks counted into "N passed, N failed".  Sourced, with $tree
# set to the built OVS tree.
#
# Host "h" (a namespace) has 198.51.100.1 and fd01::1 and reaches the
# overlay through br0's fou port "f".  The peer has the underlay addresses
# 198.18.0.2 and 2001:db8:ff::2.  The Linux peers below terminate the
# tunnel with "ip fou" and an ipip, sit or ip6tnl device "t0" holding
# 198.51.100.2 or fd01::2; tests/vm/ovs-to-ovs puts a second OVS there
# instead.  OVS's side of the underlay, 198.18.0.1 and 2001:db8:ff::1, is up
# to each test.

export PATH=$tree/utilities:$tree/vswitchd:$tree/ovsdb:$PATH
run=$(mktemp -d /tmp/ovs.XXXXXX)
export OVS_RUNDIR=$run OVS_LOGDIR=$run OVS_DBDIR=$run OVS_SYSCONFDIR=$run

passed=0
failed=0

# check DESCRIPTION COMMAND...: runs COMMAND and counts the result.  Each
# line says, last, the seconds since the previous one (the guest's uptime),
# so that a slow run shows where its time went.
last_check=$(cut -d. -f1 /proc/uptime)
check() {
    description=$1
    shift
    if "$@" > "$run/check.out" 2>&1; then
        result=ok
    else
        result=FAILED
    fi
    now=$(cut -d. -f1 /proc/uptime)
    printf '%-7s %s [%s s]\n' "$result" "$description" $((now - last_check))
    last_check=$now
    if test $result = ok; then
        passed=$((passed + 1))
    else
        sed 's/^/        /' "$run/check.out"
        failed=$((failed + 1))
    fi
}

# finish NAME: the closing line, and the exit status.
finish() {
    if test "$failed" != 0; then
        find "$run" -name ovs-vswitchd.log | while read -r log; do
            echo "--- $log (warnings)"
            grep -E 'WARN|ERR' "$log" | tail -20
        done
    fi
    echo "$1: $passed passed, $failed failed"
    test "$failed" = 0
}

in_h() { ip netns exec h "$@"; }
in_peer() { ip netns exec peer "$@"; }

# wait_for COMMAND...: gives COMMAND ten seconds to succeed.
wait_for() {
    for i in $(seq 100); do
        "$@" > /dev/null 2>&1 && return 0
        sleep 0.1
    done
    "$@"
}

# ping_ok NS ADDRESS: a first ping lets the neighbours resolve, then three
# more must all come back.
ping_ok() {
    ip netns exec "$1" ping -q -c 2 -w 5 "$2" > /dev/null 2>&1
    ip netns exec "$1" ping -q -c 3 -i 0.2 -w 10 "$2"
}

# tcp_ok FROM TO ADDRESS: FROM sends 512 kB over TCP to ADDRESS in TO.
# Both ends give up after a minute, so that a lost connection fails the
# check instead of hanging the VM.
tcp_ok() {
    case $3 in *:*) family=-6 ;; *) family=-4 ;; esac
    head -c 524288 /dev/urandom > "$run/payload"
    rm -f "$run/received"
    ip netns exec "$2" timeout 60 sh -c \
        "nc $family -l -p 8080 > '$run/received'" &
    server=$!
    wait_for sh -c "ip netns exec $2 ss -ltn | grep -q ':8080 '"
    ip netns exec "$1" timeout 60 nc -N -w 20 "$3" 8080 < "$run/payload"
    wait $server
    cmp "$run/payload" "$run/received"
}

# link_kind NAME: the rtnetlink link kind of network device NAME, as the
# kernel reports it ("fou", "vxlan", ...), empty for none.
link_kind() {
    ip -j -d link show dev "$1" | /usr/bin/python3 -c 'import json, sys
print(json.load(sys.stdin)[0].get("linkinfo", {}).get("info_kind", ""))'
}

# dp_has_port NAME: the kernel datapath has a port NAME.
dp_has_port() {
    ovs-dpctl show | grep -q "$1"
}

# no_kernel_splat: the kernel has logged no warning, bug or oops.
no_kernel_splat() {
    ! dmesg | grep -E 'WARNING:|BUG:|general protection|Call Trace'
}

# same EARLIER LATER: two readings of one thing are equal.
same() {
    test "$1" = "$2" || { echo "earlier: $1"; echo "later: $2"; false; }
}

# load_modules MODULE...
load_modules() {
    for module in "$@"; do
        modprobe "$module" || { echo "cannot load module $module"; exit 1; }
    done
}

# start_ovs [--netns NS] [OVS-VSWITCHD-ARGS]: ovsdb-server and
# ovs-vswitchd, with their files in $OVS_RUNDIR; ovs-vswitchd in namespace NS
# if given.  The control tools reach both over their sockets from anywhere.
start_ovs() {
    netns_exec=
    if test "${1:-}" = --netns; then
        netns_exec="ip netns exec $2"
        shift 2
    fi
    # OVS 3.1 counts no CPU during the first ten seconds of the system's
    # uptime (count_cpu_cores() in lib/ovs-thread.c compares the monotonic
    # clock with 0), so it would start no upcall handler for the kernel
    # datapath and lose every miss: a freshly booted VM waits that out.
    while test "$(cut -d. -f1 /proc/uptime)" -lt 12; do
        sleep 1
    done
    ovsdb-tool create "$OVS_DBDIR/conf.db" "$tree/vswitchd/vswitch.ovsschema"
    ovsdb-server "$OVS_DBDIR/conf.db" --remote=punix:"$OVS_RUNDIR/db.sock" \
        --pidfile --detach --log-file
    ovs-vsctl --no-wait init
    $netns_exec ovs-vswitchd --pidfile --detach --log-file "$@"
}

# overlay_host NS DEV N: host N (1 or 2) of the overlay, 198.51.100.N and
# fd01::N on veth DEV in namespace NS, with the MTU leaving room for the
# tunnel headers.
overlay_host() {
    other=$((3 - $3))
    ip netns exec "$1" sh -e -c "
        # The userspace datapath reads veths through packet sockets, where
        # a checksum left to TX offload would stay unfinished.
        ethtool -K $2 tx off > /dev/null
        # No router solicitations, which would cross the tunnel now and
        # then (since 7.x, for as long as no router answers, RFC 7559)
        # among the packets a test counts.
        sysctl -qw net.ipv6.conf.$2.router_solicitations=0
        ip addr add 198.51.100.$3/24 dev $2
        ip addr add fd01::$3/64 dev $2 nodad
        ip link set $2 mtu 1400 up
        ip link set lo up
        # The bridge answers no ARP: the host knows the next hop statically.
        ip neigh add 198.51.100.$other lladdr 02:00:00:00:00:01 dev $2
        ip neigh add fd01::$other lladdr 02:00:00:00:00:01 dev $2"
}

# setup_hosts DATAPATH_TYPE [UNDERLAY_PORT]: br0 with host "h", and the
# peer "peer" on a veth whose other end is UNDERLAY_PORT in this namespace.
setup_hosts() {
    ovs-vsctl add-br br0 -- set bridge br0 datapath_type=$1
    ip netns add h
    ip netns add peer
    ip link add h0 type veth peer name ovs-h0
    ip link set h0 netns h
    ovs-vsctl add-port br0 ovs-h0
    ip link set ovs-h0 up
    overlay_host h h0 1

    ip link add "$2" type veth peer name l0
    ip link set l0 netns peer
    ip link set "$2" up
    in_peer ethtool -K l0 tx off > /dev/null
    in_peer ip addr add 198.18.0.2/24 dev l0
    in_peer ip addr add 2001:db8:ff::2/64 dev l0 nodad
    in_peer ip link set l0 up
    in_peer ip link set lo up
}

# add_fou_port OPTIONS...: the fou port "f" on br0, with add_flows.
add_fou_port() {
    ovs-vsctl add-port br0 f -- set interface f type=fou "$@"
    add_flows
}

# add_flows: IP from h goes into port "f", and whatever comes out of it goes
# to h.  (OpenFlow flows do not survive an ovs-vswitchd restart.)
add_flows() {
    mac=$(in_h cat /sys/class/net/h0/address)
    ovs-ofctl del-flows br0
    ovs-ofctl add-flow br0 "in_port=ovs-h0,ip,actions=f"
    ovs-ofctl add-flow br0 "in_port=ovs-h0,ipv6,actions=f"
    ovs-ofctl add-flow br0 "in_port=f,actions=mod_dl_dst:$mac,ovs-h0"
}

# The Linux peers, each terminating one kind of tunnel as "t0".
# peer_fou_ipip [LOCAL]: FOU from the peer's address LOCAL (198.18.0.2).
peer_fou_ipip() {
    in_peer ip fou add port 5555 ipproto 4
    in_peer ip link add t0 type ipip remote 198.18.0.1 \
        local "${1:-198.18.0.2}" \
        ttl 64 encap fou encap-sport auto encap-dport 5555
    in_peer ip addr add 198.51.100.2/24 dev t0
    in_peer ip link set t0 up
}
peer_gue_ipip() {
    in_peer ip fou add port 6080 gue
    in_peer ip link add t0 type ipip remote 198.18.0.1 local 198.18.0.2 \
        ttl 64 encap gue encap-sport auto encap-dport 6080
    in_peer ip addr add 198.51.100.2/24 dev t0
    in_peer ip link set t0 up
}
peer_fou_sit() {
    in_peer ip fou add port 5555 ipproto 41
    in_peer ip link add t0 type sit remote 198.18.0.1 local 198.18.0.2 \
        ttl 64 encap fou encap-sport auto encap-dport 5555
    in_peer ip addr add fd01::2/64 dev t0 nodad
    in_peer ip link set t0 up
}
# peer_fou6_ip6tnl LOCAL [IP6TNL-OPTIONS]: FOU over IPv6 from the peer's
# address LOCAL, with ip6tnl's defaults (a Destination Options header
# before UDP, "encaplimit 4"; zero UDP checksums) unless the options say
# otherwise.
peer_fou6_ip6tnl() {
    local=$1
    shift
    in_peer ip -6 fou add port 5555 ipproto 4
    in_peer ip link add t0 type ip6tnl mode ipip6 remote 2001:db8:ff::1 \
        local "$local" "$@" \
        encap fou encap-sport auto encap-dport 5555
    in_peer ip addr add 198.51.100.2/24 dev t0
    in_peer ip link set t0 up
}
# GUE over IPv6.
peer_gue6_ip6tnl() {
    in_peer ip -6 fou add port 6080 gue
    in_peer ip link add t0 type ip6tnl mode ipip6 remote 2001:db8:ff::1 \
        local 2001:db8:ff::2 encap gue encap-sport auto encap-dport 6080 \
        encap-udp6-csum
    in_peer ip addr add 198.51.100.2/24 dev t0
    in_peer ip link set t0 up
}

# MPLS in direct FOU (ipproto 137): the peer's mplsip tunnel sends to
# 198.51.100.1 with label 100 and takes label 200 for itself.
peer_fou_mplsip() {
    in_peer sysctl -qw net.mpls.platform_labels=1000
    in_peer ip fou add port 5555 ipproto 137
    in_peer ip link add t0 type ipip mode mplsip remote 198.18.0.1 \
        local 198.18.0.2 ttl 64 encap fou encap-sport auto encap-dport 5555
    in_peer ip addr add 198.51.100.2/24 dev t0
    in_peer ip link set t0 up
    in_peer sysctl -qw net.mpls.conf.t0.input=1
    in_peer ip route add 198.51.100.1/32 encap mpls 100 dev t0
    in_peer ip -f mpls route add 200 dev lo
}

# add_mpls_flows: what h sends to "f" gets label 200; what comes out of
# "f" with label 100 goes to h as IPv4.
add_mpls_flows() {
    mac=$(in_h cat /sys/class/net/h0/address)
    ovs-ofctl del-flows br0
    push='push_mpls:0x8847,set_field:200->mpls_label'
    pop=pop_mpls:0x0800,mod_dl_dst:$mac
    ovs-ofctl add-flow br0 "in_port=ovs-h0,ip,actions=$push,f"
    ovs-ofctl add-flow br0 "in_port=f,mpls,mpls_label=100,actions=$pop,ovs-h0"
}

# peer_down: removes the peer's tunnel and the fou port.
peer_down() {
    in_peer ip link del t0 2>/dev/null
    in_peer ip fou del port 5555 2>/dev/null
    in_peer ip -6 fou del port 5555 2>/dev/null
    in_peer ip fou del port 6080 2>/dev/null
    in_peer ip -6 fou del port 6080 2>/dev/null
    ovs-vsctl --if-exists del-port br0 f
}

# traffic_v4 NAME, traffic_v6 NAME: ping and TCP, both ways, between "h"
# and the namespace $far, which holds 198.51.100.2 and fd01::2; the checks'
# descriptions call the two $near_name and $far_name.
far=peer
near_name=OVS
far_name=Linux
traffic_v4() {
    check "$1: ping from $near_name to $far_name" ping_ok h 198.51.100.2
    check "$1: ping from $far_name to $near_name" ping_ok "$far" 198.51.100.1
    check "$1: TCP from $near_name to $far_name" tcp_ok h "$far" 198.51.100.2
    check "$1: TCP from $far_name to $near_name" tcp_ok "$far" h 198.51.100.1
}
traffic_v6() {
    check "$1: ping6 from $near_name to $far_name" ping_ok h fd01::2
    check "$1: ping6 from $far_name to $near_name" ping_ok "$far" fd01::1
    check "$1: TCP over IPv6 from $near_name to $far_name" tcp_ok h "$far" fd01::2
    check "$1: TCP over IPv6 from $far_name to $near_name" tcp_ok "$far" h fd01::1
}

# The modules the Linux peers of interop_cases need.
INTEROP_MODULES="fou fou6 ipip sit ip6_tunnel mpls_router mpls_iptunnel"

# The cases, each against its peer; "$@" are extra fou port options.
interop_cases() {
    peer_fou_ipip
    add_fou_port options:remote_ip=198.18.0.2 options:ipproto=4 "$@"
    traffic_v4 "FOU, IPv4 in IPv4 (ipip)"
    peer_down

    peer_gue_ipip
    add_fou_port options:remote_ip=198.18.0.2 options:encap=gue \
        options:dst_port=6080 "$@"
    traffic_v4 "GUE, IPv4 in IPv4 (ipip)"
    peer_down

    peer_fou_sit
    add_fou_port options:remote_ip=198.18.0.2 "$@"
    traffic_v6 "FOU, IPv6 in IPv4 (sit)"
    peer_down

    peer_fou6_ip6tnl 2001:db8:ff::2 encaplimit none
    add_fou_port options:remote_ip=2001:db8:ff::2 "$@"
    traffic_v4 "FOU over IPv6, IPv4 inside (fou6, ip6tnl encaplimit none)"
    peer_down

    # What ip6tnl sends by default, with UDP checksums as RFC 6936
    # prefers: each datagram has a Destination Options header before UDP.
    peer_fou6_ip6tnl 2001:db8:ff::2 encap-udp6-csum
    add_fou_port options:remote_ip=2001:db8:ff::2 "$@"
    traffic_v4 "FOU over IPv6 with checksums behind ip6tnl's encaplimit"
    peer_down

    peer_gue6_ip6tnl
    add_fou_port options:remote_ip=2001:db8:ff::2 options:encap=gue \
        options:dst_port=6080 "$@"
    traffic_v4 "GUE over IPv6, IPv4 inside (ip6tnl)"
    peer_down

    peer_fou_mplsip
    ovs-vsctl add-port br0 f -- set interface f type=fou \
        options:remote_ip=198.18.0.2 options:ipproto=137 "$@"
    add_mpls_flows
    traffic_v4 "FOU, MPLS in IPv4 (ipip mode mplsip, ipproto 137)"
    peer_down
}

# A second OVS, "B", for tests/vm/ovs-to-ovs and tests/bench/kernel-datapath:
# its own database and run directory in $b, its ovs-vswitchd started in
# namespace "peer" ("in_b start_ovs --netns peer"), so that each OVS sends
# its tunnels over the wire to the other rather than terminating them
# itself; its bridge br1 connects host "h2" (198.51.100.2, fd01::2).
b=$run/b
mkdir "$b"

# in_b COMMAND...: runs COMMAND against OVS "B".
in_b() (
    export OVS_RUNDIR="$b" OVS_LOGDIR="$b" OVS_DBDIR="$b" OVS_SYSCONFDIR="$b"
    "$@"
)
in_h2() { ip netns exec h2 "$@"; }

# setup_b DATAPATH_TYPE: B's bridge br1 with host "h2".
setup_b() {
    in_b ovs-vsctl add-br br1 -- set bridge br1 datapath_type=$1
    ip netns add h2
    in_peer ip link add h2 type veth peer name ovs-h2
    in_peer ip link set h2 netns h2
    in_peer sysctl -qw net.ipv6.conf.ovs-h2.disable_ipv6=1
    in_b ovs-vsctl add-port br1 ovs-h2
    in_peer ip link set ovs-h2 up
    overlay_host h2 h2 2
}
