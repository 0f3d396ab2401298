#!/usr/bin/env python3
"""Lab topology builder and traffic prober for wgf example repositories.

Reads example directories (wgf/v1 YAML) and builds, with the helpers of
tests/lab/lib.sh, one lab where every object is a network namespace:

  * one namespace per Host: wgf runs there (wgf_on NAME), with a key made by
    `wgf host init`; the example's publicKey is replaced in a copy of the
    repository ($LAB_DIR/repo-EXAMPLE) with set_public_key;
  * one namespace per enabled, unexpired Peer: plain wg through wireguard-go,
    set up like a real client: its own key and addresses, one [Peer] -- its
    first hub, that hub's endpoint, allowed IPs = the network's pools and every
    LAN (0.0.0.0/0, ::/0 when that hub is an exit);
  * one LAN namespace per router Host ("NAME-lan"), joined to the router by a
    veth, holding every address the tests (and forwards) name inside the
    router's LANs, default route via the router;
  * one "internet" namespace: the default gateway of the underlay, holding every
    test address that is outside the networks (e.g. 203.0.113.50);
  * one switch ("sw", lab_switch) joining the hosts' public addresses
    (endpoint and publicAddresses), the peers' underlay addresses and the
    internet namespace's gateway address in each /24 used.

Several examples can share one lab as long as their object names and public
addresses differ (checked).

usage:
  topo.py setup OUTDIR NAME=DIR...        write OUTDIR/setup.sh and OUTDIR/topo.json
  topo.py wait TOPO [SECONDS]             wait until every tunnel has a handshake
  topo.py vectors TOPO EXAMPLE TEST_JSON  real traffic for each `wgf test --json` case
  topo.py probe TOPO EXAMPLE FROM TO PROTO PORT [NS[:PORT]]
                                          one attempt; prints "verdict: V" and exits with
                                          V's code: accept 0 (got through, to the listener
                                          in NS, on PORT), drop 20 (no answer: timeout),
                                          refused 21 (TCP RST or ICMP port unreachable),
                                          wrong-target 22 (someone else answered),
                                          unreachable 23 (ICMP host/net unreachable or
                                          prohibited); anything else (1 for an uncaught
                                          exception, 2 for usage) is an error
  topo.py serve NSNAME tcp:P,.. udp:P,..  (inside a namespace) listeners that say who they
                                          are; a port it cannot bind is fatal (exit 1);
                                          prints "ready" once every socket is bound
  topo.py connect PROTO SRC DST PORT      (inside a namespace) one attempt, prints the verdict
                                          (accept WHO, drop, refused, unreachable, error WHY)

setup.sh defines shell functions to call after sourcing lib.sh:
  topo_build      namespaces, underlay, LANs, keys, repository copies
  topo_apply      wgf validate + apply + converged plan on every host (check lines)
  topo_peers_up   the plain wg peers
  topo_listeners  TCP and UDP listeners for every test (and forward target)
"""
import concurrent.futures
import datetime
import errno
import ipaddress
import json
import os
import pathlib
import selectors
import shlex
import socket
import subprocess
import sys
import time

try:
    import yaml
except ImportError:
    sys.exit("topo.py: needs PyYAML (Debian package python3-yaml)")

HERE = os.path.dirname(os.path.abspath(__file__))
ME = os.path.abspath(__file__)
MAX_RANGE = 64          # listeners per forward range, at most
# probe verdicts and their exit codes (anything else is an error)
VERDICT_RC = {"accept": 0, "drop": 20, "refused": 21, "wrong-target": 22, "unreachable": 23}
UNREACH_ERRNOS = (errno.EHOSTUNREACH, errno.ENETUNREACH)


def die(msg):
    sys.stderr.write("topo.py: %s\n" % msg)
    sys.exit(2)


# --------------------------------------------------------------------------
# loading an example (strings only, like wgf's typing: we convert ourselves)

def load_example(root):
    objs = {"Network": {}, "Host": {}, "Peer": {}, "Tenant": {}, "Policy": {}}
    rootp = pathlib.Path(root)
    for f in sorted(rootp.rglob("*")):
        rel = f.relative_to(rootp)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if not f.is_file() or f.suffix not in (".yaml", ".yml"):
            continue
        for doc in yaml.load_all(f.read_text(), Loader=yaml.BaseLoader):
            if not isinstance(doc, dict):
                continue
            kind = doc.get("kind")
            name = (doc.get("metadata") or {}).get("name")
            if kind in objs and name:
                d = dict(doc.get("spec") or {})
                d["_name"] = name
                d["_labels"] = (doc.get("metadata") or {}).get("labels") or {}
                objs[kind][name] = d
    return objs


def ip(s):
    return ipaddress.ip_address(s)


def iface(s):
    """'10.0.0.1/24' or a bare address -> ip_interface."""
    return ipaddress.ip_interface(s)


def net(s):
    return ipaddress.ip_network(s, strict=False)


def endpoint_addr(ep):
    if not ep:
        return None, None
    if ep.startswith("["):
        a, _, p = ep[1:].partition("]:")
        return ip(a), int(p)
    a, _, p = ep.rpartition(":")
    return ip(a), int(p)


def peer_active(p, now):
    if p.get("enabled", "true") == "false":
        return False
    e = p.get("expires")
    if e:
        if "T" in e:
            t = datetime.datetime.strptime(e, "%Y-%m-%dT%H:%M:%SZ")
        else:
            t = datetime.datetime.strptime(e, "%Y-%m-%d")
        if now >= t.replace(tzinfo=datetime.timezone.utc):
            return False
    return True


def is_ip(s):
    try:
        ip(s)
        return True
    except ValueError:
        return False


def port_range(v):
    s = str(v)
    if "-" in s:
        lo, hi = s.split("-", 1)
        return int(lo), int(hi)
    return int(s), int(s)


# --------------------------------------------------------------------------
# setup: plan the lab, write setup.sh and topo.json

class Lab:
    def __init__(self):
        self.sh = {"build": [], "apply": [], "peers": [], "listeners": []}
        self.ns_all = set(["sw", "internet"])
        self.underlay_used = set()
        self.gateways = {}        # /24 network -> gateway address (internet ns)
        self.inet_addrs = set()   # outside addresses held by the internet ns
        self.examples = {}

    def emit(self, part, line):
        self.sh[part].append(line)

    def claim_ns(self, name):
        if name in self.ns_all:
            die("namespace name %r is used twice (two examples with the same object name?)" % name)
        if len(name) > 40:
            die("object name %r too long for a lab namespace" % name)
        self.ns_all.add(name)

    def gateway(self, n24):
        if n24 not in self.gateways:
            for cand in (254, 253, 252, 251, 250):
                g = n24.network_address + cand
                if g not in self.underlay_used:
                    break
            self.underlay_used.add(g)
            self.gateways[n24] = g
        return self.gateways[n24]

    def free_underlay(self, n24, start=100):
        for i in range(start, 250):
            a = n24.network_address + i
            if a not in self.underlay_used:
                self.underlay_used.add(a)
                return a
        die("no free underlay address in %s" % n24)


def n24_of(a):
    return ipaddress.ip_network("%s/24" % a, strict=False)


def plan_example(lab, exname, exdir):
    objs = load_example(exdir)
    now = datetime.datetime.now(datetime.timezone.utc)
    networks, hosts, peers = objs["Network"], objs["Host"], objs["Peer"]
    if not networks:
        die("%s: no Network" % exdir)
    only_net = next(iter(networks)) if len(networks) == 1 else None
    repo = "$LAB_DIR/repo-%s" % exname
    ex = {"name": exname, "dir": os.path.abspath(exdir), "repo": repo, "hosts": [], "peers": [],
          "lans": {}, "owners": [], "names": {}, "listeners": {}, "wg_ifaces": {}}
    lab.examples[exname] = ex
    b = lambda line: lab.emit("build", line)

    def netof(o):
        return networks[o.get("network") or only_net]

    def pools(nw):
        out = []
        for fam in ("ipv4", "ipv6"):
            v = (nw.get("addressPools") or {}).get(fam)
            if v:
                out.append(net(v))
        return out

    # --- tests and forwards: which addresses must exist, and where listeners go
    tests = []
    for pol in objs["Policy"].values():
        for t in pol.get("tests") or []:
            tests.append(t)
    test_ips = set()
    for t in tests:
        for k in ("from", "to"):
            if is_ip(t.get(k, "")):
                test_ips.add(ip(t[k]))
    for h in hosts.values():
        for f in h.get("forwards") or []:
            if is_ip(f.get("to", "")):
                test_ips.add(ip(f["to"]))

    active_peers = {n: p for n, p in peers.items() if peer_active(p, now)}

    # --- ownership: what lives where (exact addresses, then prefixes)
    owners = []   # (network, ns)
    lan_of_host = {}
    for hn, h in hosts.items():
        for a in h.get("addresses") or []:
            owners.append((net(str(iface(a).ip)), hn))
        ea, _ = endpoint_addr(h.get("endpoint"))
        pubs = [ip(a) for a in h.get("publicAddresses") or []]
        if ea and ea not in pubs:
            pubs.insert(0, ea)
        h["_pubs"] = pubs
        for a in pubs:
            owners.append((net(str(a)), hn))
        if h.get("lans"):
            lan_ns = hn + "-lan"
            lan_of_host[hn] = lan_ns
            for l in h["lans"]:
                owners.append((net(l), lan_ns))
    for pn, p in active_peers.items():
        for a in p.get("addresses") or []:
            owners.append((net(str(iface(a).ip)), pn))
        for l in p.get("lans") or []:
            owners.append((net(l), pn))
    ex["owners"] = [[str(n), o] for n, o in owners]

    def owner(a):
        a = ip(a)
        best = None
        for n, o in owners:
            if a.version == n.version and a in n and (best is None or n.prefixlen > best[0].prefixlen):
                best = (n, o)
        return best[1] if best else "internet"

    for a in test_ips:
        if owner(a) == "internet":
            lab.inet_addrs.add(a)

    # names -> namespaces (for probes written with names)
    for hn in hosts:
        ex["names"][hn] = {"ns": hn, "addrs": [str(iface(a).ip) for a in hosts[hn].get("addresses") or []]}
    for pn, p in active_peers.items():
        ex["names"][pn] = {"ns": pn, "addrs": [str(iface(a).ip) for a in p.get("addresses") or []]}

    # --- hosts: namespaces on the switch, keys, wgf
    for hn, h in hosts.items():
        lab.claim_ns(hn)
        ex["hosts"].append(hn)
        ifn = h.get("interface") or netof(h).get("interface") or "wg0"
        ex["wg_ifaces"][hn] = ifn
        b("lab_host %s" % shlex.quote(hn))
        pubs = h["_pubs"]
        if not pubs:
            # behind NAT: an underlay address next to the first hub of its network
            hub_eps = [endpoint_addr(x.get("endpoint"))[0] for x in hosts.values()
                       if x.get("endpoint") and netof(x) is netof(h)]
            if not hub_eps:
                die("%s: host %s has no endpoint and no other host has one" % (exname, hn))
            pubs_lab = [lab.free_underlay(n24_of(hub_eps[0]))]
        else:
            pubs_lab = pubs
            for a in pubs:
                if a.version != 4:
                    die("%s: IPv6 public address %s: the lab underlay is IPv4 only" % (exname, a))
                if a in lab.underlay_used:
                    die("%s: public address %s used twice" % (exname, a))
                lab.underlay_used.add(a)
        first = pubs_lab[0]
        b("lab_port %s %s/24" % (shlex.quote(hn), first))
        for a in pubs_lab[1:]:
            b("in_host %s ip addr add %s/24 dev eth0" % (shlex.quote(hn), a))
        h["_gw"] = n24_of(first)
        b("set_public_key %s %s \"$(wgf_host_key %s)\" || echo 'topo: set_public_key %s failed' >&2"
          % (repo, shlex.quote(hn), shlex.quote(hn), hn))
        b("WGF_KEY_FILE=$LAB_DIR/%s.key \"$WGF\" host pubkey >$LAB_DIR/%s.pub" % (hn, hn))
    # gateways after all public addresses are known
    for hn, h in hosts.items():
        b("in_host %s ip route add default via %s" % (shlex.quote(hn), lab.gateway(h["_gw"])))

    # --- LANs behind routers
    for hn, lan_ns in lan_of_host.items():
        h = hosts[hn]
        lab.claim_ns(lan_ns)
        b("lab_host %s" % shlex.quote(lan_ns))
        b("topo_link %s %s" % (shlex.quote(hn), shlex.quote(lan_ns)))
        # router side: first host address of each LAN not named by a test
        held = []
        for l in h["lans"]:
            n = net(l)
            inside = sorted(a for a in test_ips if a.version == n.version and a in n)
            used = set(inside)
            gw = next(a for a in (n.network_address + i for i in range(1, 1000)) if a not in used)
            if not inside:
                inside = [next(a for a in (n.network_address + i for i in range(10, 1000)) if a != gw)]
            nd = " nodad" if n.version == 6 else ""
            b("in_host %s ip addr add %s/%d dev $TOPO_IA%s" % (shlex.quote(hn), gw, n.prefixlen, nd))
            for a in inside:
                b("in_host %s ip addr add %s/%d dev $TOPO_IB%s" % (shlex.quote(lan_ns), a, n.prefixlen, nd))
            b("in_host %s ip -%d route replace default via %s" % (shlex.quote(lan_ns), n.version, gw))
            held += [str(a) for a in inside]
        ex["lans"][lan_ns] = {"router": hn, "addrs": held}
        ex["names"][lan_ns] = {"ns": lan_ns, "addrs": held}

    # --- peers: namespaces on the switch now, wg after the hosts are applied
    all_lans = []
    for h in hosts.values():
        all_lans += [net(l) for l in h.get("lans") or []]
    for p in active_peers.values():
        all_lans += [net(l) for l in p.get("lans") or []]
    for pn, p in active_peers.items():
        lab.claim_ns(pn)
        ex["peers"].append(pn)
        hub = hosts[p["hubs"][0]]
        hub_ep, hub_port = endpoint_addr(hub.get("endpoint"))
        if hub_ep is None:
            die("%s: hub %s of %s has no endpoint" % (exname, p["hubs"][0], pn))
        b("lab_host %s" % shlex.quote(pn))
        own_ep, own_port = endpoint_addr(p.get("endpoint"))
        if own_ep is not None:
            if own_ep in lab.underlay_used:
                die("%s: endpoint of %s used twice" % (exname, pn))
            lab.underlay_used.add(own_ep)
            ua = own_ep
        else:
            ua = lab.free_underlay(n24_of(hub_ep))
        b("lab_port %s %s/24" % (shlex.quote(pn), ua))
        b("in_host %s ip route add default via %s" % (shlex.quote(pn), lab.gateway(n24_of(ua))))
        b("(umask 077; wg genkey >$LAB_DIR/%s.key)" % pn)
        b("set_public_key %s %s \"$(wg pubkey <$LAB_DIR/%s.key)\" || echo 'topo: set_public_key %s failed' >&2"
          % (repo, shlex.quote(pn), pn, pn))
        nw = netof(p)
        pl = pools(nw)
        addrs = []
        for a in p.get("addresses") or []:
            ia = iface(a)
            plen = next((x.prefixlen for x in pl if x.version == ia.version and ia.ip in x), ia.network.prefixlen)
            addrs.append("%s/%d" % (ia.ip, plen))
        if hub.get("role") == "exit":
            allowed = ["0.0.0.0/0", "::/0"]
        else:
            mine = [net(l) for l in p.get("lans") or []]
            allowed = [str(x) for x in pl] + sorted({str(l) for l in all_lans if l not in mine})
        lab.emit("peers", "plain_peer %s $LAB_DIR/%s.key %s \"$(cat $LAB_DIR/%s.pub)\" %s:%d %s"
                 % (shlex.quote(pn), pn, shlex.quote(" ".join(addrs)), p["hubs"][0], hub_ep, hub_port,
                    ",".join(allowed)))
        if own_port:
            lab.emit("peers", "in_host %s wg set wg0 listen-port %d" % (shlex.quote(pn), own_port))
        ex["wg_ifaces"][pn] = "wg0"
        # test addresses inside the peer's own lans live on a dummy
        lans_here = [net(l) for l in p.get("lans") or []]
        extra = [a for a in test_ips if any(a.version == l.version and a in l for l in lans_here)]
        if extra:
            b("in_host %s ip link add lan0 type dummy && in_host %s ip link set lan0 up" % (pn, pn))
            for a in extra:
                b("in_host %s ip addr add %s/%d dev lan0" % (pn, a, 32 if a.version == 4 else 128))

    # --- wgf on every host
    a = lambda line: lab.emit("apply", line)
    a("check %s topo_quiet validate-%s \"$WGF\" validate %s"
      % (shlex.quote("%s: wgf validate accepts the example" % exname), exname, repo))
    for hn in hosts:
        a("check %s topo_quiet apply-%s wgf_on %s apply --yes %s"
          % (shlex.quote("%s: wgf apply on %s" % (exname, hn)), hn, shlex.quote(hn), repo))
    for hn in hosts:
        a("wgf_on %s plan %s >$LAB_DIR/plan-%s 2>&1; check %s test $? -eq 0"
          % (shlex.quote(hn), repo, hn, shlex.quote("%s: %s converged (plan exits 0)" % (exname, hn))))

    # --- listeners: every test's destination port, and every forward target
    lis = ex["listeners"]

    def listen(ns, proto, port):
        lis.setdefault(ns, {"tcp": set(), "udp": set()})[proto].add(int(port))

    def forward_for(dst, proto, port):
        for hn, h in hosts.items():
            for f in h.get("forwards") or []:
                fa = ip(f["address"]) if f.get("address") else (h["_pubs"][0] if h["_pubs"] else None)
                if fa != dst:
                    continue
                fp = f.get("protocol", "tcp")
                if fp != "both" and fp != proto:
                    continue
                lo, hi = port_range(f["port"])
                if lo <= port <= hi:
                    tlo = int(f["toPort"]) if f.get("toPort") else lo
                    tns = f["to"] if f["to"] in active_peers else owner(f["to"])
                    return tns, tlo + (port - lo)
        return None

    for hn, h in hosts.items():
        for f in h.get("forwards") or []:
            lo, hi = port_range(f["port"])
            tlo = int(f["toPort"]) if f.get("toPort") else lo
            tns = f["to"] if f["to"] in active_peers else owner(f["to"])
            fp = f.get("protocol", "tcp")
            for pr in (("tcp", "udp") if fp == "both" else (fp,)):
                for i in range(min(hi - lo + 1, MAX_RANGE)):
                    listen(tns, pr, tlo + i)
    for t in tests:
        if "port" not in t:
            continue
        proto = t.get("protocol", "tcp")
        port = int(t["port"])
        to = t["to"]
        if to in ex["names"]:
            listen(ex["names"][to]["ns"], proto, port)
            continue
        fw = forward_for(ip(to), proto, port)
        if fw:
            listen(fw[0], proto, fw[1])
        listen(owner(to), proto, port)
    for ns, d in lis.items():
        d["tcp"] = sorted(d["tcp"])
        d["udp"] = sorted(d["udp"])
    return ex


def cmd_setup(outdir, pairs):
    lab = Lab()
    for pair in pairs:
        name, _, d = pair.partition("=")
        if not d:
            die("setup wants NAME=DIR arguments")
        plan_example(lab, name, d)
    os.makedirs(outdir, exist_ok=True)
    L = []
    w = L.append
    w("# generated by tests/lab/topo.py from %s" % " ".join(pairs))
    w("topo_link() {   # topo_link A B: a veth pair, ends in TOPO_IA (A) and TOPO_IB (B)")
    w("\tLAB_NLINK=$((LAB_NLINK + 1)); TOPO_IA=\"l${LAB_NLINK}a\"; TOPO_IB=\"l${LAB_NLINK}b\"")
    w("\tip link add \"$TOPO_IA\" netns \"$(lab_ns \"$1\")\" type veth peer name \"$TOPO_IB\" netns \"$(lab_ns \"$2\")\" || return 1")
    w("\tin_host \"$1\" ip link set \"$TOPO_IA\" up; in_host \"$2\" ip link set \"$TOPO_IB\" up")
    w("}")
    w("topo_quiet() {   # topo_quiet NAME CMD...: output to $LAB_DIR/NAME.log, shown when CMD fails")
    w("\tlocal f=$LAB_DIR/$1.log; shift")
    w("\t\"$@\" >\"$f\" 2>&1 && return 0")
    w("\tlocal rc=$?; sed 's/^/    /' \"$f\"; return $rc")
    w("}")
    w("topo_build() {")
    for ex in lab.examples.values():
        w("\trm -rf $LAB_DIR/repo-%s; cp -r %s $LAB_DIR/repo-%s || return 1"
          % (ex["name"], shlex.quote(ex["dir"]), ex["name"]))
    w("\tlab_switch || return 1")
    w("\tlab_host internet || return 1")
    gws = sorted(lab.gateways.items())
    if not gws:
        die("no underlay")
    w("\tlab_port internet %s/24" % gws[0][1])
    for _, g in gws[1:]:
        w("\tin_host internet ip addr add %s/24 dev eth0" % g)
    for a in sorted(lab.inet_addrs, key=lambda x: (x.version, x)):
        w("\tin_host internet ip addr add %s/%d dev lo%s" % (a, 32 if a.version == 4 else 128,
                                                            " nodad" if a.version == 6 else ""))
    w("\tin_host internet sysctl -qw net.ipv4.ip_forward=1")
    for line in lab.sh["build"]:
        w("\t" + line)
    w("}")
    w("topo_apply() {")
    for line in lab.sh["apply"] or [":"]:
        w("\t" + line)
    w("}")
    w("topo_peers_up() {")
    for line in lab.sh["peers"] or [":"]:
        w("\t" + line)
    w("}")
    w("topo_listeners() {")
    for ex in lab.examples.values():
        for ns, d in sorted(ex["listeners"].items()):
            args = []
            if d["tcp"]:
                args.append("tcp:" + ",".join(map(str, d["tcp"])))
            if d["udp"]:
                args.append("udp:" + ",".join(map(str, d["udp"])))
            w("\tin_host %s python3 %s serve %s %s >>$LAB_DIR/serve.log 2>&1 &"
              % (shlex.quote(ns), ME, shlex.quote(ns), " ".join(args)))
    # known to listen (ss in each namespace) before any probe counts
    w("\tlocal ok=0")
    for ex in lab.examples.values():
        for ns, d in sorted(ex["listeners"].items()):
            for pr in ("tcp", "udp"):
                if d[pr]:
                    w("\twait_listening %s %s %s || ok=1" % (shlex.quote(ns), pr, " ".join(map(str, d[pr]))))
    w("\t[ $ok -eq 0 ] || sed 's/^/#   serve: /' $LAB_DIR/serve.log")
    w("\treturn $ok")
    w("}")
    with open(os.path.join(outdir, "setup.sh"), "w") as f:
        f.write("\n".join(L) + "\n")
    topo = {"examples": lab.examples, "internet": [str(a) for a in sorted(lab.inet_addrs)]}
    with open(os.path.join(outdir, "topo.json"), "w") as f:
        json.dump(topo, f, indent=1, default=sorted)


# --------------------------------------------------------------------------
# running things inside the lab's namespaces

def ns_cmd(ns, argv):
    run, d = os.environ.get("LAB_RUN"), os.environ.get("LAB_DIR")
    if not run or not d:
        die("LAB_RUN and LAB_DIR must be exported")
    return ["nsenter", "--net=/run/netns/%s-%s" % (run, ns), "--mount=%s/mnt/%s" % (d, ns), "--"] + argv


def load_topo(path):
    with open(path) as f:
        return json.load(f)


def owner_of(ex, a):
    a = ip(a)
    best = None
    for n, o in ex["owners"]:
        n = net(n)
        if a.version == n.version and a in n and (best is None or n.prefixlen > best[0].prefixlen):
            best = (n, o)
    return best[1] if best else "internet"


def resolve(ex, what, other=None):
    """A name or an address -> (address, namespace). A name takes the address of
    the other side's family (IPv4 when both are names)."""
    if what in ex["names"]:
        addrs = ex["names"][what]["addrs"]
        fam = 4
        if other is not None and not other in ex["names"] and is_ip(other):
            fam = ip(other).version
        a = next((x for x in addrs if ip(x).version == fam), addrs[0] if addrs else None)
        return a, ex["names"][what]["ns"]
    return what, owner_of(ex, what)


def cmd_wait(topo, seconds):
    """Trigger traffic toward every hub, then wait for the handshakes."""
    deadline = time.time() + seconds
    nss = []
    for ex in topo["examples"].values():
        for n in ex["hosts"] + ex["peers"]:
            nss.append((ex, n))
    # traffic: every namespace pings every host's first tunnel address (answers don't matter)
    procs = []
    for ex, n in nss:
        for h in ex["hosts"]:
            if h == n or not ex["names"][h]["addrs"]:
                continue
            procs.append(subprocess.Popen(ns_cmd(n, ["ping", "-c", "2", "-i", "0.5", "-W", "1",
                                                     ex["names"][h]["addrs"][0]]),
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    for p in procs:
        p.wait()
    missing = []
    while True:
        missing = []
        for ex, n in nss:
            out = subprocess.run(ns_cmd(n, ["wg", "show", "all", "dump"]), capture_output=True, text=True).stdout
            for line in out.splitlines():
                f = line.split("\t")
                if len(f) != 9:
                    continue   # interface line
                peer_ep, hs = f[3], int(f[5])
                if n in ex["peers"] or peer_ep != "(none)":
                    if hs == 0:
                        missing.append("%s: %s… (endpoint %s)" % (n, f[1][:8], peer_ep))
        if not missing or time.time() > deadline:
            break
        time.sleep(1)
    for m in missing:
        print("# no handshake yet: " + m)
    return 0 if not missing else 1


def probe(ex, src, dst, proto, port, timeout=3.0):
    """One connection attempt from the namespace owning src. Returns (verdict, who)."""
    sns = owner_of(ex, src)
    if proto == "icmp":
        r = subprocess.run(ns_cmd(sns, ["ping", "-n", "-c", "2", "-i", "0.5", "-W", "2", "-I", src, dst]),
                           capture_output=True, text=True)
        # ping: 0 a reply, 1 no reply (an ICMP error counts as none, so look at what it
        # printed), 2 (or anything else) an error such as a missing source address
        if r.returncode == 0:
            return "accept", None
        if r.returncode == 1:
            if any(w in r.stdout for w in ("Unreachable", "Prohibited", "filtered")):
                return "unreachable", r.stdout.strip().splitlines()[1] if r.stdout.count("\n") > 1 else None
            return "drop", None
        return "error", ("ping exit %d: %s" % (r.returncode, (r.stderr or r.stdout).strip()))
    r = subprocess.run(ns_cmd(sns, ["python3", ME, "connect", proto, src, dst, str(port), str(timeout)]),
                       capture_output=True, text=True)
    lines = r.stdout.strip().splitlines()
    if r.returncode != 0 or not lines:
        return "error", "connect exit %d: %s" % (r.returncode, (r.stderr.strip().splitlines() or ["?"])[-1])
    out = lines[-1].split(" ", 1)
    if out[0] not in VERDICT_RC and out[0] != "error":
        return "error", "connect printed %r" % lines[-1]
    return out[0], (out[1] if len(out) > 1 else None)


class Listeners:
    """Makes sure a listener exists on (ns, proto, port): starts extra ones when the
    `wgf test` output asks for one setup.sh did not foresee."""

    def __init__(self, ex):
        self.ex = ex
        self.extra = {}
        self.procs = []

    def need(self, ns, proto, port):
        have = self.ex["listeners"].get(ns, {}).get(proto, [])
        if port in have:
            return
        self.extra.setdefault(ns, {"tcp": set(), "udp": set()})[proto].add(port)

    def start(self):
        for ns, d in self.extra.items():
            args = [ns]
            for pr in ("tcp", "udp"):
                if d[pr]:
                    args.append("%s:%s" % (pr, ",".join(map(str, sorted(d[pr])))))
            self.procs.append(subprocess.Popen(ns_cmd(ns, ["python3", ME, "serve"] + args),
                                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        # each must say "ready" (every socket bound) within 5 s, else the probe is an error
        for p in self.procs:
            sel = selectors.DefaultSelector()
            sel.register(p.stdout, selectors.EVENT_READ)
            line = p.stdout.readline() if sel.select(5) else ""
            sel.close()
            if line.strip() != "ready":
                p.kill()
                p.wait()
                raise RuntimeError("listener %s not ready: %s" % (" ".join(p.args[-3:]), p.stderr.read().strip()))

    def stop(self):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            p.wait()


def describe(t):
    port = "" if t["protocol"] == "icmp" else "/%d" % t["port"]
    return "%s:%s %s → %s %s%s" % (os.path.basename(t.get("file") or "?"), t.get("line"), t["from"], t["to"],
                                    t["protocol"], port)


def cmd_vectors(topo, exname, test_json):
    ex = topo["examples"][exname]
    with open(test_json) as f:
        data = json.load(f)
    tests = data.get("tests") or []
    if not tests:
        print("not ok - %s: `wgf test --json` listed no tests" % exname)
        return 1
    plans = []
    lis = Listeners(ex)
    for t in tests:
        proto = t["protocol"]
        port = int(t.get("port") or 0)
        if t.get("forwarded_to"):
            want_ns, want_port = owner_of(ex, t["forwarded_to"]), int(t.get("forwarded_port") or port)
        else:
            want_ns, want_port = owner_of(ex, t["dst"]), port
        if proto != "icmp":
            lis.need(want_ns, proto, want_port)
        plans.append((t, want_ns, want_port))
    try:
        lis.start()
        with concurrent.futures.ThreadPoolExecutor(max_workers=24) as pool:
            futs = [pool.submit(probe, ex, t["src"], t["dst"], t["protocol"], int(t.get("port") or 0))
                    for t, _, _ in plans]
            results = [f.result() for f in futs]
    finally:
        lis.stop()
    bad = 0
    for (t, want_ns, want_port), (seen, who) in zip(plans, results):
        where = "%s:%d" % (want_ns, want_port)
        real = seen
        note = ""
        if seen == "accept" and t["protocol"] != "icmp" and who != where:
            real = "wrong-target"
            note = ", answered by %s instead of %s" % (who, where)
        elif seen not in ("accept", "drop"):
            # refused, unreachable or error: never taken for the "drop" wgf test means
            # (a listener answers every probed port, so a refusal is a fault)
            note = " (%s%s)" % (seen, (" " + who) if who else "")
        fw = ""
        if t.get("forwarded_to"):
            fw = " via forward to %s:%s" % (t["forwarded_to"], t.get("forwarded_port"))
        msg = "%s %s [%s%s]: expect %s, wgf test %s, data plane %s%s" % (
            exname, describe(t), t.get("decided_by") or "-", fw, t["expect"], t["result"], real, note)
        if real == t["result"] == t["expect"]:
            print("ok - " + msg)
        else:
            bad += 1
            print("not ok - " + msg)
    return 1 if bad else 0


def cmd_probe(topo, exname, frm, to, proto, port, expect_ns=None):
    ex = topo["examples"][exname]
    src, _ = resolve(ex, frm, to)
    dst, dns = resolve(ex, to, frm)
    want = expect_ns or dns
    lis = Listeners(ex)
    if proto != "icmp":
        wns, _, wport = want.partition(":")
        lis.need(wns, proto, int(wport or port))
    try:
        lis.start()
        seen, who = probe(ex, src, dst, proto, int(port))
    finally:
        lis.stop()
    if seen == "accept" and proto != "icmp":
        if (":" in want and who != want) or (":" not in want and not (who or "").startswith(want + ":")):
            seen = "wrong-target"
    print("# probe %s %s(%s) → %s(%s) %s/%s: %s%s" % (exname, frm, src, to, dst, proto, port, seen,
                                                     (" from " + who) if who else ""))
    print("verdict: %s" % seen)
    return VERDICT_RC.get(seen, 1)


# --------------------------------------------------------------------------
# inside a namespace: listeners and one connection attempt

def cmd_serve(nsname, specs):
    sel = selectors.DefaultSelector()
    n = 0
    for spec in specs:
        proto, _, ports = spec.partition(":")
        for p in ports.split(","):
            p = int(p)
            kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
            s = socket.socket(socket.AF_INET6, kind)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("::", p))
            except OSError as e:
                sys.stderr.write("serve %s: %s/%d: %s\n" % (nsname, proto, p, e))
                sys.exit(1)
            if proto == "tcp":
                s.listen(64)
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, (proto, p))
            n += 1
    sys.stderr.write("serve %s: %d listeners\n" % (nsname, n))
    print("ready", flush=True)
    while True:
        for key, _ in sel.select():
            proto, p = key.data
            s = key.fileobj
            try:
                if proto == "tcp":
                    c, _ = s.accept()
                    c.setblocking(True)
                    c.settimeout(1)
                    try:
                        c.sendall(("%s:%d\n" % (nsname, p)).encode())
                    except OSError:
                        pass
                    c.close()
                else:
                    data, addr = s.recvfrom(2048)
                    s.sendto(("%s:%d " % (nsname, p)).encode() + data, addr)
            except OSError:
                pass


def cmd_connect(proto, src, dst, port, timeout):
    fam = socket.AF_INET6 if ip(dst).version == 6 else socket.AF_INET
    port = int(port)
    timeout = float(timeout)
    if proto == "tcp":
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.bind((src, 0))
        s.settimeout(timeout)
        try:
            s.connect((dst, port))
        except ConnectionRefusedError:
            print("refused")
            return
        except socket.timeout:
            print("drop")
            return
        except OSError as e:
            print("%s %s" % ("unreachable" if e.errno in UNREACH_ERRNOS else "error", e.strerror))
            return
        who = b""
        try:
            s.settimeout(2)
            while not who.endswith(b"\n"):
                chunk = s.recv(100)
                if not chunk:
                    break
                who += chunk
        except OSError:
            pass
        print("accept %s" % (who.decode(errors="replace").strip() or "?"))
        return
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((src, 0))
    nonce = os.urandom(8).hex().encode()
    end = time.time() + timeout
    next_send = 0.0
    while time.time() < end:
        if time.time() >= next_send:
            try:
                s.sendto(nonce, (dst, port))
            except ConnectionRefusedError:
                print("refused")
                return
            except OSError as e:
                print("%s %s" % ("unreachable" if e.errno in UNREACH_ERRNOS else "error", e.strerror))
                return
            next_send = time.time() + 0.8
        s.settimeout(max(0.05, min(next_send, end) - time.time()))
        try:
            data, _ = s.recvfrom(2048)
        except socket.timeout:
            continue
        except ConnectionRefusedError:
            print("refused")
            return
        except OSError as e:
            print("%s %s" % ("unreachable" if e.errno in UNREACH_ERRNOS else "error", e.strerror))
            return
        if data.endswith(nonce):
            print("accept %s" % data[:-len(nonce)].decode(errors="replace").strip())
            return
    print("drop")


def main(argv):
    if len(argv) < 2:
        die(__doc__)
    cmd = argv[1]
    if cmd == "setup" and len(argv) >= 4:
        cmd_setup(argv[2], argv[3:])
        return 0
    if cmd == "wait" and len(argv) in (3, 4):
        return cmd_wait(load_topo(argv[2]), float(argv[3]) if len(argv) == 4 else 40)
    if cmd == "vectors" and len(argv) == 5:
        return cmd_vectors(load_topo(argv[2]), argv[3], argv[4])
    if cmd == "probe" and len(argv) in (8, 9):
        return cmd_probe(load_topo(argv[2]), *argv[3:])
    if cmd == "serve" and len(argv) >= 3:
        cmd_serve(argv[2], argv[3:])
        return 0
    if cmd == "connect" and len(argv) == 7:
        cmd_connect(*argv[2:])
        return 0
    die(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
