/* Frame builder for the traffic generator; see frame.h. Layouts follow
 * RFC 791 (IPv4), RFC 8200 (IPv6), RFC 9293 (TCP), RFC 768 (UDP),
 * RFC 792 / RFC 4443 (ICMP, ICMPv6), RFC 826 (ARP), IEEE 802.1Q/802.1ad. */
#include "gen/frame.h"

#include <string.h>

/* Documentation MAC addresses (RFC 7042: 00-00-5E-00-53-00 to -FF). */
static const uint8_t mac_sensor[6] = {0x00, 0x00, 0x5e, 0x00, 0x53, 0x01};
static const uint8_t mac_router[6] = {0x00, 0x00, 0x5e, 0x00, 0x53, 0x02};

#define ETH_MIN 60

static void put16(uint8_t *b, uint16_t v)
{
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

/* One's-complement sum of 16-bit big-endian words (RFC 1071), unfolded. */
static uint32_t sum16(const uint8_t *b, size_t n, uint32_t acc)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        acc += (uint32_t)b[i] << 8 | b[i + 1];
    if (n & 1)
        acc += (uint32_t)b[n - 1] << 8;
    return acc;
}

static uint16_t fold(uint32_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}

/* The TCP/UDP/ICMPv6 pseudo-header sum for IPv4 or IPv6. */
static uint32_t pseudo_sum(const struct gen_pkt *p, uint8_t proto, uint32_t len)
{
    uint32_t acc = proto + (len & 0xffff) + (len >> 16);
    if (p->link == GEN_L_IP4) {
        acc += (p->src4 >> 16) + (p->src4 & 0xffff) + (p->dst4 >> 16) + (p->dst4 & 0xffff);
    } else {
        acc = sum16(p->src6, 16, acc);
        acc = sum16(p->dst6, 16, acc);
    }
    return acc;
}

static size_t put_eth(const struct gen_pkt *p, uint8_t *b, uint16_t ethertype)
{
    size_t off = 0;
    if (p->link == GEN_L_ARP)
        memset(b, 0xff, 6);
    else
        memcpy(b, mac_sensor, 6);
    memcpy(b + 6, mac_router, 6);
    off = 12;
    if (p->vlan == GEN_V_QINQ) {
        put16(b + off, 0x88a8); /* service tag, then the customer tag below */
        put16(b + off + 2, (uint16_t)(100 + p->vlan_id % 100));
        off += 4;
    }
    if (p->vlan != GEN_V_NONE) {
        put16(b + off, 0x8100);
        put16(b + off + 2, p->vlan_id & 0x0fff);
        off += 4;
    }
    put16(b + off, ethertype);
    return off + 2;
}

static size_t put_arp(const struct gen_pkt *p, uint8_t *b)
{
    put16(b, 1);          /* Ethernet */
    put16(b + 2, 0x0800); /* IPv4 */
    b[4] = 6;
    b[5] = 4;
    put16(b + 6, 1); /* request: who has dst4? tell src4 */
    memcpy(b + 8, mac_router, 6);
    put32(b + 14, p->src4);
    memset(b + 18, 0, 6);
    put32(b + 24, p->dst4);
    return 28;
}

static size_t tcp_options(uint8_t opts, uint8_t *o)
{
    switch (opts) {
    case GEN_O_MSS1460:
        memcpy(o, (const uint8_t[]){2, 4, 0x05, 0xb4}, 4);
        return 4;
    case GEN_O_MSS1460_NOP: /* MSS, NOP, then EOL padding to a 4-byte boundary */
        memcpy(o, (const uint8_t[]){2, 4, 0x05, 0xb4, 1, 0, 0, 0}, 8);
        return 8;
    case GEN_O_MSS1380:
        memcpy(o, (const uint8_t[]){2, 4, 0x05, 0x64}, 4);
        return 4;
    case GEN_O_LINUX:
        memcpy(o, (const uint8_t[]){2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0x12, 0x34, 0x56, 0x78,
                                    0, 0, 0, 0, 1, 3, 3, 7},
               20);
        return 20;
    default:
        return 0;
    }
}

/* Deterministic payload bytes: a pattern of the ports, not random noise. */
static void fill_payload(uint8_t *b, size_t n, uint16_t salt)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(0x41 + (i + salt) % 26);
}

/* Writes a quoted original packet (IP header + 8 transport bytes) for an
 * ICMP error: the packet the attacker forged with our sensor as source. */
static size_t put_quote(const struct gen_pkt *p, uint8_t *b)
{
    if (p->link == GEN_L_IP4) {
        memset(b, 0, 20);
        b[0] = 0x45;
        put16(b + 2, 40);
        put16(b + 4, (uint16_t)(p->ip_id ^ 0x5a5a));
        b[8] = 50;
        b[9] = p->quote_proto;
        put32(b + 12, p->dst4); /* forged source: our sensor */
        put32(b + 16, p->src4 ^ 0x00000101u); /* the attacked host beyond the router */
        put16(b + 10, fold(sum16(b, 20, 0)));
        b += 20;
    } else {
        memset(b, 0, 40);
        b[0] = 0x60;
        put16(b + 4, 20);
        b[6] = p->quote_proto;
        b[7] = 50;
        memcpy(b + 8, p->dst6, 16);
        memcpy(b + 24, p->src6, 16);
        b[39] ^= 0x01;
        b += 40;
    }
    put16(b, p->sport);
    put16(b + 2, p->dport);
    put32(b + 4, p->seq); /* TCP: sequence number; UDP: length and checksum */
    return p->link == GEN_L_IP4 ? 28 : 48;
}

/* The transport header and payload; returns its length. */
static size_t put_transport(const struct gen_pkt *p, uint8_t *t)
{
    size_t len;
    if (p->frag) { /* a later fragment: only payload bytes */
        fill_payload(t, p->payload_len, p->ip_id);
        return p->payload_len;
    }
    switch (p->proto) {
    case GEN_PROTO_TCP: {
        size_t olen = tcp_options(p->opts, t + 20);
        size_t hlen = 20 + olen;
        put16(t, p->sport);
        put16(t + 2, p->dport);
        put32(t + 4, p->seq);
        put32(t + 8, p->ack);
        t[12] = (uint8_t)((hlen / 4) << 4);
        t[13] = p->tcp_flags;
        put16(t + 14, p->window);
        put16(t + 16, 0);
        put16(t + 18, 0);
        fill_payload(t + hlen, p->payload_len, p->dport);
        len = hlen + p->payload_len;
        put16(t + 16, fold(sum16(t, len, pseudo_sum(p, GEN_PROTO_TCP, (uint32_t)len))));
        return len;
    }
    case GEN_PROTO_UDP: {
        len = 8 + p->payload_len;
        put16(t, p->sport);
        put16(t + 2, p->dport);
        put16(t + 4, (uint16_t)len);
        put16(t + 6, 0);
        fill_payload(t + 8, p->payload_len, p->dport);
        uint16_t c = fold(sum16(t, len, pseudo_sum(p, GEN_PROTO_UDP, (uint32_t)len)));
        put16(t + 6, c ? c : 0xffff);
        return len;
    }
    case GEN_PROTO_ICMP:
    case GEN_PROTO_ICMP6: {
        int v6 = p->proto == GEN_PROTO_ICMP6;
        int is_error = v6 ? p->icmp_type < 128
                          : (p->icmp_type == 3 || p->icmp_type == 4 || p->icmp_type == 5 ||
                             p->icmp_type == 11 || p->icmp_type == 12);
        t[0] = p->icmp_type;
        t[1] = p->icmp_code;
        put16(t + 2, 0);
        if (is_error) {
            put32(t + 4, p->icmp_type == 2 && v6 ? 1280 : 0); /* v6 too-big: the MTU */
            len = 8 + put_quote(p, t + 8);
        } else {
            put16(t + 4, p->sport);
            put16(t + 6, p->dport);
            fill_payload(t + 8, p->payload_len, p->sport);
            len = 8 + p->payload_len;
        }
        uint32_t acc = v6 ? pseudo_sum(p, GEN_PROTO_ICMP6, (uint32_t)len) : 0;
        put16(t + 2, fold(sum16(t, len, acc)));
        return len;
    }
    default: /* GRE, ESP, ...: opaque payload */
        fill_payload(t, p->payload_len, p->proto);
        return p->payload_len;
    }
}

void gen_frame_build(const struct gen_pkt *p, uint8_t *buf, uint32_t *caplen,
                     uint32_t *wirelen)
{
    size_t link_len, ip_len, total;
    if (p->link == GEN_L_ARP) {
        link_len = put_eth(p, buf, 0x0806);
        total = link_len + put_arp(p, buf + link_len);
        ip_len = 0;
    } else if (p->link == GEN_L_IP4) {
        link_len = put_eth(p, buf, 0x0800);
        uint8_t *ip = buf + link_len;
        ip_len = 20;
        size_t tlen = put_transport(p, ip + 20);
        memset(ip, 0, 20);
        ip[0] = 0x45;
        put16(ip + 2, (uint16_t)(20 + tlen));
        put16(ip + 4, p->ip_id);
        /* Later fragments carry an offset; scanners' SYNs often set DF. */
        put16(ip + 6, p->frag ? 185 : (p->proto == GEN_PROTO_TCP ? 0x4000 : 0));
        ip[8] = p->ttl;
        ip[9] = p->proto;
        put32(ip + 12, p->src4);
        put32(ip + 16, p->dst4);
        put16(ip + 10, fold(sum16(ip, 20, 0)));
        total = link_len + 20 + tlen;
    } else {
        link_len = put_eth(p, buf, 0x86dd);
        uint8_t *ip = buf + link_len;
        ip_len = 40;
        size_t tlen = put_transport(p, ip + 40);
        put32(ip, 0x60000000u);
        put16(ip + 4, (uint16_t)tlen);
        ip[6] = p->proto;
        ip[7] = p->ttl;
        memcpy(ip + 8, p->src6, 16);
        memcpy(ip + 24, p->dst6, 16);
        total = link_len + 40 + tlen;
    }
    if (total < ETH_MIN) { /* what a NIC hands up: padded to the minimum */
        memset(buf + total, 0, ETH_MIN - total);
        total = ETH_MIN;
    }
    *wirelen = (uint32_t)total;
    switch (p->trunc) {
    case GEN_T_AFTER_IP:
        *caplen = (uint32_t)(link_len + ip_len);
        break;
    case GEN_T_PORTS:
        *caplen = (uint32_t)(link_len + ip_len + 4);
        break;
    case GEN_T_IN_IP:
        *caplen = (uint32_t)(link_len + ip_len / 2);
        break;
    default:
        *caplen = (uint32_t)total;
    }
}
