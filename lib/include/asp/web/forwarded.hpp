// Client addresses behind a reverse proxy or load balancer. A proxy connects on the client's
// behalf and appends the address it saw to X-Forwarded-For; anyone can send that header, so it
// is believed only when the peer is a proxy the operator named (serve --trusted-proxy), and
// then only up to the first hop no trusted proxy vouches for: walking the list from the right,
// trusted entries are skipped and the first other one is the client. Everything else (no
// trusted proxies, an untrusted peer, a malformed entry) falls back to the peer address.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace asp::web {

class TrustedProxies {
public:
    // "10.0.0.5", "10.0.0.0/8", "::1", "fd00::/8". Throws std::invalid_argument otherwise.
    void add(std::string_view spec);
    bool empty() const { return nets_.empty(); }
    // Whether an address (textual IPv4 or IPv6; IPv4-mapped IPv6 counts as IPv4) is trusted.
    bool contains(std::string_view address) const;
    // The client of a request from `peer` carrying these X-Forwarded-For header values (in
    // the order received; each a comma-separated list).
    std::string client_address(std::string_view peer,
                               const std::vector<std::string_view>& forwarded_for) const;

private:
    struct Net {
        std::array<uint8_t, 16> bytes{};  // IPv4 as IPv4-mapped IPv6
        unsigned prefix = 128;
    };
    std::vector<Net> nets_;
};

}  // namespace asp::web
