/* Names of decoder outcomes and anomalies, as they appear in JSON output and
 * in docs/decoder.md. Names are part of the output format: keep them stable. */
#include "decode/anomaly.h"

#include "decode/pkt.h"

_Static_assert(KN_AN__COUNT <= 32, "anomalies must fit the 32-bit kn_pkt.anomalies mask");

static const char *const outcome_names[KN_OUT__COUNT] = {
    [KN_OUT_IP] = "ip",
    [KN_OUT_NO_IP] = "no_ip",
    [KN_OUT_TRUNC_LINK] = "link_truncated",
    [KN_OUT_TRUNC_IP] = "ip_truncated",
    [KN_OUT_BAD_IP] = "ip_bad",
    [KN_OUT_UNKNOWN_LINK] = "unknown_link",
};

static const char *const anomaly_names[KN_AN__COUNT] = {
    [KN_AN_LINK_TRUNCATED] = "link_header_truncated",
    [KN_AN_LINK_BAD] = "link_header_bad",
    [KN_AN_VLAN_TOO_DEEP] = "too_many_vlan_tags",
    [KN_AN_UNKNOWN_LINK] = "unknown_link_type",
    [KN_AN_CAPLEN_OVER_WIRELEN] = "caplen_over_wirelen",
    [KN_AN_IP_EMPTY] = "ip_header_missing",
    [KN_AN_IP_VERSION_BAD] = "ip_version_bad",
    [KN_AN_IPV4_TRUNCATED] = "ipv4_header_truncated",
    [KN_AN_IPV4_BAD_IHL] = "ipv4_bad_ihl",
    [KN_AN_IPV4_TOTLEN_SHORT] = "ipv4_total_length_short",
    [KN_AN_IPV4_TOTLEN_LONG] = "ipv4_total_length_long",
    [KN_AN_IPV4_PAYLOAD_CUT] = "ipv4_payload_cut",
    [KN_AN_IPV6_TRUNCATED] = "ipv6_header_truncated",
    [KN_AN_IPV6_PLEN_BAD] = "ipv6_payload_length_bad",
    [KN_AN_IPV6_PAYLOAD_CUT] = "ipv6_payload_cut",
    [KN_AN_IPV6_EXT_TOO_LONG] = "ipv6_ext_chain_too_long",
    [KN_AN_IPV6_EXT_TRUNCATED] = "ipv6_ext_header_truncated",
    [KN_AN_TCP_TRUNC_NO_PORTS] = "tcp_header_truncated_no_ports",
    [KN_AN_TCP_TRUNC] = "tcp_header_truncated",
    [KN_AN_TCP_BAD_DOFF] = "tcp_bad_data_offset",
    [KN_AN_TCP_OPTS_CUT] = "tcp_options_cut",
    [KN_AN_TCP_OPTS_BAD] = "tcp_options_malformed",
    [KN_AN_UDP_TRUNC_NO_PORTS] = "udp_header_truncated_no_ports",
    [KN_AN_UDP_TRUNC] = "udp_header_truncated",
    [KN_AN_UDP_LEN_BAD] = "udp_length_bad",
    [KN_AN_ICMP_TRUNC] = "icmp_header_truncated",
    [KN_AN_ICMP_INNER_TRUNC] = "icmp_quoted_header_truncated",
    [KN_AN_ICMP_INNER_BAD] = "icmp_quoted_header_bad",
};

const char *kn_anomaly_name(unsigned anomaly)
{
    if (anomaly >= KN_AN__COUNT || !anomaly_names[anomaly])
        return "?";
    return anomaly_names[anomaly];
}

const char *kn_outcome_name(unsigned outcome)
{
    if (outcome >= KN_OUT__COUNT || !outcome_names[outcome])
        return "?";
    return outcome_names[outcome];
}
